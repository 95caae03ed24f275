// Items API with Express 5 and better-sqlite3.
// Follows the better-sqlite3 README ("Usage": open the database, db.exec,
// db.prepare(...).run/get/all) and the Express "Hello world" / "Basic routing"
// guides (expressjs.com).
const express = require('express');
const db = require('better-sqlite3')(':memory:');

db.exec(`
  CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    quantity INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
  )
`);

const insertItem = db.prepare('INSERT INTO items (name, quantity) VALUES (@name, @quantity)');
const selectAll = db.prepare('SELECT * FROM items ORDER BY id');
const selectOne = db.prepare('SELECT * FROM items WHERE id = ?');
const deleteOne = db.prepare('DELETE FROM items WHERE id = ?');

const seed = db.transaction((items) => {
  for (const item of items) insertItem.run(item);
});

seed([
  { name: 'apple', quantity: 3 },
  { name: 'banana', quantity: 12 },
  { name: 'cherry', quantity: 40 },
]);

const app = express();
const port = process.env.PORT || 3000;

app.use(express.json());

app.get('/items', (req, res) => {
  res.json(selectAll.all());
});

app.get('/items/:id', (req, res) => {
  const item = selectOne.get(req.params.id);
  if (!item) {
    return res.status(404).json({ error: 'Item not found' });
  }
  res.json(item);
});

app.post('/items', (req, res) => {
  const { name, quantity = 0 } = req.body ?? {};
  if (typeof name !== 'string' || name.trim() === '' || !Number.isInteger(quantity)) {
    return res.status(400).json({ error: 'name (string) is required and quantity must be an integer' });
  }
  const info = insertItem.run({ name: name.trim(), quantity });
  res.status(201).json(selectOne.get(info.lastInsertRowid));
});

app.delete('/items/:id', (req, res) => {
  const info = deleteOne.run(req.params.id);
  if (info.changes === 0) {
    return res.status(404).json({ error: 'Item not found' });
  }
  res.status(204).end();
});

app.listen(port, () => {
  console.log(`Example app listening on port ${port}`);
});
