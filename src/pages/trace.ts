/**
 * `thaw pages trace`: every page fault of a command from its exec until it is ready (the HTTP
 * probe of thaw bench answers 2xx) or exits, recorded by perf, then a snapshot of its page map
 * while it is still alive.
 *
 * perf record runs the command itself (so nothing is missed before the first probe), with
 *   -k mono   timestamps on CLOCK_MONOTONIC, the clock of process.hrtime, so the moment the probe
 *             saw the app ready lands on the fault timeline;
 *   -c 1 -d   every event sampled, with its data address;
 *   exceptions:page_fault_user/kernel   address, ip and the x86 error code (write / fetch);
 *   major-faults   which of those faults needed I/O.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { which } from '../launch/which.js';
import { basename, dirname, join } from 'node:path';
import { ThawError, tail } from '../errors.js';
import { DEFAULT_PROBE_URL, resolveProbe, waitReady, type ProbeSpec } from '../launch/probe.js';
import { freePort } from '../launch/port.js';
import { descendants, monotonicMs, run, start } from '../launch/spawn.js';
import type { FaultTrace } from '../model/faults.js';
import type { PageMap } from '../model/page-map.js';
import { attributeFaults, plural } from '../model/pages-summary.js';
import { importNmt } from '../import/nmt.js';
import type { NmtReport } from '../model/pages-nmt.js';
import { perfFaultReader } from './perf-faults.js';
import { readExe } from './proc.js';
import { snapshot } from './capture.js';

export const PERF_EVENTS = ['exceptions:page_fault_user', 'exceptions:page_fault_kernel', 'major-faults'];
/** Where the x86 exceptions tracepoints are missing (arm64…): addresses, but no read/write. */
export const PERF_EVENTS_FALLBACK = ['page-faults', 'major-faults'];

/**
 * The page-fault events this machine offers. perf is asked, not /sys: tracefs may not be mounted
 * until perf itself mounts it, and then /sys/kernel/tracing is empty while perf has the events.
 */
async function faultEvents(say?: (msg: string) => void): Promise<string[]> {
  const r = await run(['perf', 'list', '--raw-dump', 'tracepoint'], { timeoutMs: 30_000 }).catch(() => undefined);
  if (r && r.status === 0 && /\bexceptions:page_fault_user\b/.test(r.stdout)) return PERF_EVENTS;
  say?.("perf has no exceptions:page_fault_user tracepoint here: tracing with its software page-faults event (addresses, no read/write/exec)");
  return PERF_EVENTS_FALLBACK;
}

export interface TraceOptions {
  argv: readonly string[];
  name: string;
  /** Scratch space for perf.data (removed afterwards). */
  workDir: string;
  /** null: no probe, trace until the command exits. */
  ready: ProbeSpec | null;
  timeoutMs: number;
  env?: Record<string, string | undefined>;
  progress?: (msg: string) => void;
}

export interface TraceResult {
  trace: FaultTrace;
  /** The page map at readiness; undefined when the command exited first. */
  map?: PageMap;
  exitStatus?: number;
  port: number;
  /** NMT of traced JVMs started with -XX:NativeMemoryTracking=detail (read with jcmd at readiness). */
  nmt: NmtReport[];
  /** Faults recorded after readiness and left out of the trace. */
  afterReady: number;
}

/** `jcmd PID VM.native_memory detail` for every traced JVM that has NMT at detail level. */
async function collectNmt(pids: readonly number[]): Promise<NmtReport[]> {
  const out: NmtReport[] = [];
  for (const pid of pids) {
    const exe = readExe(pid);
    if (!exe || basename(exe) !== 'java') continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline.split('\0').includes('-XX:NativeMemoryTracking=detail')) continue;
    const jcmd = join(dirname(exe), 'jcmd');
    const r = await run([existsSync(jcmd) ? jcmd : 'jcmd', String(pid), 'VM.native_memory', 'detail'], { timeoutMs: 60_000 });
    const report = r.status === 0 ? importNmt(r.stdout) : null;
    if (report) out.push(report);
  }
  return out;
}

async function checkPerf(): Promise<void> {
  let r;
  try {
    r = await run(['perf', 'version'], { timeoutMs: 20_000 });
  } catch (e) {
    if (e instanceof ThawError && e.code === 'E_COMMAND_NOT_FOUND') {
      throw new ThawError('E_PERF_MISSING', 'perf is not installed', { hint: 'apt-get install linux-perf (Debian) or linux-tools-$(uname -r) (Ubuntu)' });
    }
    throw e;
  }
  if (r.status !== 0) throw new ThawError('E_PERF_MISSING', 'perf does not run', { detail: tail(r.stderr) });
}

/** The command must exist before perf runs it: perf's own failure says nothing useful. */
function checkCommand(cmd: string): void {
  if (which(cmd)) return;
  throw new ThawError('E_COMMAND_NOT_FOUND', `command not found: ${cmd}`, { hint: cmd.includes('/') ? 'check the path (and that it is executable)' : 'check the spelling, or give the full path' });
}

