/**
 * The perf record driver: runs one command under `perf record -e cpu-clock -g -F FREQ`, with
 * the JIT symbol maps that make Node and Java frames readable, stops it (on exit, after a
 * duration, or once it answers HTTP), and folds `perf script` into stacks.
 *
 * JIT symbols go through the environment, so they reach the runtime whatever starts it (a
 * shell line, npm, a thaw image's `start` script):
 * - Node: NODE_OPTIONS gets `--perf-basic-prof` (V8 writes /tmp/perf-PID.map as it compiles)
 *   and `--interpreted-frames-native-stack` (Ignition frames get their own code copy, so
 *   interpreted functions show by name instead of as one InterpreterEntryTrampoline). Both are
 *   V8 options Node allows in NODE_OPTIONS (Node docs, "NODE_OPTIONS": V8 options allowed).
 * - Java: JAVA_TOOL_OPTIONS gets `-XX:+PreserveFramePointer` (JIT code keeps rbp, so perf's
 *   frame-pointer unwinder walks through it) and `-XX:+UnlockDiagnosticVMOptions
 *   -XX:+DumpPerfMapAtExit` (HotSpot writes /tmp/perf-PID.map at exit; JDK 17+).
 */
import { existsSync, unlinkSync } from 'node:fs';
import { resolveProbe, waitReady as waitProbe } from '../launch/probe.js';
import { ThawError, tail } from '../errors.js';
import { descendants, run, start, type Child } from '../launch/spawn.js';
import { deadLogPids, removeJitFiles } from '../launch/jit-files.js';
import { foldFile } from './fold-stream.js';
import type { PerfScriptFolder } from '../import/perf-script.js';

export const NODE_PERF_FLAGS = ['--perf-basic-prof', '--interpreted-frames-native-stack'];
export const JAVA_PERF_FLAGS = ['-XX:+PreserveFramePointer', '-XX:+UnlockDiagnosticVMOptions', '-XX:+DumpPerfMapAtExit'];

/** The environment that gives a command's Node and Java processes JIT symbol maps. */
export function jitEnv(env: NodeJS.ProcessEnv = process.env, node = true): Record<string, string> {
  const join2 = (a: string | undefined, b: string[]): string => [a ?? '', ...b].filter((s) => s.trim() !== '').join(' ');
  const out: Record<string, string> = { JAVA_TOOL_OPTIONS: join2(env.JAVA_TOOL_OPTIONS, JAVA_PERF_FLAGS) };
  if (node) out.NODE_OPTIONS = join2(env.NODE_OPTIONS, NODE_PERF_FLAGS);
  return out;
}

/**
 * V8 refuses a startup snapshot under other V8 flags than it was built with (the flag hash is
 * part of the snapshot checksum), and every perf flag changes the hash. A restored thaw image
 * is therefore profiled without them: its JIT frames stay unnamed.
 */
const SNAPSHOT_FLAGS_RE = /Failed to load the startup snapshot because it was built with a different version of V8 or with different V8 configurations/;

let perfChecked: Promise<void> | null = null;

/** Fails with one clear line when perf is missing or not permitted. */
export function checkPerf(): Promise<void> {
  perfChecked ??= (async () => {
    let r;
    try {
      r = await run(['perf', 'record', '-e', 'cpu-clock', '-F', '99', '-g', '-o', '/dev/null', '--', 'true'], { timeoutMs: 30_000 });
    } catch (e) {
      if (e instanceof ThawError && e.code === 'E_COMMAND_NOT_FOUND') {
        throw new ThawError('E_PERF_MISSING', 'perf is not installed', { hint: 'install it: apt-get install linux-perf (Debian) or linux-tools-$(uname -r) (Ubuntu)' });
      }
      throw e;
    }
    if (r.status !== 0) {
      const text = r.stderr + r.stdout;
      if (/perf_event_paranoid|not permitted|Permission denied|Access to performance monitoring/i.test(text)) {
        throw new ThawError('E_PERF_DENIED', 'perf is not permitted to sample here', {
          hint: 'run as root, or allow it: sudo sysctl kernel.perf_event_paranoid=1 (in a container: --cap-add PERFMON or --privileged)',
          detail: tail(text, 6),
        });
      }
      throw new ThawError('E_PERF_FAILED', `perf record does not work here (exit ${r.status})`, { hint: 'check `perf record -e cpu-clock -g -- true` by hand', detail: tail(text, 6) });
    }
  })();
  return perfChecked;
}

export type StopWhen = { kind: 'exit' } | { kind: 'duration'; seconds: number } | { kind: 'ready'; url: string; timeoutMs: number };

export interface RecordOptions {
  command: string;
  freq: number;
  /** perf.data path; perf script text goes beside it. */
  dataPath: string;
  stop: StopWhen;
  env?: Record<string, string>;
  cwd?: string;
  /** Keep perf.data and the perf script text (otherwise both are removed). */
  keep?: boolean;
  /** Kill the run after this long whatever else happens. */
  timeoutMs?: number;
  /** Give Node the perf map flags (off for V8 snapshots built without them). Default true. */
  nodeFlags?: boolean;
}

export interface RecordResult {
  folder: PerfScriptFolder;
  /** Wall time from start to the stop signal (or exit). */
  wallMs: number;
  /** Time until the ready probe answered, for stop 'ready'. */
  readyMs?: number;
  exitStatus: number;
  /** The last lines the command (and perf) wrote to stderr. */
  stderrTail: string;
}

