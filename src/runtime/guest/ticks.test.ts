import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keepTickShapes, keptTicks } from './ticks.js';

test('keepTickShapes holds a real tick object with and one without arguments by the next turn of the loop', async () => {
  keepTickShapes();
  await new Promise((r) => setImmediate(r));
  const held = keptTicks() as Array<{ callback?: unknown; args?: unknown }>;
  assert.equal(held.length, 2);
  assert.ok(held.every((t) => typeof t.callback === 'function'), 'each is the tick object Node made, callback and all');
  assert.deepEqual(held.map((t) => t.args), [undefined, [0]]);
  keepTickShapes();
  await new Promise((r) => setImmediate(r));
  assert.equal(keptTicks().length, 2, 'a second call replaces, not adds');
});
