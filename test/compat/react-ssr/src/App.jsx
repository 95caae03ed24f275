import Layout from './components/Layout.jsx';
import ProductList from './components/ProductList.jsx';

export function HomePage({ user }) {
  return (
    <Layout title="Home">
      <h1>Welcome, {user}!</h1>
      <p>This page was rendered on the server with React.</p>
    </Layout>
  );
}

export function ProductsPage({ products, query }) {
  return (
    <Layout title="Products">
      <h1>Products{query ? ` matching “${query}”` : ''}</h1>
      <ProductList products={products} />
    </Layout>
  );
}

export function ProductPage({ product }) {
  return (
    <Layout title={product.name}>
      <h1>{product.name}</h1>
      <p>Price: ${product.price.toFixed(2)}</p>
    </Layout>
  );
}

export function NotFoundPage({ path }) {
  return (
    <Layout title="Not found">
      <h1>404</h1>
      <p>Nothing at {path}</p>
    </Layout>
  );
}
