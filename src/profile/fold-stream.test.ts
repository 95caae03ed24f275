import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultThreads } from './fold-stream.js';

const MB = 1 << 20;

test('--threads default: one thread unless the file is large and whole cores sit idle', () => {
  // A 2-core machine splits only when nothing else ran in the last minute.
  assert.equal(defaultThreads(136 * MB, 2, 0), 2);
  assert.equal(defaultThreads(136 * MB, 2, 0.1), 1);
  assert.equal(defaultThreads(2000 * MB, 2, 1.5), 1);
  // Idle cores beyond the folding one, and 64 MB of input for each thread.
  assert.equal(defaultThreads(136 * MB, 4, 0), 2);
  assert.equal(defaultThreads(20 * MB, 8, 0), 1);
  assert.equal(defaultThreads(1024 * MB, 8, 0), 8);
  assert.equal(defaultThreads(1024 * MB, 8, 5.5), 2);
  // A loaded machine folds in one thread, whatever the size.
  assert.equal(defaultThreads(1024 * MB, 4, 3.2), 1);
  assert.equal(defaultThreads(1024 * MB, 4, 7), 1);
});
