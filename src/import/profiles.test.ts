import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { importCollapsed } from './collapsed.js';
import { importCpuProfile } from './cpuprofile.js';
import { importFolded } from './folded.js';
import { importProfile } from './profiles.js';
import { stacksOf } from '../model/profile.js';
import { serializeFolded } from '../profile/export/folded.js';
import { serializeSpeedscope } from '../profile/export/speedscope.js';
import { serializePprof } from '../profile/export/pprof.js';
import { Profile as PProfile } from 'pprof-format';

const fx = (p: string): string => fileURLToPath(new URL('../../../src/import/fixtures/' + p, import.meta.url));

test('the dispatcher picks the importer by file name, then by content', () => {
  const perf = gunzipSync(readFileSync(fx('perf-script/node-jit.perf-script.txt.gz'))).toString('latin1');
  const folded = readFileSync(fx('folded/edge.folded'), 'utf8');
  const collapsed = readFileSync(fx('collapsed/hot.collapsed'), 'utf8');
  const cpu = readFileSync(fx('cpuprofile/work.cpuprofile'), 'utf8');
  for (const [name, text, unit] of [
    ['x.txt', perf, 'nanoseconds'],
    ['anything', perf, 'nanoseconds'],
    ['x.folded', folded, 'samples'],
    ['x', folded, 'samples'],
    ['x.collapsed', collapsed, 'samples'],
    ['x', collapsed, 'samples'],
    ['x.cpuprofile', cpu, 'microseconds'],
    ['x', cpu, 'microseconds'],
  ] as const) {
    const p = importProfile(name, text);
    assert.equal(p.unit, unit, name);
    assert.ok(p.total > 0, name);
  }
  assert.throws(() => importProfile('x.bin', '\u0000\u0001 not a profile'), /E_PROFILE_FORMAT|not a profile/);
});

test('folded: the weight is the last field, frames keep their spaces', () => {
  const p = importFolded('node;JS:*fib /a b.js:1;x 7\nnode;y 3\n')!;
  assert.equal(p.total, 10);
  assert.deepEqual([...stacksOf(p)].map((s) => s.frames.join('|')), ['node|JS:*fib /a b.js:1|x', 'node|y']);
  assert.equal(importFolded('{"json": true}'), null);
});

test('collapsed: async-profiler suffixes give the kinds and stay in the names (a conversion keeps them)', () => {
  const text = readFileSync(fx('collapsed/hot.collapsed'), 'utf8');
  const p = importCollapsed(text)!;
  const run = p.root.children.find((c) => c.name === 'java/lang/Thread.run_[j]')!;
  assert.equal(run.kind, 'jit-java');
  const mathy = run.children[0]!.children.find((c) => c.name === 'Hot.mathy_[j]')!;
  assert.equal(mathy.total, 301);
  assert.equal(mathy.children.find((c) => c.name === 'java/lang/Math.sqrt_[i]')!.kind, 'jit-java');
  assert.equal(importCollapsed('a;b 1\n'), null);
  const lines = (t: string): string[] => t.split('\n').filter((l) => l && !l.startsWith('#')).sort();
  assert.deepEqual(lines(serializeFolded(p)), lines(text));
});

test('folded: weights as flamegraph.pl reads them, comments, and every skipped line reported', () => {
  const p = importFolded('# from speedscope\n// another comment\na;b 6.\na;c\t2.5\nnot a stack\na;d 1\nneither\n')!;
  assert.equal(p.total, 9.5);
  assert.deepEqual(p.warnings, ['2 lines are not folded stacks and were skipped (first at line 5)']);
  assert.equal(importFolded('a;b 1\n')!.warnings, undefined);
  assert.throws(() => importFolded('a 1\nx\ny\n'), /2 lines are not folded stacks \(first at line 2\)/);
});

test('folded: two columns are a differential input (difffolded.pl), not a number glued to the leaf', () => {
  const p = importFolded('main;a 10 5\nmain;b 0 7\nmain;c 3 3\n')!;
  assert.equal(p.total, 15);
  assert.equal(p.base!.total, 13);
  assert.deepEqual(p.root.children[0]!.children.map((c) => c.name), ['a', 'b', 'c']);
  assert.equal(p.base!.root.children[0]!.children.find((c) => c.name === 'a')!.total, 10);
  // One line with a single number: the file is ordinary folded input (a frame may end in a number).
  const q = importFolded('main;a 10 5\nmain;b 7\n')!;
  assert.equal(q.base, undefined);
  assert.ok(q.root.children[0]!.children.some((c) => c.name === 'a 10'));
});

test('perf script without periods: each sample weighs 1 and is labelled samples', () => {
  const text = 'app  1234 100.000001: cpu-clock: \n\t    4005d6 main+0x10 (/bin/app)\n\n'.repeat(3);
  const p = importProfile('x.txt', text);
  assert.equal(p.total, 3);
  assert.equal(p.unit, 'samples');
});

