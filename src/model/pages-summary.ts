/**
 * Attribution and summary: which category every mapping, page and fault belongs to, and the table
 * researchers write by hand ("62 MB heap committed, 3.8 MB touched") per process and category.
 * No `node:` or DOM imports.
 */
import type { Fault, FaultTrace } from './faults.js';
import { findMapping, KERNEL_PID, PAGE_EXCLUSIVE, PAGE_FILE_SHARED, PAGE_THP, PAGECACHE_PID, physicalIndex, type Mapping, type Owner, type PageMap } from './page-map.js';
import { nmtCategory, nmtRegionAt, type NmtReport } from './pages-nmt.js';

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}

/** The display name of a mapping: its path, or [anon] for an anonymous one. */
export function mappingName(m: Mapping): string {
  return m.name === '' ? '[anon]' : m.name;
}

/**
 * Category of a mapping by what /proc says about it (NMT, when given, refines JVM anonymous
 * memory per address in categoryAt()).
 */
export function mappingCategory(m: Mapping, owner: { pid: number; exe: string }): string {
  if (owner.pid === KERNEL_PID) return 'kernel';
  if (owner.pid === PAGECACHE_PID) return 'page cache';
  const n = m.name;
  if (n === '' || n === '[anon]' || n.startsWith('[anon:') || n === '//anon') {
    // Anonymous executable memory is JIT-compiled code (V8's code space, HotSpot's code cache).
    return m.perms?.includes('x') ? 'jit code' : 'anonymous';
  }
  if (n === '[heap]') return 'native heap';
  if (n === '[stack]' || n.startsWith('[stack:')) return 'stacks';
  if (n.startsWith('[v') || n === '[uprobes]') return 'kernel-provided'; // [vdso] [vvar] [vsyscall] [vvar_vclock]
  if (n.endsWith('.jsa')) return 'class data archive';
  if (/\.so(\.[0-9.]+)?( \(deleted\))?$/.test(n)) return 'libraries';
  if (n === owner.exe || (owner.exe && basename(n) === basename(owner.exe) && n.startsWith('/'))) return 'executable';
  if (n.startsWith('/')) return 'files';
  return 'anonymous';
}

/** Category of one address of a process: NMT first (JVM), then the mapping. */
export function categoryAt(owner: Owner, mappingIndex: number, addr: number, nmt?: NmtReport): string {
  if (nmt && nmt.pid === owner.pid) {
    const r = nmtRegionAt(nmt, addr);
    if (r) return nmtCategory(r.category);
  }
  const m = owner.mappings[mappingIndex];
  return m ? mappingCategory(m, owner) : 'anonymous';
}

/** Mappings sorted by start (a copy only when the input is not sorted already). */
export function sortedMappings(o: Owner): readonly Mapping[] {
  for (let i = 1; i < o.mappings.length; i++) if (o.mappings[i]!.start < o.mappings[i - 1]!.start) return [...o.mappings].sort((a, b) => a.start - b.start);
  return o.mappings;
}

/**
 * Fill mapping/category/physAddr of faults from a page map: perf faults by (pid, address), uffd
 * faults by the physical page (whichever process maps it).
 */
