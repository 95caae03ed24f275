/**
 * The guest page map: the agent's `pages` lines read back into a page map, and the real agent
 * (guest-agent.c, compiled here) run on the host against a live process: its dump must be the
 * page map `thaw pages snapshot` reads from /proc for the same process.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { importNmt } from '../import/nmt.js';
import { killAll, start } from '../launch/spawn.js';
import { which } from '../launch/which.js';
import { snapshot } from '../pages/capture.js';
import { agentBinary, ConsoleReader, AGENT_TAG, type AgentEvent } from './agent.js';
import { checkAgainstRam, guestPageMap } from './guest-pages.js';

const dir = mkdtempSync(join(tmpdir(), 'thaw-guest-pages-'));
after(async () => {
  await killAll();
  rmSync(dir, { recursive: true, force: true });
});

const LINES = [
  'pages-proc 95 /usr/bin/node',
  'pages-map 00400000-00403000 r-xp 00000000 00:02 1234                     /usr/bin/node',
  'pages-run 400 1c2a3 3 2',
  'pages-map 7f0000000000-7f0000004000 rwxp 00000000 00:00 0 ',
  'pages-run 7f0000000 500 1 1',
  'pages-run 7f0000002 900 2 1',
  'pages-nmt 95 95:',
  'pages-nmt 95 ',
  'pages-nmt 95 Native Memory Tracking:',
  'pages-nmt 95 Virtual memory map:',
  'pages-nmt 95 [0x00007f0000000000 - 0x00007f0000004000] reserved and committed 16KB for Java Heap from',
  'pages-nmt 95 \t[0x00007f0000000000 - 0x00007f0000004000] committed 16KB from',
  'pages-kernel 1000000 1002000 Kernel code',
];

test('the agent\'s lines: processes with their mappings (perms, offsets) and page runs, the kernel image, NMT text', () => {
  const { map, nmt } = guestPageMap(LINES, 'test');
  assert.deepEqual(map.problems, []);
  const [node, kernel] = map.owners;
  assert.equal(node!.pid, 95);
  assert.equal(node!.exe, '/usr/bin/node');
  assert.deepEqual(node!.mappings.map((m) => [m.name, m.perms, m.offset]), [['/usr/bin/node', 'r-xp', 0], ['', 'rwxp', 0]]);
  assert.deepEqual([...node!.vaddr].map((v) => v.toString(16)), ['400000', '401000', '402000', '7f0000000000', '7f0000002000', '7f0000003000']);
  assert.deepEqual([...node!.paddr].map((p) => p / 4096), [0x1c2a3, 0x1c2a4, 0x1c2a5, 0x500, 0x900, 0x901]);
  assert.deepEqual([...node!.flags], [2, 2, 2, 1, 1, 1]);
  assert.equal(kernel!.pid, 0);
  assert.deepEqual(kernel!.mappings.map((m) => m.name), ['Kernel code']);
  assert.equal(kernel!.vaddr.length, 2, 'every page of the kernel image');
  const report = importNmt(nmt.get(95)!)!;
  assert.equal(report.pid, 95);
  assert.deepEqual(report.regions.map((r) => r.category), ['Java Heap']);
});

test('a damaged line is a problem of the map, named by its line', () => {
  const { map } = guestPageMap(['pages-proc 1 /bin/x', 'pages-run zz 1 1 0', 'pages-what 1'], 'test');
  assert.equal(map.problems.length, 2);
  assert.match(map.problems[0]!, /^line 2: bad page run/);
  assert.match(map.problems[1]!, /^line 3: unknown line/);
});

test('console: page-map lines go to their own event, verbatim (leading tabs, trailing spaces), the app\'s output apart', () => {
  const events: AgentEvent[] = [];
  let app = '';
  const r = new ConsoleReader((e) => events.push(e), (t) => (app += t));
  r.feed(`hello\n${AGENT_TAG}pages-nmt 95 \t[0x1 - 0x2] committed 4KB\n${AGENT_TAG}pages-map 00400000-00403000 r-xp 00000000 00:02 1 \n`);
  r.feed(`${AGENT_TAG}pages-done 1 3 2 5.5\n`);
  assert.deepEqual(events, [
    { kind: 'pages', line: 'pages-nmt 95 \t[0x1 - 0x2] committed 4KB' },
    { kind: 'pages', line: 'pages-map 00400000-00403000 r-xp 00000000 00:02 1 ' },
    { kind: 'pages-done', procs: 1, pages: 3, lines: 2, ms: 5.5 },
  ]);
  assert.equal(app, 'hello\n');
});

test('the map checked against a RAM file: ELF headers where it puts the first page of the executable', () => {
  const { map } = guestPageMap(LINES.slice(0, 3), 'test');
  const ram = join(dir, 'ram');
  const bytes = Buffer.alloc(0x1c2a6 * 4096);
  writeFileSync(ram, bytes);
  assert.deepEqual(checkAgainstRam(map, ram), { checked: 1, matched: 0 });
  bytes.write('\x7fELF', 0x1c2a3 * 4096, 'latin1');
  writeFileSync(ram, bytes);
  assert.deepEqual(checkAgainstRam(map, ram), { checked: 1, matched: 1 });
});

test('the real agent\'s dump of a live process is the page map thaw pages snapshot reads from /proc', { skip: !which('gcc') || process.getuid?.() !== 0 ? 'needs gcc and root (physical addresses)' : false }, async () => {
  const agent = await agentBinary(which('gcc')!, join(dir, 'cache'));
  const events: AgentEvent[] = [];
  const lines: string[] = [];
  const reader = new ConsoleReader((e) => (e.kind === 'pages' ? lines.push(e.line) : events.push(e)), () => undefined);
  // sleep: a process whose pages do not change while both read them.
  const child = start([agent, '--', 'sleep', '60'], { stdin: 'pipe', onOutput: (s, c) => (s === 'stdout' ? reader.feed(c) : undefined) });
  const until = async (kind: AgentEvent['kind']): Promise<AgentEvent> => {
    for (let i = 0; i < 500; i++) {
      const e = events.find((x) => x.kind === kind);
      if (e) return e;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no ${kind} from the agent: ${child.stderr()}`);
  };
  const started = (await until('started')) as Extract<AgentEvent, { kind: 'started' }>;
  try {
    await new Promise((r) => setTimeout(r, 200)); // sleep has exec'd
    child.proc.stdin!.write('pages\n');
    const done = (await until('pages-done')) as Extract<AgentEvent, { kind: 'pages-done' }>;
    assert.equal(lines.length, done.lines);
    const { map } = guestPageMap(lines, 'agent');
    assert.deepEqual(map.problems, []);
    const guest = map.owners.find((o) => o.pid === started.pid)!;
    const host = snapshot([started.pid], { kernel: false, pagecache: 'none', kpageflags: false }).owners[0]!;
    assert.equal(guest.exe, host.exe);
    assert.deepEqual(guest.mappings.map((m) => [m.start, m.end, m.name, m.perms, m.offset]), host.mappings.map((m) => [m.start, m.end, m.name, m.perms, m.offset]));
    assert.ok(host.vaddr.length > 10);
    assert.deepEqual([...guest.vaddr], [...host.vaddr]);
    assert.deepEqual([...guest.paddr], [...host.paddr]);
    assert.deepEqual([...guest.flags], [...host.flags]);
    assert.ok(map.owners.some((o) => o.pid === 0 && o.mappings.some((m) => m.name === 'Kernel code')), 'the kernel image from /proc/iomem');
  } finally {
    process.kill(started.pid, 'SIGKILL'); // the agent runs its app in a session of its own
    await child.kill();
  }
});
