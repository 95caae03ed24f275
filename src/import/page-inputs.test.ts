import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { importMemMapping } from './mem-mapping.js';
import { importNmt } from './nmt.js';
import { importPagesFile } from './page-inputs.js';
import { importUffdLog } from './uffd-log.js';
import { PAGE_EXCLUSIVE, PAGE_FILE_SHARED } from '../model/page-map.js';
import { serializeMemMapping, traceFromJson, traceToJson } from '../model/pages-format.js';
import { attributeFaults, summarize } from '../model/pages-summary.js';

// Fixtures stay in src/ (tsc does not copy them to dist/).
const fixture = (p: string): string => readFileSync(fileURLToPath(new URL(`../../../src/import/fixtures/${p}`, import.meta.url)), 'utf8');

test('uffd log without thread ids: faults in order, read/write, load/zero, guest physical page', () => {
  const t = importUffdLog(fixture('uffd-log/no-thread-id.log'))!;
  assert.equal(t.faults.length, 7);
  assert.deepEqual(t.faults.map((f) => f.access), ['read', 'read', 'read', 'read', 'write', 'write', 'write']);
  assert.equal(t.faults[0]!.addr, 0x7fffb3cc0000);
  assert.equal(t.faults[0]!.physAddr, 0x3cc1000);
  assert.equal(t.faults[6]!.action, 'zero');
  assert.equal(t.faults[0]!.tid, undefined);
  assert.deepEqual(t.problems, []);
});

test("uffd log of thaw's page server: t=…ms times, prefetched pages first, REMOVE/UNMAP/Segment lines skipped", () => {
  const t = importUffdLog(fixture('uffd-log/thaw-prefetch.log'))!;
  assert.deepEqual(t.problems, []);
  assert.deepEqual(t.faults.map((f) => f.time), [0.069, 0.082, 0.106, 0.125, 50.55, 50.912]);
  assert.deepEqual(t.faults.map((f) => f.prefetch ?? false), [true, true, true, true, false, false]);
  assert.deepEqual(t.faults.map((f) => f.action), ['load', 'load', 'zero', 'load', 'load', 'zero']);
  assert.deepEqual(t.faults.map((f) => f.access), ['unknown', 'unknown', 'unknown', 'unknown', 'read', 'write']);
  assert.equal(t.faults[4]!.addr, 0x7f2b27a9b123);
  assert.equal(t.faults[4]!.physAddr, 0xc8000);
  assert.deepEqual(t.faults.slice(4).map((f) => f.tid), [28611, 28612]);
  // The dispatcher finds it by content too, and the JSON form keeps the prefetch mark.
  const input = importPagesFile('restore.log', fixture('uffd-log/thaw-prefetch.log'));
  assert.equal(input.kind, 'trace');
  const back = traceFromJson(JSON.parse(JSON.stringify(traceToJson(t)))).trace;
  assert.deepEqual(back.faults.map((f) => f.prefetch ?? false), [true, true, true, true, false, false]);
});

test("a guest page map + thaw's page-server log: every page served, prefetched or faulted, lands on its guest owner", () => {
  // Loading ranges are offsets in the VM's RAM file, i.e. guest physical addresses, as the guest's
  // mem_mapping has them.
  const map = importMemMapping(fixture('mem-mapping/firecracer-readme.txt'), 'guest.mem_mapping')!;
  const line = (kind: 'pre' | 'r', host: number, phys: number): string =>
    kind === 'pre'
      ? `UFFD_PREFETCH: 0x${host.toString(16).padStart(16, '0')}  Loading: 0x${phys.toString(16).padStart(16, '0')} - 0x${(phys + 4096).toString(16).padStart(16, '0')}  t=0.1ms`
      : `UFFD_EVENT_PAGEFAULT (r): [77] 0x${host.toString(16).padStart(16, '0')} 0x${host.toString(16).padStart(16, '0')}  Loading: 0x${phys.toString(16).padStart(16, '0')} - 0x${(phys + 4096).toString(16).padStart(16, '0')}  t=2.5ms`;
  const base = 0x7f0000000000;
  const log = [line('pre', base + 0x1ff7000, 0x1ff7000), line('pre', base + 0x63d4000, 0x63d4000), line('r', base + 0x3034000, 0x3034000), line('r', base + 0x1000000, 0x1000000)].join('\n') + '\n';
  const t = attributeFaults(importUffdLog(log, 'restore-uffd.log')!, map);
  assert.deepEqual(
    t.faults.map((f) => [f.prefetch ?? false, f.pid, f.mapping]),
    [
      [true, 1, '/usr/bin/bash'],
      [true, 214, '[anon]'],
      [false, 1, '/usr/lib/x86_64-linux-gnu/libc.so.6'],
      [false, undefined, 'kernel'],
    ],
  );
});

test('uffd log with thread ids', () => {
  const t = importUffdLog(fixture('uffd-log/thread-id.log'))!;
  assert.deepEqual(t.faults.map((f) => f.tid), [4712, 4712, 4730, 4712]);
  assert.equal(t.faults[1]!.addr, 0x7fffb3cc8abc);
  assert.equal(t.faults[2]!.physAddr, 0x4266000);
});

test('uffd log: malformed lines are reported with their line numbers, good ones kept', () => {
  const t = importUffdLog(fixture('uffd-log/malformed.log'))!;
  assert.equal(t.faults.length, 2);
  assert.deepEqual(t.problems.map((p) => p.split(':')[0]), ['line 3', 'line 4', 'line 5']);
  assert.match(t.problems[0]!, /malformed UFFD_EVENT_PAGEFAULT/);
});

