// In-memory data for the example app (no database).
const books = [
  { id: 1, title: 'The Pragmatic Programmer', author: 'Andrew Hunt', year: 1999 },
  { id: 2, title: 'Eloquent JavaScript', author: 'Marijn Haverbeke', year: 2011 },
  { id: 3, title: 'Node.js Design Patterns', author: 'Mario Casciaro', year: 2014 }
];

module.exports = { books };
