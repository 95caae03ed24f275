import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeColumn, encodeColumn } from './pages-codec.js';
import { FaultTraceBuilder } from './faults.js';
import { PageMapBuilder, physicalIndex } from './page-map.js';
import { pageMapFromJson, pageMapToJson, traceFromJson, traceToJson } from './pages-format.js';
import { mappingCategory } from './pages-summary.js';

test('codec: deltas, negatives and 2^47-sized values survive the round trip', () => {
  const vals = [0, 1, 2, 3, 1000, 7, 2 ** 47 - 1, 2 ** 35, 5, 5, 0];
  assert.deepEqual([...decodeColumn(encodeColumn(vals), vals.length)], vals);
  assert.deepEqual([...decodeColumn(encodeColumn(vals, false), vals.length, false)], vals);
  assert.throws(() => decodeColumn(encodeColumn([1, 2]), 3), /ends after 2/);
});

test('page map JSON round trip and frozen result', () => {
  const b = new PageMapBuilder(4096, 'test');
  const o = b.owner(10, '/usr/bin/node');
  o.addMapping({ start: 0x400000, end: 0x402000, name: '/usr/bin/node', perms: 'r-xp' });
  o.addPage(0x400000, 0x1234000, 3);
  o.addPage(0x401000, 0x1000, 1);
  const k = b.owner(-1, 'pagecache');
  k.addMapping({ start: 0, end: 0x2000000, name: '/proc/kpageflags' });
  k.addPage(0x1234000, 0x1234000, 0x400000868);
  const map = b.build();
  assert.ok(Object.isFrozen(map) && Object.isFrozen(map.owners[0]));
  const back = pageMapFromJson(JSON.parse(JSON.stringify(pageMapToJson(map))));
  assert.deepEqual([...back.owners[0]!.paddr], [0x1234000, 0x1000]);
  assert.equal(back.owners[1]!.flags[0], 0x400000868);
  assert.equal(back.owners[0]!.mappings[0]!.perms, 'r-xp');
  const idx = physicalIndex(back);
  assert.ok(idx.inPageCache(0x1234));
  assert.equal(idx.processCount(0x1234), 1);
});

test('fault trace: built in time order, JSON keeps faults as plain objects', () => {
  const b = new FaultTraceBuilder('perf', 't');
  b.add({ time: 2, addr: 0x5000, access: 'write', pid: 1 });
  b.add({ time: 1, addr: 0x4008, access: 'read', pid: 1, mapping: '[heap]' });
  const t = b.build();
  assert.deepEqual(t.faults.map((f) => f.time), [1, 2]);
  const j = JSON.parse(JSON.stringify(traceToJson(t)));
  assert.equal(j.faults[0].page, 0x4000);
  assert.equal(j.faults[0].mapping, '[heap]');
  assert.equal(j.faults[1].mapping, null);
  assert.equal(traceFromJson(j).trace.faults[1]!.access, 'write');
});

test('categories from /proc names', () => {
  const o = { pid: 5, exe: '/usr/bin/node' };
  const cat = (name: string): string => mappingCategory({ start: 0, end: 1, name }, o);
  assert.equal(cat('/usr/bin/node'), 'executable');
  assert.equal(cat('/usr/lib/x86_64-linux-gnu/libc.so.6'), 'libraries');
  assert.equal(cat('/usr/lib/libstdc++.so.6.0.30'), 'libraries');
  assert.equal(cat('/opt/jdk/lib/server/classes.jsa'), 'class data archive');
  assert.equal(cat('[heap]'), 'native heap');
  assert.equal(cat('[stack]'), 'stacks');
  assert.equal(cat(''), 'anonymous');
  assert.equal(cat('[vdso]'), 'kernel-provided');
  assert.equal(cat('/etc/ld.so.cache'), 'files');
  assert.equal(mappingCategory({ start: 0, end: 1, name: '', perms: 'r-xp' }, o), 'jit code');
});
