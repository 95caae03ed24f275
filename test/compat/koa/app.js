// Koa 3 app with @koa/router and @koa/bodyparser.
// Follows the Koa docs (https://koajs.com/ — "Application" with the logger and
// x-response-time cascading example, and docs/error-handling.md), the
// @koa/router README "Quick Start" and the @koa/bodyparser README "Usage".
const Koa = require('koa');
const Router = require('@koa/router');
const { bodyParser } = require('@koa/bodyparser');

const app = new Koa();
const router = new Router();

const books = [
  { id: 1, title: 'The Pragmatic Programmer', author: 'Andrew Hunt' },
  { id: 2, title: 'Eloquent JavaScript', author: 'Marijn Haverbeke' },
  { id: 3, title: 'Node.js Design Patterns', author: 'Mario Casciaro' }
];

// error handler

app.use(async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    ctx.status = err.statusCode || err.status || 500;
    ctx.body = { message: err.message };
    ctx.app.emit('error', err, ctx);
  }
});

// logger

app.use(async (ctx, next) => {
  await next();
  const rt = ctx.response.get('X-Response-Time');
  console.log(`${ctx.method} ${ctx.url} - ${rt}`);
});

// x-response-time

app.use(async (ctx, next) => {
  const start = Date.now();
  await next();
  const ms = Date.now() - start;
  ctx.set('X-Response-Time', `${ms}ms`);
});

app.use(bodyParser());

// routes

router.get('/', (ctx) => {
  ctx.body = 'Hello Koa';
});

router.get('/api/books', (ctx) => {
  ctx.body = books;
});

router.get('/api/books/:id', (ctx) => {
  const book = books.find((b) => b.id === Number(ctx.params.id));
  if (!book) {
    ctx.status = 404;
    ctx.body = { error: 'Book not found' };
    return;
  }
  ctx.body = book;
});

router.post('/api/books', (ctx) => {
  const { title, author } = ctx.request.body;
  if (typeof title !== 'string' || !title || typeof author !== 'string' || !author) {
    ctx.status = 400;
    ctx.body = { error: 'title and author are required' };
    return;
  }
  const book = { id: books.length + 1, title, author };
  books.push(book);
  ctx.status = 201;
  ctx.set('Location', `/api/books/${book.id}`);
  ctx.body = book;
});

app.use(router.routes()).use(router.allowedMethods());

app.on('error', (err) => {
  if (err.status && err.status < 500) return;
  console.error('server error', err);
});

app.listen(process.env.PORT || 3000);
