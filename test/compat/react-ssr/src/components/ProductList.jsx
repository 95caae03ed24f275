export default function ProductList({ products }) {
  if (products.length === 0) {
    return <p>No products match.</p>;
  }
  return (
    <ul className="products">
      {products.map((p) => (
        <li key={p.id}>
          <a href={`/products/${p.id}`}>{p.name}</a> — ${p.price.toFixed(2)}
        </li>
      ))}
    </ul>
  );
}
