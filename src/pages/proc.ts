/**
 * /proc collectors: a process's mappings (/proc/PID/smaps, whose header lines are exactly the
 * /proc/PID/maps lines), its present pages (/proc/PID/pagemap), kernel page flags
 * (/proc/kpageflags) and the kernel's own ranges (/proc/iomem).
 * Formats: kernel Documentation/admin-guide/mm/pagemap.rst and filesystems/proc.rst.
 */
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { ThawError } from '../errors.js';
import type { Mapping } from '../model/page-map.js';

export const PAGE_SIZE = 4096;

export interface ProcMapping extends Mapping {
  /** The /proc/PID/maps line as the kernel printed it. */
  readonly line: string;
  /** Rss of the mapping from smaps, in kB. */
  readonly rssKb: number;
}

// 00400000-00b6f000 r--p 00000000 fe:00 260689                             /usr/bin/node
const MAPS_LINE = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) (\S+) (\d+)\s*(.*)$/;

function procError(pid: number, what: string, e: unknown): ThawError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ESRCH') return new ThawError('E_NO_PROCESS', `no process with pid ${pid}`, { hint: 'check the pid with: ps -e' });
  if (code === 'EACCES' || code === 'EPERM') {
    return new ThawError('E_PROC_PERMISSION', `cannot read ${what} of pid ${pid} (${code})`, { hint: 'run as root, or as the owner of the process with CAP_SYS_ADMIN for physical addresses' });
  }
  return new ThawError('E_PROC', `cannot read ${what} of pid ${pid}: ${(e as Error).message}`);
}

export function readExe(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined; // kernel threads have no exe
  }
}

/** Parse /proc/PID/maps or smaps text: mappings in address order (smaps adds Rss per mapping). */
export function parseMaps(text: string): ProcMapping[] {
  const out: Array<{ -readonly [K in keyof ProcMapping]: ProcMapping[K] }> = [];
  for (const line of text.split('\n')) {
    const m = MAPS_LINE.exec(line);
    if (m) {
      out.push({ start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16), perms: m[3]!, offset: parseInt(m[4]!, 16), name: m[7]!.trim(), line, rssKb: 0 });
      continue;
    }
    if (line.startsWith('Rss:') && out.length) out[out.length - 1]!.rssKb = Number(/(\d+)/.exec(line)?.[1] ?? 0);
  }
  return out;
}

export function readMappings(pid: number): ProcMapping[] {
  try {
    return parseMaps(readFileSync(`/proc/${pid}/smaps`, 'utf8'));
  } catch (e) {
    throw procError(pid, 'smaps', e);
  }
}

export interface PresentPage {
  vaddr: number;
  paddr: number;
  /** pagemap bit 56 (exclusively mapped) → 1, bit 61 (file page or shared anon) → 2. */
  flags: number;
}

const PM_PRESENT = 1n << 63n;
const PM_FILE_SHARED = 1n << 61n;
const PM_EXCLUSIVE = 1n << 56n;
const PM_PFN = (1n << 55n) - 1n;

/**
 * Present pages of the given mappings from /proc/PID/pagemap. Mappings whose smaps Rss is 0 are
 * skipped without reading: V8 and the JVM reserve terabytes of address space they never touch.
 */
