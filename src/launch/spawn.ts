/**
 * The one place thaw spawns processes (after tsx's run.ts): explicit stdio, a copied
 * environment, each child in its own process group so the whole tree can be killed, every live
 * child killed when thaw itself exits or is interrupted, and exit codes mapped as 128+signal.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { ThawError, tail } from '../errors.js';

export interface SpawnOptions {
  cwd?: string;
  /** Variables added to (or, with value undefined, removed from) a copy of process.env. */
  env?: Record<string, string | undefined>;
  /** Start from an empty environment instead of a copy of process.env. */
  cleanEnv?: boolean;
  /** 'pipe' captures output (kept in a bounded tail), 'inherit' passes the terminal through. */
  stdio?: 'pipe' | 'inherit' | 'ignore';
  /** stdin on its own: 'pipe' to write to the child (a VM's serial console); default from stdio. */
  stdin?: 'pipe' | 'inherit' | 'ignore';
  /**
   * Send stdout and stderr to this file instead (created or truncated); stdout()/stderr() then
   * read its tail. The snapshot builder runs so: a pipe on fd 1/2 would make Node load net into
   * the app's snapshot the first time anything is written.
   */
  logFile?: string;
  /** Extra descriptors past stdio, e.g. ['pipe'] for a status channel on fd 3. */
  extraFds?: Array<'pipe' | 'ignore'>;
  /** Bytes of stdout/stderr kept for error messages and probes. */
  keepBytes?: number;
  /** Called for every chunk of output as it arrives (probes match regexes on it). */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: string) => void;
}

/** Now on the monotonic clock every process on the machine shares (process.hrtime), ms. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The shell convention: the code, or 128 + signal number. */
  status: number;
}

export interface Child {
  readonly pid: number;
  readonly argv: readonly string[];
  readonly proc: ChildProcess;
  readonly exited: Promise<Exit>;
  /** Has the child exited (so far)? */
  readonly done: boolean;
  stdout(): string;
  stderr(): string;
  /** SIGTERM the whole tree, then SIGKILL whatever is left after graceMs. */
  kill(graceMs?: number): Promise<Exit>;
}

const live = new Set<Child>();
/** Paths not finished yet (a build's temporary image): removed if thaw exits before keeping them. */
const unfinished = new Set<string>();
let exitHookInstalled = false;

/** Is pid a live process (not gone, not a zombie: a zombie holds no socket and writes nothing)? */
export function running(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) [ZX]/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Install the exit hook and the default SIGINT/SIGTERM/SIGHUP handlers now (they are otherwise
 * installed by the first start() or removeOnExit()): a program that stops its children in an
 * order of its own on a signal replaces those handlers after this call.
 */
export function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    const pids = [...live].flatMap((c) => [c.pid, ...descendants(c.pid)]);
    for (const c of live) killTreeNow(c.pid, 'SIGKILL');
    if (!unfinished.size) return;
    // A child still dying could write into what is about to be removed: wait until it is gone
    // (at most half a second; SIGKILL takes microseconds).
    const wait = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 100 && pids.some(running); i++) Atomics.wait(wait, 0, 0, 5);
    for (const p of unfinished) rmSync(p, { recursive: true, force: true });
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      process.stderr.write(`\nthaw: interrupted (${sig})${live.size ? '; stopped what it had started' : ''}${unfinished.size ? ', kept nothing half-written' : ''}\n`);
      process.exit(128 + (osConstants.signals[sig] ?? 0));
    });
  }
}

/**
 * Remove `path` (a temporary file or directory) if thaw exits or is interrupted before it is
 * finished; returns the function that forgets it once it is kept or removed.
 */
export function removeOnExit(path: string): () => void {
  installExitHook();
  unfinished.add(path);
  return () => unfinished.delete(path);
}

/** Every descendant of pid, found through /proc/PID/task/TID/children (children first). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number): void => {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      let kids = '';
      try {
        kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const k of kids.split(' ')) {
        const n = Number(k);
        if (n > 0) {
          visit(n);
          out.push(n);
        }
      }
    }
  };
  visit(pid);
  return out;
}

function killTreeNow(pid: number, signal: NodeJS.Signals): void {
  // The process group covers the usual tree; descendants that moved to a group or session of
  // their own (daemonising servers, `setsid`) are found through /proc and signalled one by one.
  for (const d of descendants(pid)) {
    try {
      process.kill(d, signal);
    } catch {
      /* already gone */
    }
  }
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

class Ring {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  push(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    while (this.size > this.limit && this.parts.length > 1) this.size -= this.parts.shift()!.length;
  }
  text(): string {
    const t = this.parts.join('');
    return t.length > this.limit ? t.slice(t.length - this.limit) : t;
  }
}

/**
 * What stops thaw's children when thaw itself is killed with -9 (no exit hook runs then): a
 * shell, started once, that reads the process group of every child thaw starts ("+PGID") or
 * reaps ("-PGID") from a pipe. The pipe closes when thaw dies, however it dies, and the shell
 * then kills the groups still listed: a `node --build-snapshot` builder, a server being
 * verified or benchmarked, perf, with whatever they started in their group.
 */
const GUARDIAN = `trap '' INT TERM HUP
g=' '
while read -r l; do
  case $l in
    +*) g="$g\${l#+} " ;;
    -*) p=\${l#-}; case $g in *" $p "*) g="\${g%% $p *} \${g#* $p }" ;; esac ;;
  esac
done
for p in $g; do kill -s KILL -- "-$p" 2>/dev/null; done`;
let guardian: ChildProcess | null | undefined;