test('cpuprofile: samples weighted by the time to the next sample', () => {
  const text = readFileSync(fx('cpuprofile/work.cpuprofile'), 'utf8');
  const p = importCpuProfile(text)!;
  const raw = JSON.parse(text) as { samples: number[]; timeDeltas: number[] };
  assert.equal(p.stacks, raw.samples.length);
  const sum = raw.timeDeltas.slice(1).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(p.total - sum) <= raw.timeDeltas[raw.timeDeltas.length - 1]! + 1000, `${p.total} ≈ ${sum}`);
  const names = [...stacksOf(p)].flatMap((s) => s.frames);
  assert.ok(names.some((n) => /^fib .*work\.js:1:/.test(n)), 'fib from work.js by name and line');
  assert.throws(() => importCpuProfile('{"nodes": [{"callFrame": '), /E_PROFILE_INPUT|not valid JSON/);
});

test('speedscope samples: the old nested .cpuprofile (Node 10) and folded text after comment lines', () => {
  const old = importProfile('x.cpuprofile', readFileSync(fx('speedscope/node10-example.cpuprofile'), 'utf8'));
  const flat = importProfile('x.cpuprofile', readFileSync(fx('speedscope/chrome65-simple.cpuprofile'), 'utf8'));
  assert.equal(old.unit, 'microseconds');
  const leaves = (p: typeof old): string[] => [...stacksOf(p)].map((s) => s.frames.map((f) => f.split(' ')[0]).join(';')).sort();
  // The same program profiled both ways: the same call paths.
  assert.deepEqual([...new Set(leaves(old))], [...new Set(leaves(flat))]);
  assert.ok(old.timeline && old.timeline.times.length === JSON.parse(readFileSync(fx('speedscope/node10-example.cpuprofile'), 'utf8')).samples.length);
  const folded = importProfile('simple-with-invalids.txt', readFileSync(fx('speedscope/simple-with-invalids.txt'), 'utf8'));
  assert.equal(folded.total, 14);
  assert.deepEqual(folded.warnings, ['1 line is not folded stacks and was skipped (first at line 8)']);
});

test('cpuprofile: a cycle, a missing child, fewer timeDeltas than samples, a 10,000-deep stack', () => {
  const node = (id: number, children: number[], fn = `f${id}`) => ({ id, callFrame: { functionName: fn, url: 'file:///a.js', lineNumber: 0, columnNumber: 0 }, children });
  const doc = (nodes: unknown[], samples: number[], timeDeltas: number[]) => JSON.stringify({ nodes, startTime: 0, endTime: 10_000, samples, timeDeltas });
  const self = doc([node(1, [2], '(root)'), node(2, [2])], [2], [0]);
  assert.throws(() => importCpuProfile(self), /node 2 is its own ancestor or has two parents/);
  const island = doc([node(1, [], '(root)'), node(2, [3]), node(3, [2])], [3], [0]);
  assert.throws(() => importCpuProfile(island), /node 3 is its own ancestor/);
  assert.throws(() => importCpuProfile(doc([node(1, [9], '(root)')], [1], [0])), /lists a missing child 9/);
  const short = importCpuProfile(doc([node(1, [2], '(root)'), node(2, [])], [2, 2, 2, 2], [0, 1000]))!;
  assert.equal(short.stacks, 2);
  assert.deepEqual(short.warnings, ['2 of 4 samples have no time (timeDeltas ends early) and were left out']);
  const noTimes = importCpuProfile(doc([node(1, [2], '(root)'), node(2, [])], [2, 2, 2], []).replace('"timeDeltas":[]', '"x":0'))!;
  assert.equal(noTimes.unit, 'samples');
  assert.equal(noTimes.total, 3);
  const deep = [node(1, [2], '(root)')];
  for (let i = 2; i <= 10_001; i++) deep.push(node(i, i < 10_001 ? [i + 1] : []));
  const p = importCpuProfile(doc(deep, [10_001, 5000], [0, 100]))!;
  assert.equal([...stacksOf(p)].find((s) => s.frames.length === 10_000)!.frames[9_999]!.split(' ')[0], 'f10001');
  assert.equal(p.timeline!.stacks[0]!.length, 10_000);
});

test('exports: folded round-trips, speedscope and pprof carry every stack', () => {
  const p = importFolded(readFileSync(fx('folded/edge.folded'), 'utf8'))!;
  const folded = serializeFolded(p);
  assert.equal(importFolded(folded)!.total, p.total);
  const ss = JSON.parse(serializeSpeedscope(p)) as { profiles: Array<{ samples: number[][]; weights: number[] }>; shared: { frames: unknown[] } };
  assert.equal(ss.profiles[0]!.weights.reduce((a, b) => a + b, 0), p.total);
  const pp = PProfile.decode(serializePprof(p));
  assert.equal(pp.sample.length, [...stacksOf(p)].length);
  assert.equal(pp.sample.reduce((a, s) => a + Number(s.value[0]), 0), p.total);
});