export function readPresentPages(pid: number, mappings: readonly ProcMapping[], onPage: (p: PresentPage) => void): void {
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/pagemap`, 'r');
  } catch (e) {
    throw procError(pid, 'pagemap', e);
  }
  const CHUNK = 64 * 1024; // entries per read
  const buf = Buffer.alloc(CHUNK * 8);
  const words = new BigUint64Array(buf.buffer, buf.byteOffset, CHUNK);
  try {
    for (const m of mappings) {
      if (m.rssKb === 0) continue;
      let page = Math.floor(m.start / PAGE_SIZE);
      const endPage = Math.ceil(m.end / PAGE_SIZE);
      while (page < endPage) {
        const n = Math.min(CHUNK, endPage - page);
        let got: number;
        try {
          got = readSync(fd, buf, 0, n * 8, page * 8);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ESRCH' || code === 'ENOENT') throw procError(pid, 'pagemap', e);
          throw e;
        }
        const entries = Math.floor(got / 8);
        if (entries === 0) break;
        for (let i = 0; i < entries; i++) {
          const w = words[i]!;
          if ((w & PM_PRESENT) === 0n) continue;
          const pfn = Number(w & PM_PFN);
          onPage({ vaddr: (page + i) * PAGE_SIZE, paddr: pfn * PAGE_SIZE, flags: ((w & PM_EXCLUSIVE) !== 0n ? 1 : 0) | ((w & PM_FILE_SHARED) !== 0n ? 2 : 0) });
        }
        page += entries;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** The kpageflags word of each pfn (pfns ascending or not); unreadable ones map to 0. */
export function readKpageflags(pfns: Iterable<number>): Map<number, number> {
  const sorted = [...new Set(pfns)].sort((a, b) => a - b);
  const out = new Map<number, number>();
  if (sorted.length === 0) return out;
  let fd: number;
  try {
    fd = openSync('/proc/kpageflags', 'r');
  } catch (e) {
    throw new ThawError('E_PROC_PERMISSION', `cannot read /proc/kpageflags (${(e as NodeJS.ErrnoException).code})`, { hint: 'run as root for kernel page flags, or pass --no-kernel --pagecache none' });
  }
  const WINDOW = 4096;
  const buf = Buffer.alloc(WINDOW * 8);
  const words = new BigUint64Array(buf.buffer, buf.byteOffset, WINDOW);
  try {
    let i = 0;
    while (i < sorted.length) {
      const base = sorted[i]!;
      let got = 0;
      try {
        got = readSync(fd, buf, 0, WINDOW * 8, base * 8);
      } catch {
        got = 0;
      }
      const n = Math.floor(got / 8);
      while (i < sorted.length && sorted[i]! < base + WINDOW) {
        const k = sorted[i]! - base;
        out.set(sorted[i]!, k < n ? Number(words[k]!) : 0);
        i++;
      }
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** Walk all of /proc/kpageflags up to maxPfn, calling onPage for each pfn whose word passes keep. */
export function scanKpageflags(maxPfn: number, keep: (flags: number) => boolean, onPage: (pfn: number, flags: number) => void, onProgress?: (done: number) => void): void {
  const fd = openSync('/proc/kpageflags', 'r');
  const CHUNK = 64 * 1024;
  const buf = Buffer.alloc(CHUNK * 8);
  const words = new BigUint64Array(buf.buffer, buf.byteOffset, CHUNK);
  try {
    for (let pfn = 0; pfn < maxPfn; pfn += CHUNK) {
      let got = 0;
      try {
        got = readSync(fd, buf, 0, Math.min(CHUNK, maxPfn - pfn) * 8, pfn * 8);
      } catch {
        break;
      }
      const n = Math.floor(got / 8);
      if (n === 0) break;
      for (let i = 0; i < n; i++) {
        const w = words[i]!;
        if (w === 0n) continue;
        const f = Number(w);
        if (keep(f)) onPage(pfn + i, f);
      }
      onProgress?.(pfn + n);
    }
  } finally {
    closeSync(fd);
  }
}

export interface IomemRange {
  start: number;
  /** Exclusive. */
  end: number;
  name: string;
}

/** /proc/iomem ranges (root sees real addresses; others see zeros). */
export function readIomem(): IomemRange[] {
  const out: IomemRange[] = [];
  for (const line of readFileSync('/proc/iomem', 'utf8').split('\n')) {
    // "  01000000-0220bb07 : Kernel code"
    const m = /^\s*([0-9a-f]+)-([0-9a-f]+) : (.+)$/.exec(line);
    if (m) out.push({ start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16) + 1, name: m[3]! });
  }
  return out;
}

/** Every pid under /proc with a readable exe (user processes; kernel threads have none). */
export function listUserPids(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (Number.isInteger(pid) && pid > 0 && readExe(pid) !== undefined) out.push(pid);
  }
  return out.sort((a, b) => a - b);
}
