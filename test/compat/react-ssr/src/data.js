export const products = [
  { id: 1, name: 'Keyboard', price: 49.5 },
  { id: 2, name: 'Mouse', price: 19.99 },
  { id: 3, name: 'Monitor', price: 219 },
];
