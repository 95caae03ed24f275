import { createServer } from "node:http";
import { H3, HTTPError, getQuery, getRouterParam, html, readBody, toNodeHandler } from "h3";

const app = new H3();

const todos = [
  { id: 1, title: "Read the h3 docs", done: true },
  { id: 2, title: "Write an app", done: false },
];

app.get("/", () => html`<!doctype html><html><head><title>h3 app</title></head><body><h1>Hello from h3</h1><p>${todos.length} todos</p></body></html>`);

app.get("/api/hello", (event) => {
  const { name = "world" } = getQuery(event);
  return { message: `Hello, ${name}!` };
});

app.get("/api/todos", () => todos);

app.get("/api/todos/:id", (event) => {
  const id = Number(getRouterParam(event, "id"));
  const todo = todos.find((t) => t.id === id);
  if (!todo) {
    throw new HTTPError({ status: 404, message: `Todo ${id} not found` });
  }
  return todo;
});

app.post("/api/todos", async (event) => {
  const body = await readBody(event);
  if (!body || typeof body.title !== "string" || body.title.trim() === "") {
    throw new HTTPError({ status: 400, message: "title is required" });
  }
  const todo = { id: todos.length + 1, title: body.title, done: false };
  todos.push(todo);
  event.res.status = 201;
  return todo;
});

app.post("/api/echo", async (event) => {
  const body = await readBody(event);
  return { received: body };
});

createServer(toNodeHandler(app)).listen(process.env.PORT || 3000, () => {
  console.log(`Listening on http://localhost:${process.env.PORT || 3000}`);
});
