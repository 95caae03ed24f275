import { Elysia, t } from 'elysia';
import { node } from '@elysiajs/node';

const notes = [
  { id: 1, title: 'Buy milk', done: false },
  { id: 2, title: 'Write docs', done: true },
];

// A plugin with its own prefix, state and guard, as in the "Plugin" and "Guard" docs.
const noteRoutes = new Elysia({ prefix: '/notes' })
  .state('nextId', 3)
  .get('/', ({ query }) => (query.done === undefined ? notes : notes.filter((n) => n.done === query.done)), {
    query: t.Object({ done: t.Optional(t.Boolean()) }),
  })
  .get('/:id', ({ params: { id }, status }) => notes.find((n) => n.id === id) ?? status(404, { message: `Note ${id} not found` }), {
    params: t.Object({ id: t.Numeric() }),
  })
  .guard({ headers: t.Object({ authorization: t.TemplateLiteral('Bearer ${string}') }) }, (app) =>
    app.post(
      '/',
      ({ body, store, set }) => {
        const note = { id: store.nextId++, title: body.title, done: body.done ?? false };
        notes.push(note);
        set.status = 201;
        return note;
      },
      { body: t.Object({ title: t.String({ minLength: 1 }), done: t.Optional(t.Boolean()) }) },
    ),
  );

const app = new Elysia({ adapter: node() })
  .derive(({ headers }) => ({ requestId: headers['x-request-id'] ?? 'none' }))
  .onAfterHandle(({ set, requestId }) => {
    set.headers['x-request-id'] = requestId;
  })
  .get('/', () => 'Hello Elysia')
  .get('/hello/:name', ({ params: { name } }) => ({ greeting: `Hello, ${name}!` }))
  .use(noteRoutes)
  .onError(({ code, error }) => {
    if (code === 'NOT_FOUND') return { error: 'Route not found' };
  })
  .listen(Number(process.env.PORT ?? 3000), ({ hostname, port }) => {
    console.log(`🦊 Elysia is running at ${hostname}:${port}`);
  });