test('uffd importer says "not mine" to other formats', () => {
  assert.equal(importUffdLog(fixture('mem-mapping/firecracer-readme.txt')), null);
  assert.equal(importUffdLog('hello'), null);
});

test('mem_mapping: owners, mappings, pages with bits, kernel and page cache sections', () => {
  const m = importMemMapping(fixture('mem-mapping/firecracer-readme.txt'))!;
  assert.deepEqual(m.owners.map((o) => [o.pid, o.exe]), [[1, '/usr/bin/bash'], [214, '/opt/jdk/bin/java'], [0, 'kernel'], [-1, 'pagecache']]);
  const bash = m.owners[0]!;
  assert.equal(bash.mappings.length, 3);
  assert.equal(bash.mappings[2]!.name, '[stack]');
  assert.equal(bash.vaddr.length, 4);
  assert.equal(bash.paddr[0], 0x1ff7000);
  assert.equal(bash.flags[0], PAGE_FILE_SHARED);
  assert.equal(bash.flags[3], PAGE_EXCLUSIVE);
  assert.equal(m.owners[1]!.mappings[0]!.name, '');
  const cache = m.owners[3]!;
  assert.equal(cache.mappings[0]!.start, 0, 'the 0 without 0x prefix reads as 0');
  assert.equal(cache.flags[0], 0x400000868);
  assert.deepEqual(m.problems, []);
});

test('mem_mapping: written text reads back identically (round trip)', () => {
  const text = fixture('mem-mapping/firecracer-readme.txt');
  const m = importMemMapping(text)!;
  const again = importMemMapping(serializeMemMapping(m))!;
  assert.deepEqual(again.owners.map((o) => [o.pid, [...o.vaddr], [...o.paddr], [...o.flags], o.mappings.map((x) => x.name)]), m.owners.map((o) => [o.pid, [...o.vaddr], [...o.paddr], [...o.flags], o.mappings.map((x) => x.name)]));
});

test('mem_mapping: malformed lines are reported with line numbers', () => {
  const m = importMemMapping(fixture('mem-mapping/malformed.txt'))!;
  assert.deepEqual(m.problems.map((p) => p.split(':')[0]), ['line 4', 'line 5', 'line 6', 'line 7', 'line 8', 'line 9']);
  assert.equal(m.owners[0]!.vaddr.length, 1);
});

test('NMT detail from a real JDK 17: reserved regions by category with committed ranges', () => {
  const n = importNmt(fixture('nmt/jdk17-detail.txt'))!;
  assert.equal(n.pid, 8235);
  const heap = n.regions.find((r) => r.category === 'Java Heap')!;
  assert.equal(heap.start, 0xfc000000);
  assert.equal(heap.end, 0x100000000);
  assert.ok(heap.committed.length >= 2);
  const cats = new Set(n.regions.map((r) => r.category));
  for (const c of ['Java Heap', 'Metaspace', 'Code', 'Thread Stack', 'Shared class space']) assert.ok(cats.has(c), c);
  assert.deepEqual(n.problems, []);
});

test('NMT: malformed region lines are reported with line numbers', () => {
  const n = importNmt(fixture('nmt/malformed.txt'))!;
  assert.equal(n.regions.length, 1);
  assert.deepEqual(n.problems.map((p) => p.split(':')[0]), ['line 12']);
});

test('dispatcher: file name first, then content', () => {
  assert.equal(importPagesFile('x/mem_mapping1.txt', fixture('mem-mapping/firecracer-readme.txt')).kind, 'map');
  assert.equal(importPagesFile('fireCRaCer-uffd-tap0.log', fixture('uffd-log/no-thread-id.log')).kind, 'trace');
  assert.equal(importPagesFile('anything.txt', fixture('uffd-log/thread-id.log')).kind, 'trace');
  assert.equal(importPagesFile('nmt.log', fixture('nmt/jdk17-detail.txt')).kind, 'nmt');
  assert.throws(() => importPagesFile('x.txt', 'hello world'), /E_PAGES_FORMAT|not a page map/);
});

test('uffd faults are attributed through the page map to the process and mapping that own the page', () => {
  const map = importMemMapping(fixture('mem-mapping/firecracer-readme.txt'))!;
  const text = 'UFFD_EVENT_PAGEFAULT (r): 0x00007fffb3cc0000 0x00007fffb3cc0000  Loading: 0x0000000003034000 - 0x0000000003035000\n' +
    'UFFD_EVENT_PAGEFAULT (w): [7] 0x00007fffb3cc1000 0x00007fffb3cc1000  Zeroing: 0x00000000063d4000 - 0x00000000063d5000\n';
  const t = attributeFaults(importUffdLog(text)!, map);
  assert.equal(t.faults[0]!.mapping, '/usr/lib/x86_64-linux-gnu/libc.so.6');
  assert.equal(t.faults[0]!.category, 'libraries');
  assert.equal(t.faults[1]!.pid, 214);
  const s = summarize(map, t);
  const heap = s.rows.find((r) => r.pid === 214 && r.category === 'anonymous')!;
  assert.equal(heap.rssKb, 8);
  assert.equal(heap.touchedKb, 4);
  assert.equal(s.totals.attributedFaults, 2);
});

test('dispatcher: a damaged thaw JSON document is one clear error', () => {
  const broken = JSON.stringify({ format: 'thaw.pagemap/1', pageSize: 4096, source: 'x', owners: [{ pid: 1, exe: '/bin/x', mappings: [], pages: { count: 5, vaddr: 'AA', paddr: 'AA', flags: 'AA' } }] });
  assert.throws(() => importPagesFile('x.json', broken), /E_PAGES_JSON|damaged thaw\.pagemap\/1 document: column ends/);
});
