const express = require('express')
const fs = require('node:fs')
const path = require('node:path')
const helmet = require('helmet')
const morgan = require('morgan')
const session = require('express-session')
const { rateLimit } = require('express-rate-limit')

const app = express()

// view engine setup
app.set('views', path.join(__dirname, 'views'))
app.set('view engine', 'pug')

app.use(helmet())

// create a write stream (in append mode)
const accessLogStream = fs.createWriteStream(path.join(__dirname, 'access.log'), { flags: 'a' })
// setup the logger
app.use(morgan('combined', { stream: accessLogStream }))

app.use(session({
  secret: 'keyboard cat',
  resave: false,
  saveUninitialized: true
}))

const limiter = rateLimit({
  windowMs: 15 * 60 * 1000, // 15 minutes
  limit: 100, // Limit each IP to 100 requests per `window` (here, per 15 minutes).
  standardHeaders: 'draft-8',
  legacyHeaders: false,
})
app.use(limiter)

app.use(express.json())

app.get('/', (req, res) => {
  res.render('index', { title: 'Hey', message: 'Hello there!' })
})

app.get('/about', (req, res) => {
  res.render('about', { title: 'About', items: ['express', 'pug', 'helmet', 'morgan'] })
})

app.get('/views', (req, res) => {
  if (req.session.views) {
    req.session.views++
  } else {
    req.session.views = 1
  }
  res.json({ views: req.session.views })
})

const users = [{ id: 1, name: 'tobi' }, { id: 2, name: 'loki' }, { id: 3, name: 'jane' }]

app.get('/api/users', (req, res) => {
  res.json(users)
})

app.get('/api/users/:id', (req, res) => {
  const user = users.find(u => u.id === Number(req.params.id))
  if (!user) return res.status(404).json({ error: 'not found' })
  res.json(user)
})

app.post('/api/echo', (req, res) => {
  res.json({ received: req.body })
})

const port = process.env.PORT || 3000
app.listen(port, () => {
  console.log(`Example app listening on port ${port}`)
})
