/**
 * What the browser visualizer reads: panels (one per trace, or per page map when there is no
 * trace), each with its page map, per-page mapping/category columns, the packed faults and the
 * process → category → mapping tree with virtual / RSS / touched sizes. Built in the CLI (where
 * attribution runs once), decoded in the browser with the same code. No `node:` or DOM imports.
 */
import { decodeColumn, decodeRuns, encodeColumn, encodeRuns } from './pages-codec.js';
import type { FaultTrace } from './faults.js';
import { findMapping, type PageMap } from './page-map.js';
import { pageMapFromJson, pageMapToJson, type PageMapJson } from './pages-format.js';
import type { NmtReport } from './pages-nmt.js';
import { categoryAt, mappingCategory, mappingName, summarize, type Summary } from './pages-summary.js';

export const VIEW_FORMAT = 'thaw.pages-view/2';

/** Fault flag bits in the packed trace. */
export const FF = { WRITE: 1, EXEC: 2, MAJOR: 4, LOAD: 8, ZERO: 16, KERNEL: 32, MINOR: 64, UNKNOWN: 128, PREFETCH: 256 } as const;

export interface TreeMapping {
  m: number;
  name: string;
  start: number;
  end: number;
  perms?: string;
  virtualKb: number;
  rssKb: number;
  touchedKb: number;
}
export interface TreeCategory {
  cat: number;
  name: string;
  virtualKb: number;
  rssKb: number;
  touchedKb: number;
  mappings: TreeMapping[];
}
export interface TreeOwner {
  owner: number;
  pid: number;
  exe: string;
  virtualKb: number;
  rssKb: number;
  touchedKb: number;
  categories: TreeCategory[];
}

export interface PackedFaults {
  count: number;
  /** Microseconds since the start (integers, delta-coded). */
  timeUs: string;
  /** Virtual page numbers. */
  vpage: string;
  /** Offsets of the faulting address within its page. */
  offset: string;
  /** Physical page number + 1, 0 when unknown. */
  ppage: string;
  flags: string;
  pid: string;
  tid: string;
  /** Index into `names` + 1, 0 for unattributed. */
  mapping: string;
  names: string[];
  /** Category index (into ViewJson.categories) + 1, 0 for none. */
  category: string;
  readyUs?: number;
}

export interface PanelJson {
  title: string;
  source: string;
  map: PageMapJson | null;
  /** Per owner: mapping index of each page (-1 none) and category index (into categories), as runs. */
  pageMapping: string[];
  pageCategory: string[];
  faults: PackedFaults | null;
  tree: TreeOwner[];
  summary: Summary;
  problems: string[];
}

export interface ViewJson {
  format: typeof VIEW_FORMAT;
  categories: string[];
  panels: PanelJson[];
}

export interface PanelInput {
  title: string;
  map?: PageMap;
  trace?: FaultTrace;
  nmt: readonly NmtReport[];
  problems: readonly string[];
}

function packFaults(trace: FaultTrace, catIndex: (c: string) => number): PackedFaults {
  const n = trace.faults.length;
  const ps = trace.pageSize;
  const names: string[] = [];
  const nameIdx = new Map<string, number>();
  const cols = { t: new Float64Array(n), v: new Float64Array(n), o: new Float64Array(n), p: new Float64Array(n), f: new Float64Array(n), pid: new Float64Array(n), tid: new Float64Array(n), m: new Float64Array(n), c: new Float64Array(n) };
  trace.faults.forEach((f, i) => {
    cols.t[i] = Math.round(f.time * 1000);
    cols.v[i] = Math.floor(f.addr / ps);
    cols.o[i] = f.addr % ps;
    cols.p[i] = f.physAddr !== undefined ? Math.floor(f.physAddr / ps) + 1 : 0;
    cols.f[i] = (f.access === 'write' ? FF.WRITE : 0) | (f.access === 'exec' ? FF.EXEC : 0) | (f.access === 'unknown' ? FF.UNKNOWN : 0) | (f.major ? FF.MAJOR : 0) | (f.major === false ? FF.MINOR : 0) |
      (f.action === 'load' ? FF.LOAD : 0) | (f.action === 'zero' ? FF.ZERO : 0) | (f.kernel ? FF.KERNEL : 0) | (f.prefetch ? FF.PREFETCH : 0);
    cols.pid[i] = f.pid ?? 0;
    cols.c[i] = f.category ? catIndex(f.category) + 1 : 0;
    cols.tid[i] = f.tid ?? 0;
    if (f.mapping) {
      let k = nameIdx.get(f.mapping);
      if (k === undefined) {
        k = names.length;
        names.push(f.mapping);
        nameIdx.set(f.mapping, k);
      }
      cols.m[i] = k + 1;
    }
  });
  return {
    count: n,
    timeUs: encodeColumn(cols.t),
    vpage: encodeColumn(cols.v),
    offset: encodeColumn(cols.o, false),
    ppage: encodeColumn(cols.p),
    flags: encodeColumn(cols.f, false),
    pid: encodeColumn(cols.pid),
    tid: encodeColumn(cols.tid),
    mapping: encodeColumn(cols.m),
    names,
    category: encodeColumn(cols.c, false),
    readyUs: trace.readyMs !== undefined ? Math.round(trace.readyMs * 1000) : undefined,
  };
}

