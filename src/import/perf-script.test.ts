import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { importPerfScript, PerfScriptFolder } from './perf-script.js';

// Fixtures live in the source tree (tsc does not copy them to dist).
const fixtures = fileURLToPath(new URL('../../../src/import/fixtures/perf-script/', import.meta.url));
const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

function foldBytes(buf: Uint8Array, chunk: number): PerfScriptFolder {
  const f = new PerfScriptFolder();
  for (let i = 0; i < buf.length; i += chunk) f.pushBytes(buf.subarray(i, i + chunk));
  f.end();
  return f;
}

test('edge cases fold exactly as stackcollapse-perf.pl folds them', () => {
  const input = readFileSync(fixtures + 'edge.perf-script.txt');
  const golden = lines(readFileSync(fixtures + 'edge.stackcollapse-perf.folded', 'latin1'));
  const f = foldBytes(input, 1 << 20);
  assert.deepEqual(new Set(f.lines()), new Set(golden));
  // Java tidy-up for threads named java*, inline chains, Go methods, quotes, [unknown] → module.
  assert.ok(f.lines().includes('java;[libjvm.so];com/example/Hot:.main;com/example/Hot:.spin 1003009'));
  // The upstream script's m/^java/ (not eq "java"), and its greedy `\((.*)\)` module: spaces and
  // parentheses inside a module path (`/opt/my app/…`, `(deleted)`) still make a frame.
  assert.ok(f.lines().includes('java-worker;StubRoutines ;[unknown] ;[libnative.so];com/example/Hot:.spin 1003009'));
  assert.ok(f.lines().includes('javac;main ;com/sun/tools/javac/Main:.compile 2000'));
  assert.ok(f.lines().includes('node;main;Lcom/not/Java:.x  3000'));
  assert.ok(f.lines().some((l) => l.includes('net/http.(*Client).Do;inlined_leaf;middle_[i];outer_[i]')));
  const st = f.stats;
  assert.equal(st.badLines, 2);
  assert.deepEqual(st.badSamples.map((b) => b.line), [21, 22]);
  assert.equal(st.filteredSamples, 1);
  assert.equal(st.danglingFrames, 1);
  assert.equal(st.event, 'cpu-clock');
});

test('bytes in any chunking and decoded text give the same stacks', () => {
  const input = gunzipSync(readFileSync(fixtures + 'node-jit.perf-script.txt.gz'));
  const whole = foldBytes(input, input.length).lines();
  for (const chunk of [1, 7, 4096, 65537]) {
    if (chunk === 1) {
      // byte by byte over the first 64 KiB only: slow but exhaustive at every boundary
      const head = input.subarray(0, input.indexOf('\n\n', 65536) + 2);
      assert.deepEqual(foldBytes(head, 1).lines(), foldBytes(head, head.length).lines());
      continue;
    }
    assert.deepEqual(foldBytes(input, chunk).lines(), whole, `chunk ${chunk}`);
  }
  // One buffer reused for every chunk, as the file reader does: nothing may keep a view of it.
  const shared = new Uint8Array(5000);
  const reused = new PerfScriptFolder();
  for (let i = 0; i < input.length; i += shared.length) {
    const part = input.subarray(i, i + shared.length);
    shared.set(part);
    reused.pushBytes(shared.subarray(0, part.length));
  }
  reused.end();
  assert.deepEqual(reused.lines(), whole);
  const t = new PerfScriptFolder();
  t.push(input.toString('latin1'));
  t.end();
  assert.deepEqual(t.lines(), whole);
});

test('importPerfScript builds a profile with frame kinds from the modules', () => {
  const text = gunzipSync(readFileSync(fixtures + 'node-jit.perf-script.txt.gz')).toString('latin1');
  const p = importPerfScript(text, 'node')!;
  assert.ok(p);
  assert.equal(p.unit, 'nanoseconds');
  // Samples are counted apart from their summed periods: one event line, one sample.
  const events = text.split('\n').filter((l) => / cpu-clock: *$/.test(l)).length;
  assert.equal(p.root.samples, events);
  const kinds = new Set<string>();
  const walk = (n: typeof p.root): void => {
    kinds.add(n.kind);
    n.children.forEach(walk);
  };
  walk(p.root);
  for (const k of ['kernel', 'native', 'jit-js', 'interpreted', 'process']) assert.ok(kinds.has(k), `kind ${k} present`);
  assert.equal(importPerfScript('a;b;c 12\n'), null);
  assert.equal(importPerfScript('{"nodes":[]}'), null);
});

test('damaged input (cut, garbage, merged lines) folds and warns exactly as stackcollapse-perf.pl', () => {
  // The real capture with 5% of its lines damaged at random; the golden files are the Perl
  // script's stdout and the input line numbers of its "Unrecognized line" warnings.
  const input = gunzipSync(readFileSync(fixtures + 'node-jit-damaged.perf-script.txt.gz'));
  const golden = lines(gunzipSync(readFileSync(fixtures + 'node-jit-damaged.stackcollapse-perf.folded.gz')).toString('latin1'));
  const warned = lines(readFileSync(fixtures + 'node-jit-damaged.stackcollapse-perf.warned-lines', 'utf8')).map(Number);
  const f = foldBytes(input, 1 << 16);
  assert.deepEqual(new Set(f.lines()), new Set(golden));
  assert.equal(f.stats.badLines, warned.length);
  assert.deepEqual(f.stats.badSamples.map((b) => b.line), warned.slice(0, f.stats.badSamples.length));
  const t = new PerfScriptFolder();
  t.push(input.toString('latin1'));
  t.end();
  assert.deepEqual(t.lines(), f.lines());
  assert.equal(t.stats.badLines, warned.length);
});
