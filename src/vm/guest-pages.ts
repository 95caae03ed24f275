/**
 * The guest's own page map, taken by the agent right before the checkpoint (its `pages`
 * command: the app's process tree, read from /proc/PID/smaps and /proc/PID/pagemap as root in
 * the guest, plus the kernel image's ranges from /proc/iomem) and kept in the image as
 * IMG/guest-pages.json, in the JSON form `thaw pages snapshot -o X.json` writes. Its physical
 * addresses are guest-physical; on the microvm machine with less than 3 GiB of RAM, guest RAM
 * starts at guest-physical 0, so a guest-physical address is the offset in IMG/ram and the
 * offset the page server logs: `thaw pages trace --image` joins the two on it.
 *
 * The agent's lines (tag stripped; numbers hex):
 *   pages-proc 214 /usr/bin/node
 *   pages-map 00400000-00b6f000 r--p 00000000 00:02 1234                 /usr/bin/node
 *   pages-run 400 1c2a3 3 2            virtual page, frame, count, pagemap bits (1 excl, 2 file/shared)
 *   pages-kernel 1000000 1e02fff Kernel code
 *   pages-nmt 214 [0x00000000fc000000 - 0x0000000100000000] reserved and committed 65536KB for Java Heap from
 * The last: a JVM run with -XX:NativeMemoryTracking=detail (or summary), what `jcmd 214
 * VM.native_memory detail` prints, line by line up to its Details: section (malloc sites), kept
 * as IMG/guest-nmt-214.txt for import/nmt.ts.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { ThawError } from '../errors.js';
import { KERNEL_PID, PageMapBuilder, type OwnerBuilder, type PageMap } from '../model/page-map.js';
import { parseMaps, PAGE_SIZE } from '../pages/proc.js';
import type { RunningVm } from './restore.js';

/** The page map in the agent's lines; lines it cannot read are the map's problems. */
export function guestPageMap(lines: readonly string[], source: string): { map: PageMap; nmt: Map<number, string> } {
  const nmt = new Map<number, string[]>();
  const b = new PageMapBuilder(PAGE_SIZE, source);
  let owner: OwnerBuilder | undefined;
  let kernel: OwnerBuilder | undefined;
  const kernelRanges: Array<{ start: number; end: number; name: string }> = [];
  lines.forEach((line, i) => {
    const sp = line.indexOf(' ');
    const word = line.slice(0, sp);
    const rest = line.slice(sp + 1);
    if (word === 'pages-proc') {
      const m = /^(\d+) (.+)$/.exec(rest);
      if (m) owner = b.owner(Number(m[1]), m[2]!);
      else b.problem(i + 1, `bad process line ${JSON.stringify(line.slice(0, 80))}`);
    } else if (word === 'pages-map') {
      const m = parseMaps(rest)[0];
      if (owner && m) owner.addMapping({ start: m.start, end: m.end, name: m.name, perms: m.perms, offset: m.offset });
      else b.problem(i + 1, `bad mapping line ${JSON.stringify(line.slice(0, 80))}`);
    } else if (word === 'pages-run') {
      const f = rest.split(' ').map((x) => parseInt(x, 16));
      if (!owner || f.length !== 4 || f.some((x) => !Number.isFinite(x))) {
        b.problem(i + 1, `bad page run ${JSON.stringify(line.slice(0, 80))}`);
        return;
      }
      const [vpage, pfn, count, bits] = f as [number, number, number, number];
      for (let k = 0; k < count; k++) owner.addPage((vpage + k) * PAGE_SIZE, (pfn + k) * PAGE_SIZE, bits);
    } else if (word === 'pages-kernel') {
      const m = /^([0-9a-f]+) ([0-9a-f]+) (.+)$/.exec(rest);
      if (m) kernelRanges.push({ start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16), name: m[3]! });
      else b.problem(i + 1, `bad kernel line ${JSON.stringify(line.slice(0, 80))}`);
    } else if (word === 'pages-nmt') {
      const m = /^(\d+) ?(.*)$/.exec(rest);
      if (!m) return b.problem(i + 1, `bad NMT line ${JSON.stringify(line.slice(0, 80))}`);
      const pid = Number(m[1]);
      if (!nmt.has(pid)) nmt.set(pid, []);
      nmt.get(pid)!.push(m[2]!);
    } else b.problem(i + 1, `unknown line ${JSON.stringify(line.slice(0, 80))}`);
  });
  // The kernel image: every page of its code, rodata, data and bss (kpageflags are not read).
  for (const r of kernelRanges) {
    kernel ??= b.owner(KERNEL_PID, 'kernel');
    kernel.addMapping(r);
    for (let a = r.start - (r.start % PAGE_SIZE); a < r.end; a += PAGE_SIZE) kernel.addPage(a, a, 0);
  }
  return { map: b.build(), nmt: new Map([...nmt].map(([pid, l]) => [pid, l.join('\n') + '\n'])) };
}

/** IMG/guest-nmt-PID.txt */
export const nmtFile = (pid: number): string => `guest-nmt-${pid}.txt`;
export const NMT_FILE = /^guest-nmt-(\d+)\.txt$/;

export interface GuestPagesCapture {
  map: PageMap;
  /** pid → `jcmd PID VM.native_memory …` text, for JVMs run with Native Memory Tracking. */
  nmt: Map<number, string>;
  processes: number;
  pages: number;
  /** Time the agent took inside the guest, ms. */
  agentMs: number;
}

/**
 * Ask the agent for the page map and collect its answer. A map whose line count differs from
 * what the agent says it wrote (the app wrote on the console in between) is refused.
 */
export async function captureGuestPages(vm: RunningVm, timeoutMs = 120_000): Promise<GuestPagesCapture> {
  vm.takePageLines();
  vm.send('pages\n');
  const done = await vm.agentEvent('pages-done', timeoutMs);
  const lines = vm.takePageLines();
  if (lines.length !== done.lines) {
    throw new ThawError('E_VM_AGENT', `the guest page map arrived damaged (${lines.length} of ${done.lines} lines)`, { hint: 'build again; the app may have written on the console meanwhile' });
  }
  const { map, nmt } = guestPageMap(lines, `guest page map of ${done.procs} process(es) at the checkpoint, ${new Date().toISOString()}`);
  if (map.problems.length) throw new ThawError('E_VM_AGENT', `the guest page map has ${map.problems.length} unreadable line(s)`, { detail: map.problems.slice(0, 5).join('\n') });
  return { map, nmt, processes: done.procs, pages: done.pages, agentMs: done.ms };
}

/**
 * Check the map against the RAM file: the first page of every ELF file mapped from offset 0
 * (the executable, its libraries) must read "\x7fELF" at the offset its guest-physical address
 * names. Returns how many were checked and how many matched.
 */
export function checkAgainstRam(map: PageMap, ramPath: string): { checked: number; matched: number } {
  let checked = 0;
  let matched = 0;
  const fd = openSync(ramPath, 'r');
  const head = Buffer.alloc(4);
  try {
    for (const o of map.owners) {
      if (o.pid <= 0) continue;
      for (const m of o.mappings) {
        if (m.offset !== 0 || !(m.name === o.exe || /\.so(\.[0-9.]+)?$/.test(m.name))) continue;
        const i = o.vaddr.indexOf(m.start);
        if (i < 0) continue;
        checked++;
        if (readSync(fd, head, 0, 4, o.paddr[i]!) === 4 && head.readUInt32BE(0) === 0x7f454c46) matched++;
      }
    }
  } finally {
    closeSync(fd);
  }
  return { checked, matched };
}
