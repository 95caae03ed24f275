/**
 * HotSpot Native Memory Tracking regions (`jcmd PID VM.native_memory detail`, "Virtual memory
 * map" section): reserved ranges with their NMT category, each with the ranges committed in it.
 * No `node:` or DOM imports.
 */
export interface NmtRange {
  readonly start: number;
  readonly end: number;
}

export interface NmtRegion extends NmtRange {
  /** The NMT category as printed: 'Java Heap', 'Class', 'Code', 'Thread', 'Shared class space'… */
  readonly category: string;
  readonly committed: readonly NmtRange[];
}

export interface NmtReport {
  readonly pid: number;
  readonly regions: readonly NmtRegion[];
  readonly problems: readonly string[];
}

/** NMT category → thaw attribution category. */
export function nmtCategory(nmt: string): string {
  const c = nmt.toLowerCase();
  if (c === 'java heap') return 'java heap';
  if (c === 'class' || c === 'metaspace') return 'metaspace';
  if (c === 'code') return 'code cache';
  if (c === 'shared class space') return 'class data archive';
  if (c === 'thread' || c === 'thread stack') return 'stacks';
  if (c === 'gc') return 'gc structures';
  return 'jvm ' + c;
}

/** The NMT region containing addr, or undefined. */
export function nmtRegionAt(report: NmtReport, addr: number): NmtRegion | undefined {
  for (const r of report.regions) if (addr >= r.start && addr < r.end) return r;
  return undefined;
}