export async function tracePageFaults(opts: TraceOptions): Promise<TraceResult> {
  if (opts.argv.length === 0) throw new ThawError('E_USAGE', 'no command to trace', { hint: 'thaw pages trace -o DIR -- node server.js' });
  checkCommand(opts.argv[0]!);
  await checkPerf();
  const tmp = mkdtempSync(join(opts.workDir, '.thaw-perf-'));
  const data = join(tmp, 'perf.data');
  const port = await freePort();
  try {
    const events = await faultEvents((m) => (opts.progress ? opts.progress(m) : process.stderr.write(`thaw: note: ${m}\n`)));
    const perfArgv = ['perf', 'record', '-q', '-B', '-N', '-k', 'mono', ...events.flatMap((e) => ['-e', e]), '-c', '1', '-d', '-o', data, '--', ...opts.argv];
    opts.progress?.(`tracing page faults of: ${opts.argv.join(' ')}`);
    const perf = start(perfArgv, { env: { PORT: String(port), ...opts.env }, stdio: 'pipe' });
    const deadline = performance.now() + opts.timeoutMs;
    let readyMono: number | undefined;
    let map: PageMap | undefined;
    let nmt: NmtReport[] = [];
    if (opts.ready) {
      const probe = resolveProbe({ url: DEFAULT_PROBE_URL, ...opts.ready }, port);
      try {
        await waitReady(probe, { deadline, abort: () => (perf.done ? 'exited' : null) });
        readyMono = monotonicMs();
      } catch (e) {
        if (!(e instanceof ThawError) || e.code !== 'E_PROBE_ABORTED') {
          await perf.kill();
          if (e instanceof ThawError && e.code === 'E_NOT_READY') {
            throw new ThawError('E_TRACE_TIMEOUT', `${opts.argv.join(' ')} was not ready within ${opts.timeoutMs} ms (${e.message})`, {
              hint: 'give --ready URL for a server on another path, --no-ready for a command that runs to its end, or a larger --timeout',
              detail: tail(perf.stderr()),
            });
          }
          throw e;
        }
      }
    }
    if (readyMono !== undefined && !perf.done) {
      // Snapshot the app (perf's children and theirs) while it is alive, then stop perf: on
      // SIGINT perf record stops, SIGTERMs the command, and writes perf.data out.
      const pids = descendants(perf.pid);
      opts.progress?.(`ready after the probe; snapshot of ${plural(pids.length, 'process', 'processes')}`);
      try {
        map = snapshot(pids, { kernel: false, pagecache: 'mapped' });
        nmt = await collectNmt(pids);
      } catch (e) {
        if (!(e instanceof ThawError && e.code === 'E_NO_PROCESS')) throw e;
      }
      try {
        process.kill(perf.pid, 'SIGINT');
      } catch {
        /* already gone */
      }
    } else if (!opts.ready) {
      const timer = setTimeout(() => void perf.kill(), Math.max(0, deadline - performance.now()));
      await perf.exited.finally(() => clearTimeout(timer));
    }
    const stopTimer = setTimeout(() => void perf.kill(), 30_000);
    const exit = await perf.exited.finally(() => clearTimeout(stopTimer));
    await perf.kill(); // whatever the command left behind in its process group
    if (readyMono === undefined && exit.signal === 'SIGKILL') {
      throw new ThawError('E_TRACE_TIMEOUT', `${opts.argv.join(' ')} did not finish within ${opts.timeoutMs} ms`, { hint: 'raise --timeout', detail: tail(perf.stderr()) });
    }
    if (exit.status !== 0 && /event syntax error|Permission denied|not supported|No permission/i.test(perf.stderr())) {
      throw new ThawError('E_PERF_RECORD', 'perf record could not record page-fault events', {
        hint: 'run as root (tracepoints need it, or kernel.perf_event_paranoid=-1)',
        detail: tail(perf.stderr()),
      });
    }
    opts.progress?.('reading perf.data');
    const reader = perfFaultReader(opts.name);
    let pending = '';
    const script = start(['perf', 'script', '-i', data, '--show-mmap-events', '--show-task-events', '-F', 'comm,pid,tid,time,event,trace,addr,ip'], {
      stdio: 'pipe',
      keepBytes: 64 * 1024,
      onOutput: (stream, chunk) => {
        if (stream !== 'stdout') return;
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const l of lines) reader.line(l);
      },
    });
    const sexit = await script.exited;
    if (pending) reader.line(pending);
    if (sexit.status !== 0) throw new ThawError('E_PERF_SCRIPT', `perf script failed on ${data}`, { detail: tail(script.stderr()) });
    const { builder, originMs, exes } = reader.done();
    builder.processes = Object.fromEntries(exes);
    if (builder.count === 0) {
      throw new ThawError('E_NO_FAULTS', `perf recorded no page faults for ${opts.argv.join(' ')}`, {
        hint: 'check that the command runs (its stderr is below) and that perf can record tracepoints (run as root)',
        detail: tail(perf.stderr()),
      });
    }
    for (let i = 0; i < builder.count; i++) {
      const f = builder.at(i);
      builder.set(i, { ...f, time: Math.round((f.time - originMs) * 1000) / 1000 });
    }
    builder.command = [...opts.argv];
    builder.pid = perf.pid; // replaced below by the command's own pid when known
    if (readyMono !== undefined) builder.readyMs = Math.round((readyMono - originMs) * 1000) / 1000;
    let trace = builder.build();
    const leader = trace.faults[0]?.pid;
    // Faults after readiness (the snapshot, jcmd attaching, perf stopping) are not the start's.
    const readyMs = trace.readyMs;
    const kept = readyMs === undefined ? trace.faults : trace.faults.filter((f) => f.time <= readyMs);
    const afterReady = trace.faults.length - kept.length;
    trace = Object.freeze({ ...trace, pid: leader, faults: Object.freeze(kept) });
    trace = attributeFaults(trace, map, nmt);
    return { trace, map, exitStatus: readyMono === undefined ? exit.status : undefined, port, nmt, afterReady };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