function guard(line: string): void {
  if (guardian === null) return;
  if (!guardian) {
    try {
      guardian = spawn('/bin/sh', ['-c', GUARDIAN], { cwd: '/', stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    } catch {
      guardian = null;
      return;
    }
    // Without /bin/sh thaw still kills its children on every exit but -9.
    guardian.on('error', () => (guardian = null));
    guardian.stdin!.on('error', () => (guardian = null));
    guardian.unref();
    (guardian.stdin as unknown as { unref?: () => void }).unref?.();
  }
  guardian.stdin!.write(`${line}\n`);
}

/** Start argv[0] with argv[1..]; the child leads a new process group. */
export function start(argv: readonly string[], opts: SpawnOptions = {}): Child {
  if (argv.length === 0) throw new ThawError('E_USAGE', 'empty command');
  installExitHook();
  const env: Record<string, string> = {};
  if (!opts.cleanEnv) for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const mode = opts.stdio ?? 'pipe';
  const logFd = opts.logFile ? openSync(opts.logFile, 'w') : undefined;
  const stdio: StdioOptions = logFd !== undefined ? ['ignore', logFd, logFd, ...(opts.extraFds ?? [])] : [opts.stdin ?? (mode === 'inherit' ? 'inherit' : 'ignore'), mode, mode, ...(opts.extraFds ?? [])];
  let proc: ChildProcess;
  try {
    proc = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd, env, stdio, detached: true });
  } finally {
    if (logFd !== undefined) closeSync(logFd);
  }
  const logTail = (): string => {
    if (!opts.logFile) return '';
    try {
      const t = readFileSync(opts.logFile, 'utf8');
      return t.length > (opts.keepBytes ?? 64 * 1024) ? t.slice(-(opts.keepBytes ?? 64 * 1024)) : t;
    } catch {
      return '';
    }
  };
  const out = new Ring(opts.keepBytes ?? 64 * 1024);
  const err = new Ring(opts.keepBytes ?? 64 * 1024);
  proc.stdout?.setEncoding('utf8');
  proc.stderr?.setEncoding('utf8');
  proc.stdout?.on('data', (c: string) => {
    out.push(c);
    opts.onOutput?.('stdout', c);
  });
  proc.stderr?.on('data', (c: string) => {
    err.push(c);
    opts.onOutput?.('stderr', c);
  });
  let done = false;
  const exited = new Promise<Exit>((resolve, reject) => {
    proc.once('error', (e: NodeJS.ErrnoException) => {
      done = true;
      live.delete(child);
      if (e.code === 'ENOENT') reject(new ThawError('E_COMMAND_NOT_FOUND', `command not found: ${argv[0]}`, { hint: 'check the spelling, or give the full path' }));
      else if (e.code === 'EACCES') reject(new ThawError('E_COMMAND_NOT_EXECUTABLE', `not executable: ${argv[0]}`, { hint: `chmod +x ${argv[0]}` }));
      else reject(e);
    });
    // 'close' waits for stdio to drain, so the captured tail is complete.
    proc.once('close', (code, signal) => {
      done = true;
      live.delete(child);
      if (proc.pid) guard(`-${proc.pid}`);
      const signum = signal ? (osConstants.signals[signal] ?? 0) : 0;
      resolve({ code, signal, status: code ?? 128 + signum });
    });
  });
  exited.catch(() => undefined);
  const child: Child = {
    pid: proc.pid ?? -1,
    argv,
    proc,
    exited,
    get done() {
      return done;
    },
    stdout: () => (opts.logFile ? logTail() : out.text()),
    stderr: () => (opts.logFile ? logTail() : err.text()),
    async kill(graceMs = 0) {
      if (!done && proc.pid) {
        if (graceMs > 0) {
          killTreeNow(proc.pid, 'SIGTERM');
          const t = setTimeout(() => killTreeNow(proc.pid!, 'SIGKILL'), graceMs);
          try {
            return await exited;
          } finally {
            clearTimeout(t);
          }
        }
        killTreeNow(proc.pid, 'SIGKILL');
      } else if (proc.pid) {
        // The leader is gone but members of its group may live on.
        killTreeNow(proc.pid, 'SIGKILL');
      }
      return exited;
    },
  };
  if (proc.pid) {
    live.add(child);
    guard(`+${proc.pid}`);
  }
  return child;
}

export interface RunResult extends Exit {
  stdout: string;
  stderr: string;
}

/** Run to completion; with timeoutMs the tree is killed and E_TIMEOUT thrown. */
export async function run(argv: readonly string[], opts: SpawnOptions & { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  const child = start(argv, { keepBytes: 16 * 1024 * 1024, ...opts });
  let timer: NodeJS.Timeout | undefined;
  if (opts.timeoutMs) {
    timer = setTimeout(() => void child.kill(), opts.timeoutMs);
  }
  try {
    const exit = await child.exited;
    if (timer && exit.signal === 'SIGKILL') {
      throw new ThawError('E_TIMEOUT', `${argv.join(' ')} did not finish within ${opts.timeoutMs} ms`, { detail: tail(child.stderr()) });
    }
    return { ...exit, stdout: child.stdout(), stderr: child.stderr() };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Kill every child thaw started that is still alive (tests call this in after()). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.kill()));
}
