// JSON API routes, mounted at /api.
// Follows the express.Router example in "Routing":
// https://expressjs.com/en/guide/routing.html
const express = require('express');
const { books } = require('../data');

const router = express.Router();

router.get('/books', (req, res) => {
  res.json(books);
});

router.get('/books/:id', (req, res) => {
  const book = books.find((b) => b.id === Number(req.params.id));
  if (!book) {
    return res.status(404).json({ error: 'Book not found' });
  }
  res.json(book);
});

router.post('/books', (req, res) => {
  const { title, author, year } = req.body || {};
  if (typeof title !== 'string' || title.trim() === '' || typeof author !== 'string' || author.trim() === '') {
    return res.status(400).json({ error: 'title and author are required' });
  }
  if (year !== undefined && !Number.isInteger(year)) {
    return res.status(400).json({ error: 'year must be an integer' });
  }
  const book = { id: books.length + 1, title: title.trim(), author: author.trim(), year };
  books.push(book);
  res.status(201).location(`/api/books/${book.id}`).json(book);
});

module.exports = router;
