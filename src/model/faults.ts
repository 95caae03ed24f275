/**
 * A page-fault trace: every fault of a start or a restore, in time order.
 *
 * Two sources fill it: perf page-fault events (virtual addresses, per thread, read/write, major
 * where the kernel said so) and fireCRaCer's userfaultfd handler log (host virtual address plus the
 * guest physical page that was loaded or zeroed). Built through FaultTraceBuilder, then frozen.
 * No `node:` or DOM imports.
 */

/** 'unknown' where the fault event carries no error code (perf's software page-faults event). */
export type Access = 'read' | 'write' | 'exec' | 'unknown';

export interface Fault {
  /** Milliseconds since the first event of the trace (uffd logs carry no time: the index). */
  readonly time: number;
  /** The faulting virtual address. */
  readonly addr: number;
  readonly access: Access;
  /** true for a major fault (I/O), false for minor, undefined when unknown. */
  readonly major?: boolean;
  readonly pid?: number;
  readonly tid?: number;
  /** Name of the mapping the address fell in: a file path, [heap], [anon], [stack]… */
  readonly mapping?: string;
  /** Attribution category (see pages-summary.ts). */
  readonly category?: string;
  /** Guest physical address of the page (uffd logs), or where the page map puts it. */
  readonly physAddr?: number;
  /** uffd: 'load' copied from the memory file, 'zero' served a zero page. */
  readonly action?: 'load' | 'zero';
  /** uffd: copied ahead from a recorded page list before anything touched it (not a fault). */
  readonly prefetch?: boolean;
  /** Instruction pointer of the faulting instruction, when known. */
  readonly ip?: number;
  /** Fault raised by the kernel on a user address (copy_to_user and friends). */
  readonly kernel?: boolean;
}

export interface FaultTrace {
  readonly source: 'perf' | 'uffd';
  readonly pageSize: number;
  readonly faults: readonly Fault[];
  /** The traced command, when thaw ran it. */
  readonly command?: readonly string[];
  /** Time (ms, same origin as faults) the probe first saw the process ready; undefined if it exited. */
  readonly readyMs?: number;
  /** Pid of the traced process (the leader). */
  readonly pid?: number;
  /** Executable of every process that faulted, where known (perf exec/mmap events). */
  readonly processes?: Readonly<Record<number, string>>;
  readonly name: string;
  readonly problems: readonly string[];
}

export class FaultTraceBuilder {
  private readonly faults: Fault[] = [];
  readonly problems: string[] = [];
  command?: string[];
  readyMs?: number;
  pid?: number;
  processes?: Record<number, string>;
  constructor(readonly source: 'perf' | 'uffd', readonly name: string, readonly pageSize = 4096) {}
  add(f: Fault): void {
    this.faults.push(f);
  }
  get count(): number {
    return this.faults.length;
  }
  /** Mutable access before build(): attribution fills mapping/category in place. */
  at(i: number): Fault {
    return this.faults[i]!;
  }
  set(i: number, f: Fault): void {
    this.faults[i] = f;
  }
  problem(line: number, reason: string): void {
    this.problems.push(`line ${line}: ${reason}`);
  }
  build(): FaultTrace {
    // Stable sort by time: perf delivers events ordered already; this keeps the promise anyway.
    const sorted = this.faults.map((f, i) => [f, i] as const).sort((a, b) => a[0].time - b[0].time || a[1] - b[1]).map(([f]) => Object.freeze(f));
    return Object.freeze({
      source: this.source,
      pageSize: this.pageSize,
      faults: Object.freeze(sorted),
      command: this.command ? Object.freeze([...this.command]) : undefined,
      readyMs: this.readyMs,
      pid: this.pid,
      processes: this.processes ? Object.freeze({ ...this.processes }) : undefined,
      name: this.name,
      problems: Object.freeze([...this.problems]),
    });
  }
}

/** Share of faults attributed to a named mapping (0..1). */
export function attributedShare(trace: FaultTrace): number {
  if (trace.faults.length === 0) return 0;
  let n = 0;
  for (const f of trace.faults) if (f.mapping) n++;
  return n / trace.faults.length;
}
