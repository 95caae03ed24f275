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

test('collapsed: async-profiler suffixes become kinds and leave the names', () => {
  const p = importCollapsed(readFileSync(fx('collapsed/hot.collapsed'), 'utf8'))!;
  const run = p.root.children.find((c) => c.name === 'java/lang/Thread.run')!;
  assert.equal(run.kind, 'jit-java');
  const mathy = run.children[0]!.children.find((c) => c.name === 'Hot.mathy')!;
  assert.equal(mathy.total, 313);
  assert.equal(mathy.children.find((c) => c.name === 'java/lang/Math.sqrt')!.kind, 'jit-java');
  assert.equal(importCollapsed('a;b 1\n'), null);
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
