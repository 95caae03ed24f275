import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clockSpan, judge, tokens } from './compare.js';

const json = (body: unknown, status = 200) => ({ status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body) });

test('tokens keep values whole (ids, base64, dates with their time, URLs with their query) and split on spaces, quotes and brackets', () => {
  assert.deepEqual(tokens('{"id":"3f2a-b1","sig":"ab+/cd=="}'), ['{"', 'id', '"', ':', '"', '3f2a-b1', '","', 'sig', '"', ':', '"', 'ab+/cd==', '"}']);
  assert.deepEqual(tokens('<p>at 2026-11-30T08:15:06Z, 1.5 ms</p>'), ['<', 'p', '>', 'at', ' ', '2026-11-30T08:15:06Z', ', ', '1.5', ' ', 'ms', '<', '/p', '>']);
  assert.deepEqual(tokens('/u?a=1&b=x%20y'), ['/u?a=1&b=x%20y']);
  // Two clocks a second apart across a minute: one differing value, not a minute that agrees.
  const a = { status: 200, contentType: 'application/json', body: '{"time":"2026-11-30T09:21:59Z","n":1}' };
  const b = { ...a, body: '{"time":"2026-11-30T09:22:00Z","n":1}' };
  assert.deepEqual(judge(a, b, { ...a, body: '{"time":"2026-11-30T09:21:58Z","n":1}' }), { volatile: 1, unstable: false });
});

test('a restored answer is judged against two cold starts', () => {
  const a = json({ id: 'r-1', count: 3, at: 100 });
  const b = json({ id: 'r-2', count: 3, at: 200 });
  // Same answer: nothing to say.
  assert.deepEqual(judge(a, b, json({ id: 'r-1', count: 3, at: 100 })), { volatile: 0, unstable: false });
  // What differs between the two cold starts may differ from the restore: shown, not failed.
  assert.deepEqual(judge(a, b, json({ id: 'r-9', count: 3, at: 300 })), { volatile: 2, unstable: false });
  // A value both cold starts agree on must agree restored: the restore is broken.
  const broken = judge(a, b, json({ id: 'r-9', count: 4, at: 100 }));
  assert.equal(broken.mismatch?.what, 'body');
  assert.match(broken.mismatch!.cold, /⟦:3⟧/);
  assert.match(broken.mismatch!.restored, /⟦:4⟧/);
  // Status and content type come first.
  assert.deepEqual(judge(a, b, json({}, 500)).mismatch, { what: 'status', cold: '200', restored: '500' });
  assert.equal(judge(a, b, { ...a, contentType: 'text/html' }).mismatch?.what, 'content type');
  assert.equal(judge(a, b, { ...a, contentType: 'application/json;charset=UTF-8' }).mismatch, undefined, 'spacing and case of a content type do not matter');
  // A body of another shape where both cold starts agree in shape: broken.
  assert.equal(judge(a, b, json({ id: 'r-1', count: 3, at: 100, extra: true })).mismatch?.what, 'body');
  // Two cold starts of different shapes: only status and type can be compared.
  assert.deepEqual(judge(json({ list: [1] }), json({ list: [1, 2] }), json({ list: [] })), { volatile: 0, unstable: true });
});

test('a value that reads the clock while the processes ran differs as the clock does, whichever process answered first', () => {
  const at = (iso: string) => ({ status: 200, contentType: 'application/json', body: `{"time":"${iso}","uptime":2.6}` });
  const window = { from: Date.parse('2026-11-30T18:44:24.500Z'), to: Date.parse('2026-11-30T18:44:31Z') };
  // The restored process answered first, the two cold starts later within one second.
  assert.deepEqual(judge(at('2026-11-30T18:44:28Z'), at('2026-11-30T18:44:28Z'), at('2026-11-30T18:44:25Z'), window), { volatile: 1, unstable: false });
  // A time from before the processes started (baked in at build) is still a mismatch.
  assert.equal(judge(at('2026-11-30T18:44:28Z'), at('2026-11-30T18:44:28Z'), at('2026-11-30T18:40:02Z'), window).mismatch?.what, 'body');
  // Unix times in ms and s, fractions, zones with and without a colon, and minutes.
  const ms = Date.parse('2026-11-30T18:44:26.250Z');
  assert.deepEqual(clockSpan(`:${ms}`), [ms, ms + 1]);
  assert.deepEqual(clockSpan(String(ms / 1000 - 0.25)), [ms - 250, ms + 750]);
  assert.deepEqual(clockSpan('2026-11-30T19:44:26.25+0100'), [ms, ms + 10]);
  assert.deepEqual(clockSpan('2026-11-30T19:44+01:00'), [ms - 26_250, ms + 33_750]);
  assert.equal(clockSpan('2026-11-30'), undefined);
  assert.equal(clockSpan('12345'), undefined);
});