export function attributeFaults(trace: FaultTrace, map: PageMap | undefined, nmt: readonly NmtReport[] = []): FaultTrace {
  if (!map) return trace;
  const ps = map.pageSize;
  const byPid = new Map<number, { owner: Owner; mappings: readonly Mapping[]; v2p: Map<number, number> }>();
  for (const o of map.owners) {
    if (o.pid <= 0) continue;
    const v2p = new Map<number, number>();
    for (let i = 0; i < o.vaddr.length; i++) v2p.set(o.vaddr[i]! / ps, o.paddr[i]!);
    byPid.set(o.pid, { owner: o, mappings: sortedMappings(o), v2p });
  }
  const phys = trace.source === 'uffd' ? physicalIndex(map) : undefined;
  const faults = trace.faults.map((f): Fault => {
    const out: { -readonly [K in keyof Fault]: Fault[K] } = { ...f };
    if (phys && f.physAddr !== undefined) {
      const owners = phys.ownersOf(Math.floor(f.physAddr / ps));
      const first = owners.find((x) => map.owners[x.owner]!.pid > 0) ?? owners[0];
      if (first && !out.mapping) {
        const o = map.owners[first.owner]!;
        const va = o.vaddr[first.page]!;
        const entry = byPid.get(o.pid);
        const mi = entry ? findMapping(entry.mappings, va) : -1;
        if (o.pid <= 0) {
          out.mapping = o.pid === KERNEL_PID ? 'kernel' : 'page cache';
          out.category = o.pid === KERNEL_PID ? 'kernel' : 'page cache';
        } else if (entry && mi >= 0) {
          out.mapping = mappingName(entry.mappings[mi]!);
          out.category = categoryAt(entry.owner, entry.owner.mappings.indexOf(entry.mappings[mi]!), va, nmt.find((n) => n.pid === o.pid));
        }
        out.pid ??= o.pid > 0 ? o.pid : undefined;
      }
    } else if (f.pid !== undefined) {
      const entry = byPid.get(f.pid);
      if (entry) {
        const mi = findMapping(entry.mappings, f.addr);
        if (mi >= 0) {
          const m = entry.mappings[mi]!;
          if (!out.mapping) out.mapping = mappingName(m);
          const report = nmt.find((n) => n.pid === f.pid);
          if (!out.category || report) out.category = categoryAt(entry.owner, entry.owner.mappings.indexOf(m), f.addr, report);
        }
        const pa = entry.v2p.get(Math.floor(f.addr / ps));
        if (pa !== undefined && out.physAddr === undefined) out.physAddr = pa;
      }
    }
    return Object.freeze(out);
  });
  return Object.freeze({ ...trace, faults: Object.freeze(faults) });
}

export interface SummaryRow {
  pid: number;
  exe: string;
  category: string;
  mappings: number;
  virtualKb: number;
  /** Committed memory as NMT reports it (JVM categories only). */
  committedKb?: number;
  rssKb: number;
  /** Distinct pages faulted during the start/restore (needs a trace). */
  touchedKb: number;
  /** Pages mapped more than once (pagemap exclusive bit clear). */
  sharedKb: number;
  /** Pages that are also in the page cache (file pages). */
  pageCacheKb: number;
  /** Pages that are part of a transparent huge page (JSON snapshots; kpageflags). */
  hugeKb?: number;
}

export interface Summary {
  rows: SummaryRow[];
  totals: { rssKb: number; touchedKb: number; faults: number; attributedFaults: number };
}

