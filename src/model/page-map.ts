/**
 * The page map: which physical pages every process, the kernel and the page cache own.
 *
 * The shape follows fireCRaCer's `mem_mapping` dump (tools/mem_mapping.sh + virt2phys): a list of
 * owners (a process, pid 0 = kernel, pid -1 = page cache), each with virtual mappings (one per
 * /proc/PID/maps line) and present pages (virtual page → physical address + pagemap bits). For the
 * kernel and the page cache there is no virtual address: `vaddr` is the physical address and
 * `flags` holds the page's /proc/kpageflags word.
 *
 * Built through PageMapBuilder, then frozen. Pages live in typed arrays so a million of
 * them cost 17 bytes each, in the CLI and in the browser alike. No `node:` or DOM imports.
 */

export const KERNEL_PID = 0;
export const PAGECACHE_PID = -1;

/** Bits of `ProcessPages.flags` for process pages (kernel doc admin-guide/mm/pagemap.rst). */
export const PAGE_EXCLUSIVE = 1; // pagemap bit 56: page exclusively mapped
export const PAGE_FILE_SHARED = 2; // pagemap bit 61: page is file-page or shared-anon
/** thaw's own bit (JSON form only): part of a transparent huge page (kpageflags THP). */
export const PAGE_THP = 4;

/** /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h). */
export const KPF = {
  LOCKED: 0, REFERENCED: 2, UPTODATE: 3, DIRTY: 4, LRU: 5, ACTIVE: 6, SLAB: 7, BUDDY: 10, MMAP: 11,
  ANON: 12, SWAPCACHE: 13, SWAPBACKED: 14, COMPOUND_HEAD: 15, COMPOUND_TAIL: 16, HUGE: 17,
  THP: 22, ZERO_PAGE: 24, PGTABLE: 26, RESERVED: 32, MAPPEDTODISK: 34,
} as const;

/** Bit `bit` of a kpageflags word held in a double (words carry bits above 32). */
export function kpfBit(flags: number, bit: number): boolean {
  return Math.floor(flags / 2 ** bit) % 2 === 1;
}

export interface Mapping {
  /** Virtual start (inclusive) and end (exclusive); physical for the kernel and the page cache. */
  readonly start: number;
  readonly end: number;
  /** The pathname column of /proc/PID/maps ('' for anonymous), or the iomem name for the kernel. */
  readonly name: string;
  /** 'r-xp' and so on, when known (the mem_mapping text does not carry it). */
  readonly perms?: string;
  /** File offset of the mapping, when known. */
  readonly offset?: number;
}

export interface Owner {
  readonly pid: number;
  /** Executable path, or 'kernel' / 'pagecache'. */
  readonly exe: string;
  readonly mappings: readonly Mapping[];
  /** Virtual address of each present page (physical for kernel/page cache), ascending per mapping. */
  readonly vaddr: Float64Array;
  /** Physical address of each present page. */
  readonly paddr: Float64Array;
  /** PAGE_* bits for processes; the kpageflags word for kernel and page cache pages. */
  readonly flags: Float64Array;
}

export interface PageMap {
  readonly pageSize: number;
  readonly owners: readonly Owner[];
  /** Where it came from: 'snapshot of pid 123 at …', a file name. */
  readonly source: string;
  /** Lines an importer could not read, as `line N: reason`. */
  readonly problems: readonly string[];
}

