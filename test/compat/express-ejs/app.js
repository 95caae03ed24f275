// Express 5 app with the EJS view engine.
// Follows the Express docs: "Hello world example" (https://expressjs.com/en/starter/hello-world.html),
// "Using template engines with Express" (https://expressjs.com/en/guide/using-template-engines.html),
// "Serving static files in Express" (https://expressjs.com/en/starter/static-files.html)
// and "Error handling" (https://expressjs.com/en/guide/error-handling.html).
const path = require('path');
const express = require('express');
const apiRouter = require('./routes/api');
const { books } = require('./data');

const app = express();
const port = process.env.PORT || 3000;

app.set('views', path.join(__dirname, 'views'));
app.set('view engine', 'ejs');

app.use(express.static(path.join(__dirname, 'public')));
app.use(express.json());

app.get('/', (req, res) => {
  res.render('index', { title: 'Bookshelf', books });
});

app.get('/books/:id', (req, res) => {
  const book = books.find((b) => b.id === Number(req.params.id));
  if (!book) {
    return res.status(404).render('not-found', { title: 'Not found' });
  }
  res.render('book', { title: book.title, book });
});

app.use('/api', apiRouter);

app.use((req, res, next) => {
  res.status(404).send("Sorry can't find that!");
});

app.use((err, req, res, next) => {
  console.error(err.stack);
  res.status(err.status || 500).send('Something broke!');
});

app.listen(port, () => {
  console.log(`Example app listening on port ${port}`);
});
