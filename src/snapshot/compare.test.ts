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

test('a value that reads the clock as each process answered, plus the same offset, differs as the clock does, whichever process answered first', () => {
  const t = (iso: string): number => Date.parse(iso);
  const at = (time: string, expires: string, asked: string) => ({ status: 200, contentType: 'application/json', body: `{"time":"${time}","expiresAt":"${expires}","uptime":2.6}`, asked: [t(asked), t(asked) + 40] as [number, number] });
  // The restored process answered 3 s before the two cold starts, which answered in one second.
  const coldA = at('2026-11-30T18:44:28Z', '2026-11-30T18:59:28.120Z', '2026-11-30T18:44:28.100Z');
  const coldB = at('2026-11-30T18:44:28Z', '2026-11-30T18:59:28.700Z', '2026-11-30T18:44:28.680Z');
  assert.deepEqual(judge(coldA, coldB, at('2026-11-30T18:44:25Z', '2026-11-30T18:59:25.410Z', '2026-11-30T18:44:25.400Z')), { volatile: 2, unstable: false });
  // A time fixed at build (baked into the snapshot) has another offset from the restore's answer.
  const baked = judge(coldA, coldB, at('2026-11-30T18:40:02Z', '2026-11-30T18:59:25.410Z', '2026-11-30T18:44:25.400Z'));
  assert.equal(baked.mismatch?.what, 'body');
  assert.match(baked.mismatch!.restored, /⟦2026-11-30T18:40:02Z⟧/);
  // A time of day written alone, as in "30 Nov 2026, 19:59:28 UTC+01:00": the same rule, modulo a day.
  const human = (hms: string, asked: string) => ({ status: 200, contentType: 'text/plain', body: `expires 30 Nov 2026, ${hms} UTC+01:00`, asked: [t(asked), t(asked) + 40] as [number, number] });
  assert.deepEqual(judge(human('19:59:28', '2026-11-30T18:44:28.100Z'), human('19:59:28', '2026-11-30T18:44:28.600Z'), human('19:59:25', '2026-11-30T18:44:25.400Z')), { volatile: 1, unstable: false });
  assert.deepEqual(judge(human('00:00:01', '2026-11-30T23:00:01.100Z'), human('00:00:01', '2026-11-30T23:00:01.600Z'), human('23:59:59', '2026-11-30T22:59:59.400Z')), { volatile: 1, unstable: false }, 'across midnight');
  assert.equal(judge(human('19:59:28', '2026-11-30T18:44:28.100Z'), human('19:59:28', '2026-11-30T18:44:28.600Z'), human('19:55:02', '2026-11-30T18:44:25.400Z')).mismatch?.what, 'body');
  // Without the times the answers were asked at, only cold start B tells.
  const { asked: _a, ...plainA } = coldA;
  assert.equal(judge(plainA, coldB, at('2026-11-30T18:44:25Z', '2026-11-30T18:59:28.120Z', '2026-11-30T18:44:25.400Z')).mismatch?.what, 'body');
  // Unix times in ms and s, fractions, zones with and without a colon, and minutes.
  const ms = Date.parse('2026-11-30T18:44:26.250Z');
  assert.deepEqual(clockSpan(`:${ms}`), [ms, ms + 1]);
  assert.deepEqual(clockSpan(String(ms / 1000 - 0.25)), [ms - 250, ms + 750]);
  assert.deepEqual(clockSpan('2026-11-30T19:44:26.25+0100'), [ms, ms + 10]);
  assert.deepEqual(clockSpan('2026-11-30T19:44+01:00'), [ms - 26_250, ms + 33_750]);
  assert.equal(clockSpan('2026-11-30'), undefined);
  assert.equal(clockSpan('12345'), undefined);
});