export interface Faults {
  count: number;
  timeUs: Float64Array;
  vpage: Float64Array;
  offset: Float64Array;
  ppage: Float64Array;
  flags: Float64Array;
  pid: Float64Array;
  tid: Float64Array;
  mapping: Float64Array;
  names: string[];
  category: Float64Array;
  readyUs?: number;
}

export function unpackFaults(p: PackedFaults): Faults {
  const n = p.count;
  return {
    count: n,
    timeUs: decodeColumn(p.timeUs, n),
    vpage: decodeColumn(p.vpage, n),
    offset: decodeColumn(p.offset, n, false),
    ppage: decodeColumn(p.ppage, n),
    flags: decodeColumn(p.flags, n, false),
    pid: decodeColumn(p.pid, n),
    tid: decodeColumn(p.tid, n),
    mapping: decodeColumn(p.mapping, n),
    names: p.names,
    category: decodeColumn(p.category, n, false),
    readyUs: p.readyUs,
  };
}

/** Build the panel: tree with sizes, per-page columns, packed faults. */
export function buildPanel(input: PanelInput, categories: string[]): PanelJson {
  const catIndex = (c: string): number => {
    let i = categories.indexOf(c);
    if (i < 0) {
      i = categories.length;
      categories.push(c);
    }
    return i;
  };
  const map = input.map;
  const trace = input.trace;
  const ps = map?.pageSize ?? trace?.pageSize ?? 4096;
  const kb = ps / 1024;
  const tree: TreeOwner[] = [];
  const pageMapping: string[] = [];
  const pageCategory: string[] = [];
  // Touched pages per (pid, vpage) and per physical page.
  const touchedV = new Set<string>();
  const touchedP = new Set<number>();
  if (trace) {
    for (const f of trace.faults) {
      if (f.physAddr !== undefined) touchedP.add(Math.floor(f.physAddr / ps));
      if (f.pid !== undefined && trace.source === 'perf') touchedV.add(`${f.pid}:${Math.floor(f.addr / ps)}`);
    }
  }
  if (map) {
    map.owners.forEach((o, oi) => {
      const report = input.nmt.find((r) => r.pid === o.pid);
      const order = o.mappings.map((_, i) => i).sort((a, b) => o.mappings[a]!.start - o.mappings[b]!.start);
      const sorted = order.map((i) => o.mappings[i]!);
      const mcol = new Float64Array(o.vaddr.length);
      const ccol = new Float64Array(o.vaddr.length);
      const stats = o.mappings.map(() => ({ rss: 0, touched: 0 }));
      const catStats = new Map<number, { rss: number; touched: number; mappings: Set<number> }>();
      const cs = (c: number): { rss: number; touched: number; mappings: Set<number> } => {
        let s = catStats.get(c);
        if (!s) catStats.set(c, (s = { rss: 0, touched: 0, mappings: new Set() }));
        return s;
      };
      for (let i = 0; i < o.vaddr.length; i++) {
        const va = o.vaddr[i]!;
        const si = o.pid > 0 ? findMapping(sorted, va) : sorted.findIndex((m) => va >= m.start && va < m.end);
        const mi = si >= 0 ? order[si]! : -1;
        const cat = catIndex(si >= 0 ? categoryAt(o, mi, va, report) : o.pid > 0 ? 'anonymous' : o.pid === 0 ? 'kernel' : 'page cache');
        mcol[i] = mi;
        ccol[i] = cat;
        const touched = o.pid > 0 ? touchedV.has(`${o.pid}:${va / ps}`) || touchedP.has(o.paddr[i]! / ps) : touchedP.has(o.paddr[i]! / ps);
        const c = cs(cat);
        c.rss += kb;
        if (touched) c.touched += kb;
        if (mi >= 0) {
          stats[mi]!.rss += kb;
          if (touched) stats[mi]!.touched += kb;
          c.mappings.add(mi);
        }
      }
      // Touched pages no longer present at snapshot time still count for their mapping.
      if (o.pid > 0 && trace && trace.source === 'perf') {
        const present = new Set<number>();
        for (let i = 0; i < o.vaddr.length; i++) present.add(o.vaddr[i]! / ps);
        for (const key of touchedV) {
          const [p, v] = key.split(':').map(Number) as [number, number];
          if (p !== o.pid || present.has(v)) continue;
          const si = findMapping(sorted, v * ps);
          if (si < 0) continue;
          const mi = order[si]!;
          stats[mi]!.touched += kb;
          const c = cs(catIndex(categoryAt(o, mi, v * ps, report)));
          c.touched += kb;
          c.mappings.add(mi);
        }
      }
      // Every mapping belongs to its /proc category (so empty ones show up too).
      o.mappings.forEach((m, mi) => cs(catIndex(o.pid > 0 ? mappingCategory(m, o) : o.pid === 0 ? 'kernel' : 'page cache')).mappings.add(mi));
      pageMapping.push(encodeRuns(mcol));
      pageCategory.push(encodeRuns(ccol));
      const cats: TreeCategory[] = [...catStats.entries()].map(([cat, s]) => {
        const mappings = [...s.mappings].sort((a, b) => o.mappings[a]!.start - o.mappings[b]!.start).map((mi): TreeMapping => {
          const m = o.mappings[mi]!;
          return { m: mi, name: o.pid > 0 ? mappingName(m) : m.name, start: m.start, end: m.end, perms: m.perms, virtualKb: (m.end - m.start) / 1024, rssKb: stats[mi]!.rss, touchedKb: stats[mi]!.touched };
        });
        return { cat, name: categories[cat]!, virtualKb: mappings.reduce((x, m) => x + m.virtualKb, 0), rssKb: s.rss, touchedKb: s.touched, mappings };
      });
      cats.sort((a, b) => b.rssKb - a.rssKb || b.touchedKb - a.touchedKb || b.virtualKb - a.virtualKb);
      tree.push({
        owner: oi,
        pid: o.pid,
        exe: o.exe,
        virtualKb: o.mappings.reduce((x, m) => x + (m.end - m.start) / 1024, 0),
        rssKb: o.vaddr.length * kb,
        touchedKb: cats.reduce((x, c) => x + c.touchedKb, 0),
        categories: cats,
      });
    });
  }
  return {
    title: input.title,
    source: trace ? trace.source : 'snapshot',
    map: map ? pageMapToJson(map) : null,
    pageMapping,
    pageCategory,
    faults: trace ? packFaults(trace, catIndex) : null,
    tree,
    summary: summarize(map, trace, input.nmt),
    problems: [...input.problems],
  };
}

export function buildView(inputs: readonly PanelInput[]): ViewJson {
  const categories: string[] = [];
  const panels = inputs.map((p) => buildPanel(p, categories));
  return { format: VIEW_FORMAT, categories, panels };
}

export interface Panel {
  title: string;
  source: string;
  map: PageMap | null;
  pageMapping: Float64Array[];
  pageCategory: Float64Array[];
  faults: Faults | null;
  tree: TreeOwner[];
  summary: Summary;
  problems: string[];
}

export function decodePanel(p: PanelJson): Panel {
  const map = p.map ? pageMapFromJson(p.map) : null;
  return {
    title: p.title,
    source: p.source,
    map,
    pageMapping: p.pageMapping.map((c, i) => decodeRuns(c, map!.owners[i]!.vaddr.length)),
    pageCategory: p.pageCategory.map((c, i) => decodeRuns(c, map!.owners[i]!.vaddr.length)),
    faults: p.faults ? unpackFaults(p.faults) : null,
    tree: p.tree,
    summary: p.summary,
    problems: p.problems,
  };
}
