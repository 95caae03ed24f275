import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { importProfile } from '../profiles.js';
import { PerfScriptFolder } from './folder.js';
import { importPerfScript, looksLikePerfScript } from './profile.js';

// Fixtures live in the source tree (tsc does not copy them to dist).
const flamegraph = fileURLToPath(new URL('../../../../test/fixtures/flamegraph/test/', import.meta.url));
const ours = fileURLToPath(new URL('../../../../src/import/fixtures/perf-script/', import.meta.url));
const read = (p: string): string => (existsSync(p) ? readFileSync(p) : gunzipSync(readFileSync(p + '.gz'))).toString('latin1');

test("every perf script input of FlameGraph's test suite imports as a profile, timestamps or not", () => {
  const names = readdirSync(flamegraph).filter((n) => n.startsWith('perf-')).map((n) => n.replace(/\.gz$/, ''));
  assert.equal(names.length, 13);
  for (const name of names) {
    const text = read(flamegraph + name);
    assert.ok(looksLikePerfScript(text), name);
    // By content, as `thaw flame FILE` finds it.
    const p = importProfile(name, text);
    assert.ok(p.total > 0, name);
  }
  // Event lines without time or period (`node-v011 31912 cpu-clock:`), frame lines without
  // indent (`java 19983 cycles:` then `ffffffff8103d0ca native_write_msr_safe (…)`).
  const js = read(flamegraph + 'perf-js-stacks-01.txt');
  assert.match(js, /^node-v011 \d+ cpu-clock: *$/m);
  const jsProfile = importPerfScript(js)!;
  assert.ok(jsProfile.stacks > 0);
  // Without periods each sample weighs 1: a count of samples, not nanoseconds.
  assert.equal(jsProfile.unit, 'samples');
  assert.equal(jsProfile.total, jsProfile.root.samples);
  assert.equal(importPerfScript(read(ours + 'node-jit.perf-script.txt'))!.unit, 'nanoseconds');
  const java = read(flamegraph + 'perf-java-stacks-02.txt');
  assert.match(java, /^java \d+ cycles:\nffffffff8103d0ca native_write_msr_safe /m);
  assert.ok(importPerfScript(java)!.stacks > 0);
  // Not perf script: folded lines (even with parentheses in frames), JSON.
  assert.equal(looksLikePerfScript('a;b;c 12\n'), false);
  assert.equal(looksLikePerfScript('main;foo 12\nmain;bar (anonymous namespace) 3\n'), false);
  assert.equal(looksLikePerfScript('{"nodes":[]}'), false);
});

test('the timeline: only when asked, samples in time order, seconds since the first, stacks root first', () => {
  const text = read(ours + 'node-jit.perf-script.txt');
  assert.equal(importPerfScript(text, 'node')!.timeline, undefined);
  const p = importPerfScript(text, 'node', { timeline: true })!;
  const t = p.timeline!;
  assert.ok(t);
  const events = text.split('\n').filter((l) => / cpu-clock: *$/.test(l)).length;
  assert.equal(t.times.length, events);
  assert.equal(t.weights.length, events);
  assert.equal(t.stacks.length, events);
  assert.equal(t.times[0], 0);
  for (let i = 1; i < t.times.length; i++) assert.ok(t.times[i]! >= t.times[i - 1]!);
  // The first event line's time, and the last one's, as perf printed them.
  const times = [...text.matchAll(/ (\d+\.\d+): +\d+ cpu-clock:/g)].map((m) => Number(m[1]));
  assert.ok(Math.abs(t.times[t.times.length - 1]! - (times[times.length - 1]! - times[0]!)) < 1e-6);
  // Weights add up to the profile's total; each stack starts at the process and is a real path.
  assert.equal(t.weights.reduce((a, b) => a + b, 0), p.total);
  for (const s of t.stacks) assert.equal(s[0], 'node');
  // The first sample's leaf is the first frame line after the first event line.
  const first = text.split('\n\n')[0]!.split('\n');
  const leaf = /^\s*\w+ (.+?)(?:\+0x[\da-f]+)? \(/.exec(first[1]!)![1]!;
  assert.equal(t.stacks[0]![t.stacks[0]!.length - 1], leaf);
  // Samples without times give no timeline.
  assert.equal(importPerfScript(read(flamegraph + 'perf-java-stacks-02.txt'), 'java', { timeline: true })!.timeline, undefined);
});

test('out-of-order samples are put in time order', () => {
  const text = ['app 1 [000] 10.5: 3 cpu-clock:', '\t1 late (/bin/app)', '', 'app 1 [000] 10.0: 1 cpu-clock:', '\t1 early (/bin/app)', '', ''].join('\n');
  const t = importPerfScript(text, 'app', { timeline: true })!.timeline!;
  assert.deepEqual(t.times, [0, 0.5]);
  assert.deepEqual(t.weights, [1, 3]);
  assert.deepEqual(t.stacks, [['app', 'early'], ['app', 'late']]);
});

test("a Node process's unnamed perf-map frames are JIT JS; a JVM's stay JIT Java", () => {
  const text = [
    'node 77 [000] 1.0: 1 cpu-clock:',
    '\t7f00aa001000 [unknown] (/tmp/perf-77.map)',
    '\t7f00aa002000 JS:*main /app/main.js:1:1 (/tmp/perf-77.map)',
    '',
    // Another thread of the same process: its map is known to be V8's from its names.
    'V8 Worker 78 [000] 1.1: 1 cpu-clock:',
    '\t7f00aa003000 [unknown] (/tmp/perf-79.map)',
    '\t7f00aa004000 JS:*work /app/work.js:1:1 (/tmp/perf-79.map)',
    '',
    'java 4242 [000] 1.2: 1 cpu-clock:',
    '\t7f00bb001000 [unknown] (/tmp/perf-4242.map)',
    '\t7f00bb002000 Interpreter (/tmp/perf-4242.map)',
    '',
    '',
  ].join('\n');
  const f = new PerfScriptFolder();
  f.push(text);
  f.end();
  assert.equal(f.kinds.get('[perf-77.map]'), 'jit-js');
  assert.equal(f.kinds.get('[perf-79.map]'), 'jit-js');
  assert.equal(f.kinds.get('[perf-4242.map]'), 'jit-java');
  // The same through the Profile: the kind the flame graph colours by.
  const p = importPerfScript(text, 'mixed')!;
  const node = p.root.children.find((c) => c.name === 'node')!;
  assert.equal(node.children.find((c) => c.name === 'JS:*main /app/main.js:1:1')!.children[0]!.kind, 'jit-js');
});

test('what the importer drops is in the profile\'s warnings, for thaw flame to print', () => {
  const text = 'node 1 1.0: 1 cpu-clock:\n\tffff a (/bin/x)\n\tffff b (/bin/x)\n\ngarbage here\n\nnode 1 2.0: 1 cpu-clock:\n\tffff a (/bin/x)\n';
  const p = importPerfScript(text, 'cut')!;
  assert.equal(p.stacks, 1);
  assert.deepEqual(p.warnings, [
    '1 line is neither an event nor a frame line and was skipped (first at line 5)',
    'the input ends inside a sample (a truncated capture?): its last sample was dropped',
  ]);
  assert.equal(importPerfScript(text.replace('garbage here\n\n', '') + '\n', 'whole')!.warnings, undefined);
});
