import express from 'express';
import { renderToPipeableStream, renderToString } from 'react-dom/server';
import { HomePage, ProductsPage, ProductPage, NotFoundPage } from './App.jsx';
import { products } from './data.js';

const app = express();
app.use(express.json());

// Streaming SSR, as in React's renderToPipeableStream docs
app.get('/', (req, res) => {
  const { pipe } = renderToPipeableStream(<HomePage user={req.query.user || 'guest'} />, {
    onShellReady() {
      res.setHeader('content-type', 'text/html');
      pipe(res);
    },
    onShellError() {
      res.statusCode = 500;
      res.setHeader('content-type', 'text/html');
      res.send('<h1>Something went wrong</h1>');
    },
    onError(error) {
      console.error(error);
    },
  });
});

// renderToString
app.get('/products', (req, res) => {
  const q = String(req.query.q || '').toLowerCase();
  const list = q ? products.filter((p) => p.name.toLowerCase().includes(q)) : products;
  res.send('<!DOCTYPE html>' + renderToString(<ProductsPage products={list} query={q} />));
});

app.get('/products/:id', (req, res) => {
  const product = products.find((p) => p.id === Number(req.params.id));
  if (!product) {
    res.status(404).send('<!DOCTYPE html>' + renderToString(<NotFoundPage path={req.path} />));
    return;
  }
  res.send('<!DOCTYPE html>' + renderToString(<ProductPage product={product} />));
});

app.get('/api/products', (req, res) => {
  res.json(products);
});

app.post('/api/products', (req, res) => {
  const { name, price } = req.body ?? {};
  if (typeof name !== 'string' || typeof price !== 'number') {
    return res.status(400).json({ error: 'name (string) and price (number) are required' });
  }
  const product = { id: products.length + 1, name, price };
  products.push(product);
  res.status(201).json(product);
});

app.use((req, res) => {
  res.status(404).send('<!DOCTYPE html>' + renderToString(<NotFoundPage path={req.path} />));
});

const port = process.env.PORT || 3000;
app.listen(port, () => {
  console.log(`React SSR app listening on http://localhost:${port}`);
});
