/**
 * `thaw profile` end to end on real perf: a Java program compiled here with javac (its samples
 * must land under its own methods, by name, through HotSpot's perf map), a Node workload at two
 * frequencies with JIT names from --perf-basic-prof, a server profiled until ready, and the
 * one-line errors when perf is missing or the arguments are wrong.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { killAll, run, start } from '../src/launch/spawn.js';
import { needs, nodes, root, scratch, thaw, thawBin } from './helpers.js';

after(killAll);
const dir = scratch('thaw-profile-');

function folded(file: string): Array<{ frames: string[]; weight: number }> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ frames: l.slice(0, l.lastIndexOf(' ')).split(';'), weight: Number(l.slice(l.lastIndexOf(' ') + 1)) }));
}
const share = (stacks: Array<{ frames: string[]; weight: number }>, pred: (f: string) => boolean): number =>
  stacks.filter((s) => s.frames.some(pred)).reduce((a, s) => a + s.weight, 0) / stacks.reduce((a, s) => a + s.weight, 0);

test('Java: most samples fall under the program’s own methods, by name', { skip: needs('perf', 'java') }, async () => {
  const src = join(dir, 'java');
  mkdirSync(src, { recursive: true });
  writeFileSync(
    join(src, 'Hot.java'),
    `public class Hot {
  static long spin(long n) { long x = 0; for (long i = 0; i < n; i++) { x += (i * 31) ^ (x >>> 3); } return x; }
  static double mathy(int n) { double s = 0; for (int i = 1; i < n; i++) s += Math.sqrt(i) / i; return s; }
  public static void main(String[] a) {
    long end = System.currentTimeMillis() + Long.parseLong(a[0]);
    long t = 0;
    while (System.currentTimeMillis() < end) { t += spin(2_000_000); t += (long) mathy(200_000); }
    System.out.println(t != 42);
  }
}
`,
  );
  const javac = await run(['javac', '-d', src, join(src, 'Hot.java')], { timeoutMs: 120_000 });
  assert.equal(javac.status, 0, javac.stderr);
  const out = join(dir, 'java-out');
  const r = await thaw(['profile', '-o', out, '-c', `hot=java -cp ${src} Hot 1500`, '--freq', '997']);
  assert.equal(r.status, 0, r.stderr);
  const stacks = folded(join(out, 'hot.folded'));
  const own = share(stacks, (f) => /\bHot\.(spin|mathy|main)\b/.test(f));
  assert.ok(own > 0.5, `${(100 * own).toFixed(1)}% of CPU under Hot's methods`);
  // The flame graph colours them as JIT-compiled Java.
  const html = readFileSync(join(out, 'hot.html'), 'utf8');
  assert.match(html, /Hot\.spin/);
  assert.match(r.stdout, /^config\s+distinct\s+share\s+unique\s+cpu\nhot\s+\d+\s+100\.0%/);
  // The perf map HotSpot wrote is cleaned up with the run.
  assert.deepEqual(readdirSync(out).sort(), ['aggregate.folded', 'aggregate.html', 'hot.diff.html', 'hot.folded', 'hot.html', 'metric.json']);
});

test('Node: two configurations, two frequencies, two runs: JIT names, aggregate, diffs, metric', { skip: needs('perf') }, async () => {
  const work = join(dir, 'work.js');
  writeFileSync(
    work,
    `function fib(n){return n<2?n:fib(n-1)+fib(n-2)}
function sortit(){const a=[];for(let i=0;i<20000;i++)a.push(Math.random());a.sort((x,y)=>x-y);return a[0]}
const end=Date.now()+Number(process.argv[2]);let t=0;
while(Date.now()<end){t+=fib(18);t+=sortit()}
console.log(t>0)
`,
  );
  const out = join(dir, 'node-out');
  // The Node that runs the tests (a bare `node` is Node 22 under npm, whose node_modules/.bin
  // has the matrix packages), busy long enough that the workload outweighs start-up.
  const node = process.execPath;
  const r = await thaw(['profile', '-o', out, '-c', `jit=${node} ${work} 700`, '-c', `jitless=${node} --jitless ${work} 700`, '--freq', '499,997', '--runs', '2']);
  assert.equal(r.status, 0, r.stderr);
  const jit = folded(join(out, 'jit.folded'));
  assert.ok(jit.some((s) => s.frames.some((f) => /^JS:\*(fib|sortit) .*work\.js:\d+:\d+$/.test(f))), 'optimised JS frames by name');
  assert.ok(share(jit, (f) => /^JS:[*~^+]?(fib|sortit) /.test(f)) > 0.3, 'the workload functions carry the CPU');
  const jitless = folded(join(out, 'jitless.folded'));
  assert.ok(!jitless.some((s) => s.frames.some((f) => f.startsWith('JS:*'))), '--jitless has no optimised frames');
  const metric = JSON.parse(readFileSync(join(out, 'metric.json'), 'utf8'));
  assert.equal(metric.runInfo.length, 8);
  assert.deepEqual(metric.freqs, [499, 997]);
  const names = metric.metric.configs.map((c: { name: string }) => c.name);
  assert.deepEqual(names, ['jit', 'jitless']);
  for (const c of metric.metric.configs) {
    assert.ok(c.share > 0 && c.share < 1 && c.unique > 0 && c.unique <= c.distinct);
  }
  const pair = metric.metric.pairs[0];
  assert.ok(pair.similarity >= 0 && pair.similarity < 0.9, `jit ~ jitless similarity ${pair.similarity}`);
  assert.match(r.stdout, /jit ~ jitless: \d\.\d{3} \(jaccard \d\.\d{3}\)/);
  // Coverage grows (never shrinks) with runs and rates, and ends at the configuration's count.
  for (const c of metric.metric.configs) {
    const g: number[] = metric.growth[c.name];
    assert.equal(g.length, 4);
    for (let i = 1; i < g.length; i++) assert.ok(g[i]! >= g[i - 1]!);
    assert.equal(g[g.length - 1], c.distinct);
  }
  assert.match(r.stdout, /distinct normalised stacks after each run[^\n]*\n  jit: \d+ → \d+ → \d+ → \d+\n/);
  // Aggregate = both configurations added up.
  const sum = (s: Array<{ weight: number }>): number => s.reduce((a, x) => a + x.weight, 0);
  assert.equal(sum(folded(join(out, 'aggregate.folded'))), sum(jit) + sum(jitless));
  for (const f of ['jit.html', 'jitless.html', 'aggregate.html', 'jit.diff.html', 'jitless.diff.html']) assert.ok(existsSync(join(out, f)), f);
  assert.match(readFileSync(join(out, 'jit.diff.html'), 'utf8'), /jit against all configurations/);
  assert.ok(!existsSync(join(out, 'raw')), 'no perf.data left without --keep');
});

test('Node 22, 24 and 26 all give named JIT frames; three configurations give three pairs', { skip: needs('perf') }, async () => {
  // Its own workload (not the mixed one above), long enough at 997 Hz that every Node version
  // is sampled inside fib many times: 300 ms at the default rate left it to luck.
  const work = join(dir, 'fibwork.js');
  writeFileSync(work, 'function fib(n){return n<2?n:fib(n-1)+fib(n-2)}\nconst end=Date.now()+Number(process.argv[2]);let t=0;while(Date.now()<end)t+=fib(18);console.log(t>0)\n');
  const out = join(dir, 'matrix-out');
  const majors = ['22', '24', '26'];
  const r = await thaw(['profile', '-o', out, '--freq', '997', ...majors.flatMap((m) => ['-c', `node${m}=${nodes[m]} ${work} 700`])]);
  assert.equal(r.status, 0, r.stderr);
  for (const m of majors) {
    const stacks = folded(join(out, `node${m}.folded`));
    assert.ok(stacks.some((s) => s.frames.some((f) => /^JS:[*^+~]fib .*work\.js:\d+:\d+$/.test(f))), `node ${m}: fib by name`);
  }
  const metric = JSON.parse(readFileSync(join(out, 'metric.json'), 'utf8'));
  assert.deepEqual(metric.metric.pairs.map((p: { a: string; b: string }) => `${p.a}~${p.b}`), ['node22~node24', 'node22~node26', 'node24~node26']);
});

test('a server profiled until it answers, on its $PORT', { skip: needs('perf') }, async () => {
  const out = join(dir, 'ready-out');
  const r = await thaw(['profile', '-o', out, '-c', `hello=node ${join(root, 'examples/hello/server.js')}`, '--until-ready']);
  assert.equal(r.status, 0, r.stderr);
  const metric = JSON.parse(readFileSync(join(out, 'metric.json'), 'utf8'));
  assert.ok(metric.runInfo[0].readyMs > 0 && metric.runInfo[0].readyMs < 30_000);
  assert.ok(folded(join(out, 'hello.folded')).some((s) => s.frames.some((f) => f.startsWith('JS:'))));
});

test('a thaw image profiles too: its snapshot refuses V8 perf flags, so it runs without them', { skip: needs('perf') }, async () => {
  const img = join(dir, 'hello-img');
  const b = await thaw(['build', join(root, 'examples/hello/server.js'), '-o', img]);
  assert.equal(b.status, 0, b.stderr);
  const out = join(dir, 'img-out');
  const r = await thaw(['profile', '-o', out, '-c', `cold=node ${join(root, 'examples/hello/server.js')}`, '-c', `restored=${img}`, '--until-ready']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /note: restored restores a V8 snapshot, which loads only under the V8 flags it was built with; profiling it without --perf-basic-prof/);
  const metric = JSON.parse(readFileSync(join(out, 'metric.json'), 'utf8'));
  const restored = metric.runInfo.find((x: { config: string }) => x.config === 'restored');
  assert.equal(restored.nodePerfMap, false);
  assert.ok(restored.samples > 0);
  assert.ok(folded(join(out, 'restored.folded')).length > 0);
  assert.match(r.stdout, /cold ~ restored: \d\.\d{3}/);
});

test('Ctrl-C while profiling: says so, and leaves neither perf files nor the directory it made', { skip: needs('perf') }, async () => {
  const o = join(dir, 'interrupted');
  const child = start([thawBin, 'profile', '-o', o, '-c', 'sleeper=sleep 30', '--duration', '20'], { env: { THAW_CLI_NODE: process.execPath } });
  const raw = join(o, 'raw');
  for (let i = 0; i < 400 && !(existsSync(raw) && readdirSync(raw).some((f) => f.endsWith('.data'))); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(existsSync(raw) && readdirSync(raw).some((f) => f.endsWith('.data')), 'perf started recording');
  process.kill(child.pid, 'SIGINT');
  const exit = await child.exited;
  assert.equal(exit.status, 130);
  assert.match(child.stderr(), /thaw: interrupted \(SIGINT\); stopped what it had started, kept nothing half-written\n/);
  assert.equal(existsSync(o), false, 'the directory thaw made is gone');
});

test('no perf on PATH, or bad arguments: one line with the fix', async () => {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const tool of ['readlink', 'dirname', 'sh']) symlinkSync(`/usr/bin/${tool}`.replace('/usr/bin/sh', '/bin/sh'), join(bin, tool));
  const r = await thaw(['profile', '-o', join(dir, 'np'), '-c', 'x=true'], { env: { PATH: bin } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^thaw: error: \[E_PERF_MISSING\] perf is not installed\n  fix: install it: apt-get install linux-perf/);
  const noConfig = await thaw(['profile', '-o', join(dir, 'nc')]);
  assert.match(noConfig.stderr, /\[E_USAGE\] no configuration given/);
  const badFreq = await thaw(['profile', '-o', join(dir, 'bf'), '-c', 'x=true', '--freq', '99,abc']);
  assert.match(badFreq.stderr, /\[E_USAGE\] --freq 99,abc: a comma-separated list/);
});