/** One row per owner and category, largest RSS first within an owner. */
export function summarize(map: PageMap | undefined, trace?: FaultTrace, nmt: readonly NmtReport[] = []): Summary {
  const rows = new Map<string, SummaryRow>();
  const row = (pid: number, exe: string, category: string): SummaryRow => {
    const key = `${pid}\0${category}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { pid, exe, category, mappings: 0, virtualKb: 0, rssKb: 0, touchedKb: 0, sharedKb: 0, pageCacheKb: 0 }));
    return r;
  };
  const kb = (map?.pageSize ?? trace?.pageSize ?? 4096) / 1024;
  const exeOf = new Map<number, string>();
  if (map) {
    const cachePages = new Set<number>();
    const cache = map.owners.find((o) => o.pid === PAGECACHE_PID);
    if (cache) for (const p of cache.paddr) cachePages.add(p);
    for (const o of map.owners) {
      exeOf.set(o.pid, o.exe);
      const report = nmt.find((n) => n.pid === o.pid);
      if (o.pid <= 0) {
        const r = row(o.pid, o.exe, o.pid === KERNEL_PID ? 'kernel' : 'page cache');
        r.mappings += o.mappings.length;
        // The page cache's one range is all of RAM: no virtual size to speak of.
        if (o.pid === KERNEL_PID) r.virtualKb += o.mappings.reduce((s, m) => s + (m.end - m.start) / 1024, 0);
        r.rssKb += o.vaddr.length * kb;
        if (o.pid === PAGECACHE_PID) r.pageCacheKb += o.vaddr.length * kb;
        continue;
      }
      const ms = sortedMappings(o);
      for (const m of ms) {
        const r = row(o.pid, o.exe, mappingCategory(m, o));
        r.mappings++;
        // Address space NMT accounts for (reserved regions) goes to the NMT category.
        let inNmt = 0;
        for (const reg of report?.regions ?? []) {
          const ov = Math.min(m.end, reg.end) - Math.max(m.start, reg.start);
          if (ov > 0) inNmt += ov;
        }
        r.virtualKb += (m.end - m.start - inNmt) / 1024;
      }
      for (const reg of report?.regions ?? []) {
        const r = row(o.pid, o.exe, nmtCategory(reg.category));
        r.virtualKb += (reg.end - reg.start) / 1024;
        r.committedKb = (r.committedKb ?? 0) + reg.committed.reduce((x, c) => x + (c.end - c.start) / 1024, 0);
      }
      for (let i = 0; i < o.vaddr.length; i++) {
        const va = o.vaddr[i]!;
        const mi = findMapping(ms, va);
        const cat = mi >= 0 ? categoryAt(o, o.mappings.indexOf(ms[mi]!), va, report) : 'anonymous';
        const r = row(o.pid, o.exe, cat);
        r.rssKb += kb;
        const f = o.flags[i]!;
        if (!(f & PAGE_EXCLUSIVE)) r.sharedKb += kb;
        if (f & PAGE_THP) r.hugeKb = (r.hugeKb ?? 0) + kb;
        if (cache ? cachePages.has(o.paddr[i]!) : f & PAGE_FILE_SHARED && cat !== 'anonymous') r.pageCacheKb += kb;
      }
    }
  }
  let attributed = 0;
  if (trace) {
    const seen = new Set<string>();
    for (const f of trace.faults) {
      if (f.mapping) attributed++;
      const page = Math.floor((f.physAddr ?? f.addr) / trace.pageSize);
      const pid = f.pid ?? trace.pid ?? 0;
      const key = `${pid}:${f.physAddr !== undefined && trace.source === 'uffd' ? 'p' : 'v'}${page}`;
      if (seen.has(key)) continue;
      seen.add(key);
      row(pid, exeOf.get(pid) ?? trace.processes?.[pid] ?? (pid === trace.pid ? (trace.command?.[0] ?? '') : ''), f.category ?? (f.mapping ? 'anonymous' : 'unattributed')).touchedKb += kb;
    }
  }
  const out = [...rows.values()].sort((a, b) => {
    if (a.pid !== b.pid) return (a.pid <= 0 ? 1e9 - a.pid : a.pid) - (b.pid <= 0 ? 1e9 - b.pid : b.pid);
    return b.rssKb - a.rssKb || b.touchedKb - a.touchedKb;
  });
  return {
    rows: out,
    totals: {
      rssKb: out.filter((r) => r.pid > 0).reduce((s, r) => s + r.rssKb, 0),
      touchedKb: out.reduce((s, r) => s + r.touchedKb, 0),
      faults: trace?.faults.length ?? 0,
      attributedFaults: attributed,
    },
  };
}

function fmtKb(kb: number): string {
  if (kb === 0) return '–';
  if (kb >= 10 * 1024) return `${(kb / 1024).toFixed(1)} MB`;
  return `${Math.round(kb)} KB`;
}

/** The summary as an aligned text table for the terminal. */
export function formatSummary(s: Summary): string {
  const nmt = s.rows.some((r) => r.committedKb !== undefined);
  const huge = s.rows.some((r) => r.hugeKb);
  const head = ['pid', 'process', 'category', 'virtual', ...(nmt ? ['committed'] : []), 'rss', 'touched', 'shared', 'page cache', ...(huge ? ['huge pages'] : [])];
  const lines = s.rows.map((r) => [String(r.pid), basename(r.exe), r.category, fmtKb(r.virtualKb), ...(nmt ? [fmtKb(r.committedKb ?? 0)] : []), fmtKb(r.rssKb), fmtKb(r.touchedKb), fmtKb(r.sharedKb), fmtKb(r.pageCacheKb), ...(huge ? [fmtKb(r.hugeKb ?? 0)] : [])]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [fmt(head), ...lines.map(fmt)];
  if (s.totals.faults) out.push(`${s.totals.faults} faults, ${((100 * s.totals.attributedFaults) / s.totals.faults).toFixed(1)}% attributed to a named mapping; ${fmtKb(s.totals.touchedKb)} touched`);
  return out.join('\n');
}

/** "1 process", "2 processes": a count with its noun (plural: noun + "s" unless given). */
export function plural(n: number, noun: string, many = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : many}`;
}