/** Grows typed arrays by doubling while pages are added. */
class Column {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  done(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

export class OwnerBuilder {
  readonly mappings: Mapping[] = [];
  private readonly v = new Column();
  private readonly p = new Column();
  private readonly f = new Column();
  constructor(readonly pid: number, readonly exe: string) {}
  addMapping(m: Mapping): void {
    this.mappings.push(m);
  }
  addPage(vaddr: number, paddr: number, flags: number): void {
    this.v.push(vaddr);
    this.p.push(paddr);
    this.f.push(flags);
  }
  get pageCount(): number {
    return this.v.length;
  }
  /** Rewrite every page's flags (e.g. to add bits learnt from /proc/kpageflags). */
  mapFlags(fn: (flags: number, paddr: number) => number): void {
    for (let i = 0; i < this.f.length; i++) this.f.data[i] = fn(this.f.data[i]!, this.p.data[i]!);
  }
  build(): Owner {
    return Object.freeze({
      pid: this.pid,
      exe: this.exe,
      mappings: Object.freeze(this.mappings.map((m) => Object.freeze({ ...m }))),
      vaddr: this.v.done(),
      paddr: this.p.done(),
      flags: this.f.done(),
    });
  }
}

export class PageMapBuilder {
  private readonly owners: OwnerBuilder[] = [];
  readonly problems: string[] = [];
  constructor(readonly pageSize = 4096, readonly source = '') {}
  owner(pid: number, exe: string): OwnerBuilder {
    const o = new OwnerBuilder(pid, exe);
    this.owners.push(o);
    return o;
  }
  addOwner(o: Owner): void {
    const b = this.owner(o.pid, o.exe);
    for (const m of o.mappings) b.addMapping(m);
    for (let i = 0; i < o.vaddr.length; i++) b.addPage(o.vaddr[i]!, o.paddr[i]!, o.flags[i]!);
  }
  problem(line: number, reason: string): void {
    this.problems.push(`line ${line}: ${reason}`);
  }
  build(): PageMap {
    return Object.freeze({
      pageSize: this.pageSize,
      owners: Object.freeze(this.owners.map((o) => o.build())),
      source: this.source,
      problems: Object.freeze([...this.problems]),
    });
  }
}

/** Index of the mapping containing addr in mappings sorted by start, or -1. */
export function findMapping(mappings: readonly Mapping[], addr: number): number {
  let lo = 0;
  let hi = mappings.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const m = mappings[mid]!;
    if (addr < m.start) hi = mid - 1;
    else if (addr >= m.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/**
 * Who maps each physical page: physical page number → list of [owner index, page index].
 * Shared pages are those with two or more process owners.
 */
export interface PhysicalIndex {
  /** Owner indices of every physical page, grouped: ownersOf(ppn) reads from here. */
  ownersOf(ppn: number): Array<{ owner: number; page: number }>;
  /** How many process owners map the page. */
  processCount(ppn: number): number;
  inPageCache(ppn: number): boolean;
  /** All physical page numbers that appear, ascending. */
  readonly pages: Float64Array;
}

export function physicalIndex(map: PageMap): PhysicalIndex {
  const byPage = new Map<number, number[]>(); // ppn → flat [owner, page, owner, page…]
  map.owners.forEach((o, oi) => {
    for (let i = 0; i < o.paddr.length; i++) {
      const ppn = Math.floor(o.paddr[i]! / map.pageSize);
      let list = byPage.get(ppn);
      if (!list) byPage.set(ppn, (list = []));
      list.push(oi, i);
    }
  });
  const pages = Float64Array.from(byPage.keys()).sort();
  return {
    pages,
    ownersOf(ppn) {
      const l = byPage.get(ppn) ?? [];
      const out: Array<{ owner: number; page: number }> = [];
      for (let i = 0; i < l.length; i += 2) out.push({ owner: l[i]!, page: l[i + 1]! });
      return out;
    },
    processCount(ppn) {
      const l = byPage.get(ppn) ?? [];
      let n = 0;
      for (let i = 0; i < l.length; i += 2) if (map.owners[l[i]!]!.pid > 0) n++;
      return n;
    },
    inPageCache(ppn) {
      const l = byPage.get(ppn) ?? [];
      for (let i = 0; i < l.length; i += 2) if (map.owners[l[i]!]!.pid === PAGECACHE_PID) return true;
      return false;
    },
  };
}
