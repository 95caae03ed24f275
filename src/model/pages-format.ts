/**
 * Writers for page maps and fault traces: fireCRaCer's `mem_mapping` text and thaw's compact JSON.
 * Readers of the text form live in src/import/; the JSON readers are here because the browser
 * needs them too. No `node:` or DOM imports.
 */
import { decodeColumn, encodeColumn } from './pages-codec.js';
import type { Fault, FaultTrace } from './faults.js';
import { type Mapping, type Owner, type PageMap } from './page-map.js';
import type { NmtReport } from './pages-nmt.js';

/** `0x%016lx` as fireCRaCer's virt2phys prints addresses. */
export function hex16(v: number): string {
  return '0x' + v.toString(16).padStart(16, '0');
}

/**
 * The mem_mapping text (fireCRaCer README, "Visualizing page usage on restore"):
 *   = 214 /opt/jdk/bin/java
 *   v 0x00000000f0a00000 0x00000000f2270000 [name]
 *   p 0x00000000f0a00000 0x00000000063d4000 1 0        (vaddr paddr exclusive file/shared)
 *   = 0 kernel          p lines: physical address, kpageflags
 *   = -1 pagecache      p lines: physical address, kpageflags
 * Pages are written under the mapping that contains them, as virt2phys walks maps line by line.
 */
export function* memMappingLines(map: PageMap): Generator<string> {
  for (const o of map.owners) {
    yield `= ${o.pid} ${o.exe}`;
    let page = 0;
    for (const m of o.mappings) {
      yield m.name ? `v ${hex16(m.start)} ${hex16(m.end)} ${m.name}` : `v ${hex16(m.start)} ${hex16(m.end)}`;
      // Pages ascend within each mapping; skip any that precede it (none in our own snapshots).
      while (page < o.vaddr.length && o.vaddr[page]! < m.start) page++;
      while (page < o.vaddr.length && o.vaddr[page]! < m.end) {
        const v = o.vaddr[page]!;
        const p = o.paddr[page]!;
        const f = o.flags[page]!;
        if (o.pid > 0) yield `p ${hex16(v)} ${hex16(p)} ${f & 1 ? 1 : 0} ${f & 2 ? 1 : 0}`;
        else yield `p ${hex16(p)} ${hex16(f)}`;
        page++;
      }
    }
  }
}

export function serializeMemMapping(map: PageMap): string {
  const out: string[] = [];
  for (const l of memMappingLines(map)) out.push(l);
  return out.join('\n') + '\n';
}

export const PAGEMAP_FORMAT = 'thaw.pagemap/1';
export const TRACE_FORMAT = 'thaw.pages-trace/1';

export interface OwnerJson {
  pid: number;
  exe: string;
  /** perms '' when unknown; offset (the mapping's file offset) only when known. */
  mappings: Array<[start: number, end: number, name: string, perms?: string, offset?: number]>;
  pages: { count: number; vaddr: string; paddr: string; flags: string };
}
export interface PageMapJson {
  format: typeof PAGEMAP_FORMAT;
  pageSize: number;
  source: string;
  owners: OwnerJson[];
}

export function pageMapToJson(map: PageMap): PageMapJson {
  return {
    format: PAGEMAP_FORMAT,
    pageSize: map.pageSize,
    source: map.source,
    owners: map.owners.map((o) => ({
      pid: o.pid,
      exe: o.exe,
      mappings: o.mappings.map((m) => (m.offset !== undefined ? [m.start, m.end, m.name, m.perms ?? '', m.offset] : m.perms ? [m.start, m.end, m.name, m.perms] : [m.start, m.end, m.name])),
      pages: {
        count: o.vaddr.length,
        vaddr: encodeColumn(Array.from(o.vaddr, (v) => v / map.pageSize)),
        paddr: encodeColumn(Array.from(o.paddr, (v) => v / map.pageSize)),
        flags: encodeColumn(o.flags, false),
      },
    })),
  };
}

