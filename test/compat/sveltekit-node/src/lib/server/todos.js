let nextId = 3;
const todos = [
  { id: 1, text: 'Learn SvelteKit', done: true },
  { id: 2, text: 'Build with adapter-node', done: false }
];

export function list() {
  return todos;
}

export function add(text) {
  const todo = { id: nextId++, text, done: false };
  todos.push(todo);
  return todo;
}
