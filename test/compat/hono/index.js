// Hono 4 app on Node.js via @hono/node-server.
// Follows the Hono docs: "Getting Started > Node.js" (https://hono.dev/docs/getting-started/nodejs),
// "Validation" with Zod Validator (https://hono.dev/docs/guides/validation) and the
// App API for app.notFound / app.onError (https://hono.dev/docs/api/hono).
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { logger } from 'hono/logger'
import { zValidator } from '@hono/zod-validator'
import * as z from 'zod'

const books = [
  { id: 1, title: 'The Pragmatic Programmer', author: 'Andrew Hunt', reviews: [] },
  { id: 2, title: 'Eloquent JavaScript', author: 'Marijn Haverbeke', reviews: [] },
  { id: 3, title: 'Node.js Design Patterns', author: 'Mario Casciaro', reviews: [] },
]

const bookSchema = z.object({
  title: z.string().min(1),
  author: z.string().min(1),
})

const reviewSchema = z.object({
  rating: z.number().int().min(1).max(5),
  comment: z.string().optional(),
})

const app = new Hono()

app.use(logger())

app.get('/', (c) => {
  return c.html(
    `<!DOCTYPE html>
<html>
  <head><title>Bookshelf</title></head>
  <body>
    <h1>Bookshelf</h1>
    <ul>
      ${books.map((book) => `<li>${book.title} by ${book.author}</li>`).join('\n      ')}
    </ul>
  </body>
</html>`
  )
})

app.get('/hello', (c) => c.text('Hello Node.js!'))

app.get('/api/books', (c) => {
  return c.json(books)
})

app.get('/api/books/:id', (c) => {
  const id = Number(c.req.param('id'))
  const book = books.find((b) => b.id === id)
  if (!book) {
    return c.json({ error: 'Book not found' }, 404)
  }
  return c.json(book)
})

app.post('/api/books', zValidator('json', bookSchema), (c) => {
  const { title, author } = c.req.valid('json')
  const book = { id: books.length + 1, title, author, reviews: [] }
  books.push(book)
  return c.json(book, 201)
})

app.post('/api/books/:id/reviews', async (c) => {
  const book = books.find((b) => b.id === Number(c.req.param('id')))
  if (!book) {
    return c.json({ error: 'Book not found' }, 404)
  }
  const body = await c.req.json()
  const result = reviewSchema.safeParse(body)
  if (!result.success) {
    return c.json({ error: 'Invalid review', issues: result.error.issues }, 400)
  }
  book.reviews.push(result.data)
  return c.json({ bookId: book.id, review: result.data }, 201)
})

app.notFound((c) => {
  return c.text('Custom 404 Message', 404)
})

app.onError((err, c) => {
  if (err instanceof HTTPException) {
    return err.getResponse()
  }
  console.error(`${err}`)
  return c.text('Custom Error Message', 500)
})

serve(
  {
    fetch: app.fetch,
    port: Number(process.env.PORT) || 3000,
  },
  (info) => {
    console.log(`Server is running on http://localhost:${info.port}`)
  }
)
