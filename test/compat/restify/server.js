'use strict';
const restify = require('restify');
const errors = require('restify-errors');

const server = restify.createServer({
  name: 'restify-api',
  version: '1.0.0'
});

server.use(restify.plugins.acceptParser(server.acceptable));
server.use(restify.plugins.queryParser());
server.use(restify.plugins.bodyParser());

const books = [
  { id: 1, title: 'Dune', author: 'Frank Herbert' },
  { id: 2, title: 'Neuromancer', author: 'William Gibson' }
];
let nextId = 3;

function respond(req, res, next) {
  res.send('hello ' + req.params.name);
  next();
}

server.get('/hello/:name', respond);
server.head('/hello/:name', respond);

server.get('/books', function (req, res, next) {
  let result = books;
  if (req.query.author) {
    result = books.filter((b) => b.author.toLowerCase().includes(String(req.query.author).toLowerCase()));
  }
  res.send(result);
  return next();
});

server.get('/books/:id', function (req, res, next) {
  const book = books.find((b) => b.id === Number(req.params.id));
  if (!book) {
    return next(new errors.NotFoundError('book %s not found', req.params.id));
  }
  res.send(book);
  return next();
});

server.post('/books', function (req, res, next) {
  const body = req.body || {};
  if (typeof body.title !== 'string' || body.title.length === 0) {
    return next(new errors.BadRequestError('title is required'));
  }
  if (typeof body.author !== 'string' || body.author.length === 0) {
    return next(new errors.BadRequestError('author is required'));
  }
  const book = { id: nextId++, title: body.title, author: body.author };
  books.push(book);
  res.send(201, book);
  return next();
});

const port = process.env.PORT || 8080;
server.listen(port, function () {
  console.log('%s listening at %s', server.name, server.url);
});
