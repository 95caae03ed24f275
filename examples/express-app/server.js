// An unmodified Express 5 app with request validation: the kind of service thaw restores.
// Cold: PORT=8080 node examples/express-app/server.js
import express from 'express';

const app = express();
app.use(express.json({ limit: '64kb' }));

const orders = new Map();
let nextId = 1;

/** Validate an order body; returns a list of problems (empty when valid). */
function validateOrder(body) {
  const problems = [];
  if (!body || typeof body !== 'object') return ['body must be a JSON object'];
  if (typeof body.customer !== 'string' || !/^[A-Za-z][A-Za-z .'-]{1,63}$/.test(body.customer)) problems.push('customer: 2-64 letters');
  if (!Array.isArray(body.items) || body.items.length === 0) problems.push('items: a non-empty array');
  else
    body.items.forEach((it, i) => {
      if (typeof it?.sku !== 'string' || !/^[A-Z]{3}-\d{4}$/.test(it.sku)) problems.push(`items[${i}].sku: like ABC-1234`);
      if (!Number.isInteger(it?.qty) || it.qty < 1 || it.qty > 999) problems.push(`items[${i}].qty: 1-999`);
    });
  if (body.email !== undefined && !/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(body.email)) problems.push('email: an address');
  return problems;
}

app.get('/', (req, res) => res.json({ service: 'orders', orders: orders.size }));

app.post('/orders', (req, res) => {
  const problems = validateOrder(req.body);
  if (problems.length) return res.status(400).json({ error: 'invalid order', problems });
  const id = nextId++;
  const order = { id, ...req.body, total: req.body.items.reduce((n, it) => n + it.qty, 0) };
  orders.set(id, order);
  res.status(201).json(order);
});

app.get('/orders/:id', (req, res) => {
  const order = orders.get(Number(req.params.id));
  if (!order) return res.status(404).json({ error: 'no such order' });
  res.json(order);
});

const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, '127.0.0.1', () => console.log(`express-app listening on http://127.0.0.1:${server.address().port}/`));
