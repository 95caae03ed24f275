import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffProfiles, topChanges } from './profile-diff.js';
import { classifyFrame, classifyFoldedStack, flameChart, ProfileBuilder, reverseProfile, stacksOf } from './profile.js';

test('builder sums totals and self weights, then freezes', () => {
  const b = new ProfileBuilder('t');
  b.add(['main', 'a', 'x'], 3);
  b.add(['main', 'a'], 2);
  b.add(['main', 'b'], 5);
  const p = b.build();
  assert.equal(p.total, 10);
  const main = p.root.children[0]!;
  assert.equal(main.total, 10);
  assert.equal(main.children[0]!.name, 'a');
  assert.equal(main.children[0]!.total, 5);
  assert.equal(main.children[0]!.self, 2);
  assert.ok(Object.isFrozen(p.root));
  assert.throws(() => b.add(['x'], 1));
  assert.deepEqual([...stacksOf(p)].map((s) => `${s.frames.join(';')} ${s.weight}`), ['main;a 2', 'main;a;x 3', 'main;b 5']);
});

test('diff normalises each side by its own total and colours by total or self', () => {
  const base = new ProfileBuilder('base');
  base.add(['m', 'slow'], 50);
  base.add(['m', 'fast'], 50);
  const target = new ProfileBuilder('target');
  target.add(['m', 'slow'], 300);
  target.add(['m', 'fast'], 100);
  const d = diffProfiles(base.build(), target.build());
  const m = d.root.children[0]!;
  assert.equal(m.baseTotal, 1);
  assert.equal(m.total, 1); // twice the samples is not "twice as slow"
  const slow = m.children.find((c) => c.name === 'slow')!;
  assert.equal(slow.baseTotal, 0.5);
  assert.equal(slow.total, 0.75);
  const top = topChanges(d, 'total', 1)[0]!;
  assert.deepEqual(top.path, ['m', 'fast']);
  assert.equal(top.delta, -0.25);
});

test('frame kinds from names and modules', () => {
  assert.equal(classifyFrame('do_syscall_64', '[kernel.kallsyms]'), 'kernel');
  assert.equal(classifyFrame('JS:*fib /app/x.js:1:1', '/tmp/perf-1.map'), 'jit-js');
  assert.equal(classifyFrame('JS:~fib /app/x.js:1:1', '/tmp/perf-1.map'), 'interpreted');
  assert.equal(classifyFrame('LazyCompile:*fib /app/x.js:1'), 'jit-js');
  assert.equal(classifyFrame('double Hot.mathy', '/tmp/perf-2.map'), 'jit-java');
  assert.equal(classifyFrame('Interpreter', '/tmp/perf-2.map'), 'interpreted');
  assert.equal(classifyFrame('Builtins_ArrayTimSort', '/usr/bin/node'), 'native');
  assert.equal(classifyFrame('Hot.spin_[j]'), 'jit-java');
  assert.deepEqual(classifyFoldedStack(['node', 'main', 'write', 'entry_SYSCALL_64', 'do_syscall_64']), ['native', 'native', 'native', 'kernel', 'kernel']);
});

test('a 10,000-deep stack builds, lists, reverses, diffs and merges without recursion', () => {
  const frames = Array.from({ length: 10_000 }, (_, i) => `f${i}`);
  const b = new ProfileBuilder('deep');
  b.add(frames, 3);
  b.add(['f0', 'x'], 1);
  const p = b.build();
  const stacks = [...stacksOf(p)];
  assert.equal(stacks.find((s) => s.frames.length === 10_000)!.weight, 3);
  const r = reverseProfile(p);
  assert.equal(r.root.children.map((c) => c.name).join(','), 'f9999,x');
  assert.equal(r.total, 4);
  const d = diffProfiles(p, r, 'counts');
  // Raw counts: f0 held all 4 at the top of one side and none at the top of the other.
  assert.deepEqual(topChanges(d, 'total', 1)[0], { path: ['f0'], delta: -4 });
  const agg = new ProfileBuilder('agg');
  agg.addProfile(p);
  agg.addProfile(p);
  assert.equal(agg.build().total, 8);
});

test('flame chart: neighbours with the same prefix merge, x is time, kinds come from the profile', () => {
  const b = new ProfileBuilder('perf', 'nanoseconds');
  b.add(['app', 'main', 'a'], 2e6, undefined, 2);
  b.add(['app', 'main', 'b'], 1e6, undefined, 1);
  b.add(['app', 'entry_SYSCALL_64'], 1e6, ['process', 'kernel'], 1);
  // What the perf importer records: seconds since the first sample.
  const timeline = { times: [0, 0.001, 0.002, 0.003, 0.005], weights: [1e6, 1e6, 1e6, 1e6, 1e6], stacks: [['app', 'main', 'a'], ['app', 'main', 'b'], ['app', 'main', 'a'], ['app', 'entry_SYSCALL_64'], ['app', 'main', 'a']] };
  const chart = flameChart({ ...b.build(), timeline })!;
  assert.equal(chart.unit, 'nanoseconds');
  const app = chart.root.children;
  assert.deepEqual(app.map((c) => c.name), ['app']);
  const row = app[0]!.children.map((c) => `${c.name}@${c.start / 1e6}+${c.total / 1e6}`);
  // main runs 0–3 ms, the syscall 3–5 ms, main again for the last sample (a median gap long).
  assert.deepEqual(row, ['main@0+3', 'entry_SYSCALL_64@3+2', 'main@5+1']);
  assert.deepEqual(app[0]!.children[0]!.children.map((c) => c.name), ['a', 'b', 'a']);
  assert.equal(app[0]!.children[1]!.kind, 'kernel');
  assert.equal(flameChart(b.build()), undefined);
});

test("a perf map's unnamed entries are V8's JIT code when the map is a Node process's, else the JVM's", () => {
  const map = '/tmp/perf-7692.map';
  // What stackcollapse makes of an address the map does not name: the map's file name.
  assert.equal(classifyFrame('[perf-7692.map]', map), 'jit-java');
  assert.equal(classifyFrame('[perf-7692.map]', map, 'v8'), 'jit-js');
  assert.equal(classifyFrame('[perf-7692.map]_[j]', map, 'v8'), 'jit-js');
  // V8's own names keep their kinds; other modules are not affected by the hint.
  assert.equal(classifyFrame('JS:~patchProcessObject node:internal/process/pre_execution:223:28', map, 'v8'), 'interpreted');
  assert.equal(classifyFrame('Builtin:ArgumentsAdaptorTrampoline', map, 'v8'), 'native');
  assert.equal(classifyFrame('uv_run', '/usr/bin/node', 'v8'), 'native');
});
