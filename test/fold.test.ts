/**
 * `thaw fold` end to end: real perf captures of a Node and a JVM workload with JIT frames fold to
 * the same set of lines as Brendan Gregg's stackcollapse-perf.pl (the golden files are the output
 * of the upstream script as found in the search index: Thaumy/FlameGraph at ca26a74),
 * the parallel path agrees with the single-threaded one, and bad input is reported, not fatal.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { killAll } from '../src/launch/spawn.js';
import { needs, root, scratch, thaw } from './helpers.js';

after(killAll);
const fixtures = join(root, 'src/import/fixtures/perf-script');
const dir = scratch('thaw-fold-');
const capture = join(dir, 'node-jit.perf-script.txt');
writeFileSync(capture, gunzipSync(readFileSync(join(fixtures, 'node-jit.perf-script.txt.gz'))));
const lineSet = (s: string): Set<string> => new Set(s.split('\n').filter((l) => l !== ''));

test('thaw fold prints the lines stackcollapse-perf.pl prints for a real Node capture', { skip: needs('perf') }, async () => {
  const r = await thaw(['fold', capture]);
  assert.equal(r.status, 0, r.stderr);
  const golden = lineSet(readFileSync(join(fixtures, 'node-jit.stackcollapse-perf.folded'), 'latin1'));
  const mine = lineSet(r.stdout);
  assert.equal(mine.size, golden.size);
  assert.deepEqual(mine, golden);
  // The capture has JIT frames from the perf map, named by V8.
  assert.ok([...mine].some((l) => /;JS:\*\w+ \/tmp\/prof\/work\.js:\d+:\d+/.test(l)), 'optimised JS frames by name');
  assert.equal(r.stderr, '');
});

test('thaw fold prints the lines stackcollapse-perf.pl prints for a real JVM capture', { skip: needs('perf', 'java') }, async () => {
  // perf record -e cpu-clock -g -F 997 -- java -XX:+PreserveFramePointer
  //   -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit Spin (two CPU-bound threads)
  const javaCapture = join(dir, 'java-jit.perf-script.txt');
  writeFileSync(javaCapture, gunzipSync(readFileSync(join(fixtures, 'java-jit.perf-script.txt.gz'))));
  const r = await thaw(['fold', javaCapture]);
  assert.equal(r.status, 0, r.stderr);
  const golden = lineSet(gunzipSync(readFileSync(join(fixtures, 'java-jit.stackcollapse-perf.folded.gz'))).toString('latin1'));
  const mine = lineSet(r.stdout);
  assert.equal(mine.size, golden.size);
  assert.deepEqual(mine, golden);
  // Both threads (the `java` main thread and `worker-maps`) reach the program's methods by name.
  assert.ok([...mine].some((l) => l.startsWith('java;') && l.includes('Spin.sortRandom')));
  assert.ok([...mine].some((l) => l.startsWith('worker-maps;') && l.includes('Spin.maps')));
});

test('a large file folded by worker threads gives the same lines as one thread', async () => {
  const big = join(dir, 'big.txt');
  const one = readFileSync(capture);
  writeFileSync(big, '');
  // 9 copies of a real capture: past the size where thaw fold splits the file between cores.
  for (let i = 0; i < 9; i++) appendFileSync(big, one);
  const [par, seq] = await Promise.all([thaw(['fold', '--threads', '2', big]), thaw(['fold', '--threads', '1', big])]);
  assert.equal(par.status, 0, par.stderr);
  assert.equal(seq.status, 0, seq.stderr);
  assert.equal(par.stdout, seq.stdout);
  // Weights are 9 times the single capture's.
  const single = new Map([...lineSet(readFileSync(join(fixtures, 'node-jit.stackcollapse-perf.folded'), 'latin1'))].map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]));
  for (const l of lineSet(par.stdout)) {
    const k = l.slice(0, l.lastIndexOf(' '));
    assert.equal(Number(l.slice(l.lastIndexOf(' ') + 1)), 9 * single.get(k)!, k);
  }
});

test('truncated and garbage lines are counted with their line numbers, not fatal', async () => {
  const text = readFileSync(capture, 'latin1');
  const cut = text.slice(0, 20_000);
  const bad = join(dir, 'bad.txt');
  // A garbage line inside, and the file cut off in the middle of a frame line.
  const lines = cut.split('\n');
  lines.splice(5, 0, '### not a comment', '%%% garbage %%%');
  writeFileSync(bad, lines.join('\n'), 'latin1');
  const r = await thaw(['fold', bad]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.length > 0);
  assert.match(r.stderr, /unrecognised line[s]? skipped \(line 7: "%%% garbage %%%"/);
  assert.match(r.stderr, /input ends inside a sample/);
});

test('input without samples, or a missing file: one clear error line', async () => {
  const junk = join(dir, 'junk.txt');
  writeFileSync(junk, 'hello\nworld\n');
  const r = await thaw(['fold', junk]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^thaw: error: \[E_FOLD_INPUT\] .*junk\.txt holds no perf samples \(2 lines, 2 unrecognised, first at line 1\)/);
  assert.match(r.stderr, /fix: give the text of `perf script/);
  const missing = await thaw(['fold', join(dir, 'nope.txt')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /\[E_FOLD_INPUT\] cannot read .*nope\.txt/);
});
