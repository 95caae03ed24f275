import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeColumn, decodeRuns, encodeColumn, encodeRuns } from './pages-codec.js';

test('columns round-trip every size of value: bytes, 28-bit boundaries, addresses up to 2^52, negative deltas', () => {
  const values = [0, 1, 127, 128, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 35 + 3, 0x7fffffffe000, 2 ** 52 - 1, 5, -7, -(2 ** 40)];
  for (const delta of [true, false]) assert.deepEqual([...decodeColumn(encodeColumn(values, delta), values.length, delta)], values);
  // Page numbers come back as addresses.
  assert.deepEqual([...decodeColumn(encodeColumn([1, 2, 0x7ffff], true), 3, true, 4096)], [4096, 8192, 0x7ffff * 4096]);
  assert.throws(() => decodeColumn(encodeColumn([1, 2]), 3), /column ends after 2 of 3 values/);
});

test('runs: one value per mapping costs a few bytes per run, not one per page', () => {
  const pages = [...Array(50_000).fill(3), ...Array(20_000).fill(-1), ...Array(30_000).fill(12)];
  const text = encodeRuns(pages);
  assert.ok(text.length < 24, `${text.length} characters for 100 000 pages in 3 runs`);
  assert.deepEqual([...decodeRuns(text, pages.length)], pages);
  assert.deepEqual([...decodeRuns(encodeRuns([]), 0)], []);
  assert.throws(() => decodeRuns(text, pages.length + 1), /runs end before 100001 values/);
});