/** Poll `url` (launch/probe.ts, as thaw bench and thaw pages do) until a 2xx answer. */
async function waitReady(url: string, child: Child, timeoutMs: number): Promise<void> {
  try {
    await waitProbe(resolveProbe({ url }, 0), { deadline: performance.now() + timeoutMs, abort: () => (child.done ? 'exited' : null) });
  } catch (e) {
    if (!(e instanceof ThawError)) throw e;
    if (e.code === 'E_PROBE_ABORTED') throw new ThawError('E_PROFILE_EXITED', `the command exited before ${url} answered`, { hint: 'check the command runs on its own, and that it listens on $PORT', detail: tail(child.stderr()) });
    throw new ThawError('E_PROFILE_NOT_READY', `${url} did not answer 2xx within ${timeoutMs / 1000} s (${e.message})`, { hint: 'give the URL the server answers with --ready, or use --duration', detail: tail(child.stderr()) });
  }
}

/**
 * SIGTERM the profiled command (perf's children), so perf itself ends cleanly and writes its
 * data (and a JVM runs its exit hooks, DumpPerfMapAtExit among them); SIGKILL what still runs
 * after graceMs.
 */
function stopWorkload(perf: Child, graceMs = 5000): void {
  const signal = (sig: NodeJS.Signals): void => {
    for (const pid of descendants(perf.pid)) {
      try {
        process.kill(pid, sig);
      } catch {
        /* gone */
      }
    }
  };
  signal('SIGTERM');
  const t = setTimeout(() => {
    if (!perf.done) signal('SIGKILL');
  }, graceMs);
  t.unref();
}

export async function recordOnce(o: RecordOptions): Promise<RecordResult> {
  await checkPerf();
  const cwd = o.cwd ?? process.cwd();
  const since = Date.now();
  const argv = ['perf', 'record', '-e', 'cpu-clock', '-g', '-F', String(o.freq), '-o', o.dataPath, '--', 'sh', '-c', o.command];
  const t0 = performance.now();
  const nodeFlags = o.nodeFlags ?? true;
  const perf = start(argv, { cwd, env: { ...jitEnv(process.env, nodeFlags), ...o.env }, stdio: 'pipe', keepBytes: 256 * 1024 });
  const snapshotRefused = (): boolean => nodeFlags && SNAPSHOT_FLAGS_RE.test(perf.stderr());
  const refused = (): ThawError =>
    new ThawError('E_SNAPSHOT_FLAGS', `${o.command}: the V8 startup snapshot does not load under --perf-basic-prof`, {
      hint: 'profile it without Node perf maps (thaw profile retries so by itself)',
      detail: tail(perf.stderr(), 4),
    });
  let killer: NodeJS.Timeout | undefined;
  if (o.timeoutMs) killer = setTimeout(() => stopWorkload(perf), o.timeoutMs);
  let readyMs: number | undefined;
  let stopAt = 0;
  try {
    if (o.stop.kind === 'duration') {
      const t = setTimeout(() => {
        stopAt = performance.now();
        stopWorkload(perf);
      }, o.stop.seconds * 1000);
      await perf.exited.finally(() => clearTimeout(t));
    } else if (o.stop.kind === 'ready') {
      try {
        await waitReady(o.stop.url, perf, o.stop.timeoutMs);
      } catch (e) {
        await perf.exited;
        if (snapshotRefused()) throw refused();
        throw e;
      }
      readyMs = performance.now() - t0;
      stopAt = performance.now();
      stopWorkload(perf);
    }
    const exit = await perf.exited;
    if (snapshotRefused()) throw refused();
    const wallMs = (stopAt || performance.now()) - t0;
    if (!existsSync(o.dataPath)) {
      throw new ThawError('E_PERF_FAILED', `perf record wrote no data for: ${o.command}`, { hint: 'run the command by hand under perf record to see why', detail: tail(perf.stderr() + perf.stdout()) });
    }
    // perf script reads the JIT maps now, before they are cleaned up.
    const txt = o.dataPath.replace(/\.data$/, '') + '.perf-script.txt';
    const script = await run(['sh', '-c', 'exec perf script -i "$1" > "$2"', 'sh', o.dataPath, txt], { timeoutMs: 600_000 });
    if (script.status !== 0) throw new ThawError('E_PERF_FAILED', `perf script failed on ${o.dataPath}`, { hint: 'is the perf.data complete? try perf script -i by hand', detail: tail(script.stderr) });
    const { folder } = await foldFile(txt, { threads: 1 });
    removeJitFiles(folder.tids, cwd, since);
    if (!o.keep) {
      for (const f of [txt, o.dataPath]) {
        try {
          unlinkSync(f);
        } catch {
          /* gone */
        }
      }
    }
    return { folder, wallMs, readyMs, exitStatus: exit.status, stderrTail: tail(perf.stderr(), 8) };
  } catch (e) {
    if (!o.keep) {
      try {
        unlinkSync(o.dataPath);
      } catch {
        /* none written */
      }
    }
    throw e;
  } finally {
    if (killer) clearTimeout(killer);
    if (!perf.done) await perf.kill(2000);
    if (nodeFlags) removeJitFiles(deadLogPids(cwd, since), cwd, since);
  }
}
