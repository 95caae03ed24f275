/**
 * The build session: the one piece of state the guest's parts share (the config the host baked
 * into the bundle, the report being filled, the build's phase) and the plumbing they all use:
 * failing the build with a report, and registering checkpoint/restore work in pairs.
 *
 * Pairs follow Node's own lib/internal/v8/startup_snapshot.js: a serialize callback runs once,
 * after the builder's event loop is done and before the heap is written; its deserialize
 * callback runs in every restored process, in registration order, before the main function.
 * Parts register in the order their restore work must run (entropy first).
 */
import { renameSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import { nowMs } from '../lifecycle.js';
import { emptyReport, type BuildConfig, type BuildReport, type FailureKind, type LiveHandle } from '../protocol.js';

export interface Session {
  readonly config: BuildConfig;
  readonly report: BuildReport;
  readonly startedMs: number;
  failed: boolean;
  /** Each part adds what it knows to the report just before the report is written. */
  readonly collectors: Array<(r: BuildReport) => void>;
}

/** process.exit as Node made it: the app's is guarded while building (guest/main.ts). */
export const realExit = process.exit;

let current: Session | undefined;

export function openSession(config: BuildConfig): Session {
  current = { config, report: emptyReport(), startedMs: nowMs(), failed: false, collectors: [] };
  return current;
}

export function session(): Session {
  if (!current) throw new Error('thaw: the builder prelude has not started');
  return current;
}

/** Has the prelude started? (The runtime's stand-ins are also bundled by tests without one.) */
export function inSession(): boolean {
  return current !== undefined;
}

export function writeReport(): void {
  const s = session();
  for (const collect of s.collectors) collect(s.report);
  const tmp = `${s.config.reportPath}.tmp`;
  writeFileSync(tmp, JSON.stringify(s.report));
  renameSync(tmp, s.config.reportPath);
}

export function errorInfo(kind: FailureKind, e: unknown): BuildReport['error'] {
  const err = e as Error & { code?: string; causes?: Array<{ resource: string; error: unknown }> };
  return {
    kind,
    code: typeof err?.code === 'string' ? err.code : undefined,
    name: err?.name,
    message: err instanceof Error ? err.message : String(e),
    stack: err instanceof Error ? err.stack : undefined,
    causes: err?.causes?.map((c) => ({ resource: c.resource, message: c.error instanceof Error ? c.error.message : String(c.error), stack: c.error instanceof Error ? c.error.stack : undefined })),
  };
}

/** End the build without a snapshot: write the report (the CLI reads it and explains) and exit. */
export function fail(kind: FailureKind, e: unknown, blockers: LiveHandle[] = []): void {
  const s = session();
  if (s.failed) return;
  s.failed = true;
  s.report.ok = false;
  s.report.error = errorInfo(kind, e);
  s.report.blockers = blockers;
  try {
    writeReport();
  } finally {
    realExit.call(process, 3);
  }
}

/**
 * Undo something for the checkpoint and redo it in every restored process. `checkpoint` runs
 * once, synchronously, after the event loop is done; `restore` at the start of each restore.
 */
export function pair(name: string, checkpoint: (() => void) | undefined, restore: (() => void) | undefined): void {
  const snap = v8.startupSnapshot;
  if (checkpoint) {
    snap.addSerializeCallback(() => {
      try {
        checkpoint();
      } catch (e) {
        fail('checkpoint-hooks', Object.assign(new Error(`thaw could not prepare ${name} for the checkpoint: ${(e as Error).message}`), { stack: (e as Error).stack }));
      }
    });
  }
  if (restore) snap.addDeserializeCallback(restore);
}

/**
 * When a restore's steps began, on the monotonic clock (ms): the first restore step, the main
 * function, afterRestore hooks done, servers listening again. The timeline `thaw bench
 * --timeline` draws reads them from the process object under this key. (Not performance.now():
 * its first use in a process loads perf_hooks, a millisecond of every restore.)
 */
export const RESTORE_MARKS = Symbol.for('thaw.restoreMarks');

export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function restoreMarks(): Record<string, number> {
  const p = process as unknown as Record<symbol, Record<string, number> | undefined>;
  return (p[RESTORE_MARKS] ??= {});
}

/**
 * The stack of the caller, as `new Error().stack` there would read (this function's own frame
 * left out), `frames` deep whatever limit the app has set for its own errors.
 */
export function stackHere(frames = 30): string {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = frames;
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, stackHere);
  Error.stackTraceLimit = saved;
  return holder.stack ?? '';
}
