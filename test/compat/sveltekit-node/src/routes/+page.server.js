import { fail } from '@sveltejs/kit';
import * as db from '$lib/server/todos.js';

export function load() {
  return { todos: db.list() };
}

export const actions = {
  create: async ({ request }) => {
    const data = await request.formData();
    const text = String(data.get('text') ?? '').trim();
    if (!text) return fail(400, { error: 'text is required' });
    db.add(text);
  }
};
