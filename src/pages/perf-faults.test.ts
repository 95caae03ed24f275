import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { perfFaultReader } from './perf-faults.js';

// Captured with (page cache dropped first, so two faults are major):
//   perf record -q -B -N -k mono -e exceptions:page_fault_user -e exceptions:page_fault_kernel -e major-faults -c 1 -d \
//     -o small.data -- sh -c 'hyperfine --version > /dev/null'
//   perf script -i small.data --show-mmap-events --show-task-events -F comm,pid,tid,time,event,trace,addr,ip
const text = readFileSync(fileURLToPath(new URL('../../../src/import/fixtures/perf-faults/sh-hyperfine.txt', import.meta.url)), 'utf8');

function read(): ReturnType<ReturnType<typeof perfFaultReader>['done']> {
  const r = perfFaultReader('fixture');
  for (const l of text.split('\n')) r.line(l);
  return r.done();
}

test('perf script page faults: every user-address fault, in time order, with read/write/exec', () => {
  const { builder, originMs, exes } = read();
  const userFaults = text.split('\n').filter((l) => /page_fault_(user|kernel): address=0x([0-9a-f]+)/.test(l) && parseInt(/address=0x([0-9a-f]+)/.exec(l)![1]!, 16) < 2 ** 47).length;
  const t = builder.build();
  assert.equal(t.faults.length, userFaults);
  assert.ok(t.faults.length > 100);
  assert.ok(t.faults[0]!.time >= originMs);
  for (let i = 1; i < t.faults.length; i++) assert.ok(t.faults[i]!.time >= t.faults[i - 1]!.time);
  assert.ok(t.faults.some((f) => f.access === 'exec') && t.faults.some((f) => f.access === 'write') && t.faults.some((f) => f.access === 'read'));
  // Two processes: the shell and, after fork + exec, hyperfine with its own address space.
  assert.deepEqual([...exes.values()].sort(), ['/usr/bin/dash', '/usr/bin/hyperfine']);
});

test('perf script page faults: major faults matched, mappings from mmap events replayed per process', () => {
  const t = read().builder.build();
  const majors = t.faults.filter((f) => f.major);
  assert.equal(majors.length, 2);
  for (const f of majors) assert.ok(f.mapping, 'a major fault is in a file mapping');
  const named = t.faults.filter((f) => f.mapping).length / t.faults.length;
  assert.ok(named >= 0.9, `${named}`);
  const hf = t.faults.filter((f) => f.mapping === '/usr/bin/hyperfine');
  assert.ok(hf.length > 10 && hf.every((f) => f.category === 'executable'));
  assert.ok(t.faults.some((f) => f.mapping === '[stack]' && f.category === 'stacks'));
  assert.ok(t.faults.some((f) => f.mapping?.includes('libc.so') && f.category === 'libraries'));
});

test('perf script page faults without x86 tracepoints: the software page-faults event (access unknown)', () => {
  // perf record -k mono -e page-faults -e major-faults -c 1 -d -- sh -c 'ls / >/dev/null'
  const sw = readFileSync(fileURLToPath(new URL('../../../src/import/fixtures/perf-faults/sw-events.txt', import.meta.url)), 'utf8');
  const r = perfFaultReader('sw');
  for (const l of sw.split('\n')) r.line(l);
  const t = r.done().builder.build();
  const lines = sw.split('\n').filter((l) => /\spage-faults:\s+([0-9a-f]+)/.test(l)).length;
  assert.ok(t.faults.length > 50 && t.faults.length === lines);
  assert.ok(t.faults.every((f) => f.access === 'unknown'));
  assert.ok(t.faults.filter((f) => f.mapping).length / t.faults.length >= 0.9);
  assert.ok(t.faults.some((f) => f.kernel), 'faults raised in the kernel (copy_to_user) are marked');
});