export function pageMapFromJson(j: PageMapJson): PageMap {
  if (j.format !== PAGEMAP_FORMAT) throw new Error(`not a ${PAGEMAP_FORMAT} document (format: ${String(j.format)})`);
  const ps = j.pageSize;
  const owners: Owner[] = j.owners.map((o) => {
    const n = o.pages.count;
    const vaddr = decodeColumn(o.pages.vaddr, n, true, ps);
    const paddr = decodeColumn(o.pages.paddr, n, true, ps);
    const flags = decodeColumn(o.pages.flags, n, false);
    const mappings: Mapping[] = o.mappings.map(([start, end, name, perms, offset]) => ({ start, end, name, ...(perms ? { perms } : {}), ...(offset !== undefined ? { offset } : {}) }));
    return Object.freeze({ pid: o.pid, exe: o.exe, mappings: Object.freeze(mappings), vaddr, paddr, flags });
  });
  return Object.freeze({ pageSize: ps, source: j.source, owners: Object.freeze(owners), problems: Object.freeze([]) });
}

/**
 * A trace document as `thaw pages trace` writes it (DIR/NAME.json). `faults` is an array of plain
 * objects in time order, so scripts can read it without thaw; `map` is the snapshot taken when
 * the process became ready (absent when it exited first).
 */
export interface TraceJson {
  format: typeof TRACE_FORMAT;
  name: string;
  source: 'perf' | 'uffd';
  pageSize: number;
  command?: string[];
  pid?: number;
  readyMs?: number;
  /** pid → executable of the processes that faulted. */
  processes?: Record<string, string>;
  faults: Array<{
    time: number;
    addr: number;
    page: number;
    access: string;
    major?: boolean;
    pid?: number;
    tid?: number;
    mapping: string | null;
    category?: string;
    physAddr?: number;
    action?: string;
    prefetch?: boolean;
    ip?: number;
    kernel?: boolean;
  }>;
  map?: PageMapJson;
  nmt?: NmtReport[];
  summary?: unknown;
}

export function traceToJson(trace: FaultTrace, map?: PageMap, extra: { nmt?: NmtReport[]; summary?: unknown } = {}): TraceJson {
  return {
    format: TRACE_FORMAT,
    name: trace.name,
    source: trace.source,
    pageSize: trace.pageSize,
    command: trace.command ? [...trace.command] : undefined,
    pid: trace.pid,
    readyMs: trace.readyMs,
    processes: trace.processes ? { ...trace.processes } : undefined,
    faults: trace.faults.map((f) => ({
      time: Math.round(f.time * 1000) / 1000,
      addr: f.addr,
      page: f.addr - (f.addr % trace.pageSize),
      access: f.access,
      major: f.major,
      pid: f.pid,
      tid: f.tid,
      mapping: f.mapping ?? null,
      category: f.category,
      physAddr: f.physAddr,
      action: f.action,
      prefetch: f.prefetch || undefined,
      ip: f.ip,
      kernel: f.kernel || undefined,
    })),
    map: map ? pageMapToJson(map) : undefined,
    nmt: extra.nmt,
    summary: extra.summary,
  };
}

export function traceFromJson(j: TraceJson): { trace: FaultTrace; map?: PageMap; nmt: NmtReport[] } {
  if (j.format !== TRACE_FORMAT) throw new Error(`not a ${TRACE_FORMAT} document (format: ${String(j.format)})`);
  const faults: Fault[] = j.faults.map((f) => {
    const out: Record<string, unknown> = { time: f.time, addr: f.addr, access: f.access };
    for (const k of ['major', 'pid', 'tid', 'category', 'physAddr', 'action', 'prefetch', 'ip', 'kernel'] as const) if (f[k] !== undefined && f[k] !== null) out[k] = f[k];
    if (f.mapping) out.mapping = f.mapping;
    return Object.freeze(out as unknown as Fault);
  });
  const trace: FaultTrace = Object.freeze({
    source: j.source,
    pageSize: j.pageSize,
    faults: Object.freeze(faults),
    command: j.command,
    readyMs: j.readyMs,
    pid: j.pid,
    processes: j.processes ? Object.freeze(Object.fromEntries(Object.entries(j.processes).map(([k, v]) => [Number(k), v]))) : undefined,
    name: j.name,
    problems: Object.freeze([]),
  });
  return { trace, map: j.map ? pageMapFromJson(j.map) : undefined, nmt: j.nmt ?? [] };
}
