/**
 * `thaw pages snapshot`: the page map of live processes, the kernel image and the page cache, as
 * fireCRaCer's virt2phys collects it (tools/mem_mapping.sh), read straight from /proc.
 */
import { ThawError } from '../errors.js';
import { KPF, kpfBit, PAGE_THP, PAGECACHE_PID, KERNEL_PID, OwnerBuilder, PageMapBuilder, type PageMap } from '../model/page-map.js';
import { listUserPids, PAGE_SIZE, readExe, readIomem, readKpageflags, readMappings, readPresentPages, scanKpageflags } from './proc.js';

export type PageCacheMode = 'all' | 'mapped' | 'none';

export interface SnapshotOptions {
  /** Add the `= 0 kernel` section (kernel code/rodata/data/bss from /proc/iomem). */
  kernel?: boolean;
  /** 'all' scans every physical page; 'mapped' only the pages the processes map; 'none'. */
  pagecache?: PageCacheMode;
  /** Read /proc/kpageflags for process pages (huge pages, page cache); default true. */
  kpageflags?: boolean;
  /** Skip processes that exit while being read (for --all). */
  skipGone?: boolean;
  /** Progress lines for a terminal. */
  progress?: (msg: string) => void;
}

/**
 * A page is in the page cache when it is backed by a file: KPF_MAPPEDTODISK (what fireCRaCer's
 * virt2phys selects) or a file LRU page (on the LRU, neither anonymous nor swap-backed). On anon
 * pages newer kernels reuse the MAPPEDTODISK bit for PG_anon_exclusive, hence the ANON test.
 */
export function isPageCache(flags: number): boolean {
  if (kpfBit(flags, KPF.ANON) || kpfBit(flags, KPF.SLAB)) return false;
  return kpfBit(flags, KPF.MAPPEDTODISK) || (kpfBit(flags, KPF.LRU) && !kpfBit(flags, KPF.SWAPBACKED));
}

/** Part of a transparent (or hugetlbfs) huge page. */
export function isHuge(flags: number): boolean {
  return kpfBit(flags, KPF.THP) || kpfBit(flags, KPF.HUGE);
}

const KERNEL_RANGES = /^Kernel (code|rodata|data|bss)$/;

export function snapshot(pids: readonly number[], opts: SnapshotOptions = {}): PageMap {
  const kernel = opts.kernel ?? true;
  const pagecache = opts.pagecache ?? 'all';
  const b = new PageMapBuilder(PAGE_SIZE, `thaw pages snapshot at ${new Date().toISOString()}`);
  const mappedPfns = new Set<number>();
  const owners: OwnerBuilder[] = [];
  let mappedFlags: Map<number, number> | undefined;
  let done = 0;
  for (const pid of pids) {
    try {
      const exe = readExe(pid);
      if (exe === undefined) {
        readMappings(pid); // throws E_NO_PROCESS when the pid does not exist
        throw new ThawError('E_NO_PROCESS', `pid ${pid} has no executable (a kernel thread?)`, { hint: 'give the pid of a user process' });
      }
      // Collected apart and added whole, so a process that exits midway leaves no partial owner.
      const mappings = readMappings(pid);
      const o = new OwnerBuilder(pid, exe);
      for (const m of mappings) o.addMapping({ start: m.start, end: m.end, name: m.name, perms: m.perms, offset: m.offset });
      readPresentPages(pid, mappings, (p) => o.addPage(p.vaddr, p.paddr, p.flags));
      owners.push(o);
    } catch (e) {
      // With --all, processes come and go while we read: skip those that went.
      if (!(opts.skipGone && e instanceof ThawError && (e.code === 'E_NO_PROCESS' || e.code === 'E_PROC_PERMISSION'))) throw e;
      opts.progress?.(`pages: pid ${pid} went away, skipped`);
    }
    done++;
    if (pids.length > 1) opts.progress?.(`pages: ${done}/${pids.length} processes`);
  }
  // Huge pages and the page cache, from the kpageflags of every page the processes map.
  if (opts.kpageflags !== false) {
    const pfns: number[] = [];
    for (const o of owners) o.mapFlags((f, paddr) => (pfns.push(paddr / PAGE_SIZE), f));
    let flags: Map<number, number> | undefined;
    try {
      flags = readKpageflags(pfns);
    } catch (e) {
      if (!(e instanceof ThawError && e.code === 'E_PROC_PERMISSION')) throw e;
    }
    if (flags) {
      for (const o of owners) o.mapFlags((f, paddr) => (isHuge(flags!.get(paddr / PAGE_SIZE) ?? 0) ? f | PAGE_THP : f));
      if (pagecache === 'mapped') for (const pfn of pfns) if (isPageCache(flags.get(pfn) ?? 0)) mappedPfns.add(pfn);
      mappedFlags = flags;
    }
  }
  for (const o of owners) b.addOwner(o.build());
  if (!kernel && pagecache === 'none') return b.build();
  const iomem = readIomem();
  if (kernel) {
    const ranges = iomem.filter((r) => KERNEL_RANGES.test(r.name) && r.end > r.start + 1);
    const k = b.owner(KERNEL_PID, 'kernel');
    const pfns: number[] = [];
    for (const r of ranges) {
      k.addMapping({ start: r.start, end: r.end, name: r.name });
      for (let a = r.start - (r.start % PAGE_SIZE); a < r.end; a += PAGE_SIZE) pfns.push(a / PAGE_SIZE);
    }
    const flags = readKpageflags(pfns);
    for (const pfn of pfns) k.addPage(pfn * PAGE_SIZE, pfn * PAGE_SIZE, flags.get(pfn) ?? 0);
  }
  if (pagecache !== 'none') {
    const ramEnd = Math.max(0, ...iomem.filter((r) => r.name === 'System RAM').map((r) => r.end));
    const c = b.owner(PAGECACHE_PID, 'pagecache');
    c.addMapping({ start: 0, end: ramEnd, name: '/proc/kpageflags' });
    if (pagecache === 'mapped') {
      for (const pfn of [...mappedPfns].sort((x, y) => x - y)) c.addPage(pfn * PAGE_SIZE, pfn * PAGE_SIZE, mappedFlags?.get(pfn) ?? 0);
    } else {
      const maxPfn = Math.ceil(ramEnd / PAGE_SIZE);
      let last = 0;
      scanKpageflags(maxPfn, isPageCache, (pfn, f) => c.addPage(pfn * PAGE_SIZE, pfn * PAGE_SIZE, f), (n) => {
        if (n - last >= maxPfn / 10) {
          last = n;
          opts.progress?.(`pages: page cache ${Math.round((100 * n) / maxPfn)}%`);
        }
      });
    }
  }
  return b.build();
}

/** Every user process but thaw itself and its parent (as mem_mapping.sh excludes itself). */
export function allPids(): number[] {
  return listUserPids().filter((p) => p !== process.pid && p !== process.ppid);
}
