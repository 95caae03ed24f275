import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plainFoldArgs } from './fold.js';

test('thaw fold\'s fast start takes the plain shapes and leaves every other one to the full CLI', () => {
  assert.deepEqual(plainFoldArgs(['fold', 'out.txt']), { path: 'out.txt', opts: {} });
  assert.deepEqual(plainFoldArgs(['fold', '-']), { path: '-', opts: {} });
  assert.deepEqual(plainFoldArgs(['fold', '--all', 'out.txt', '--pid']), { path: 'out.txt', opts: { all: true, pid: true } });
  assert.deepEqual(plainFoldArgs(['fold', '--threads', '2', '--event-filter=cycles', 'out.txt']), { path: 'out.txt', opts: { threads: 2, eventFilter: 'cycles' } });
  assert.deepEqual(plainFoldArgs(['fold', '--threads=1', '--event-filter', 'cpu-clock', 'x']), { path: 'x', opts: { threads: 1, eventFilter: 'cpu-clock' } });
  // Help, errors and anything unusual: the full CLI answers, as it always did.
  for (const argv of [
    ['fold'],
    ['fold', '--help'],
    ['fold', '-h', 'x'],
    ['fold', 'a', 'b'],
    ['fold', '--bogus', 'x'],
    ['fold', '--pid', '--pid', 'x'],
    ['fold', '--pid=yes', 'x'],
    ['fold', '--threads', '0', 'x'],
    ['fold', '--threads', 'many', 'x'],
    ['fold', '--threads'],
    ['fold', '--event-filter=', 'x'],
    ['fold', '--event-filter', '--pid', 'x'],
    ['fold', '--', 'x'],
    ['flame', 'x'],
  ]) assert.equal(plainFoldArgs(argv), null, argv.join(' '));
});
