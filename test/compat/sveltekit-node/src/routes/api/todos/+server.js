import { error, json } from '@sveltejs/kit';
import * as db from '$lib/server/todos.js';

export function GET({ url }) {
  const done = url.searchParams.get('done');
  const todos = db.list();
  return json(done === null ? todos : todos.filter((t) => String(t.done) === done));
}

export async function POST({ request }) {
  const body = await request.json().catch(() => null);
  if (!body || typeof body.text !== 'string' || !body.text.trim()) error(400, 'text is required');
  return json(db.add(body.text.trim()), { status: 201 });
}
