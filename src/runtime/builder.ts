/**
 * The builder prelude: runs inside `node --build-snapshot`, around the app. Bundled in front
 * of the app by src/snapshot/bundle.ts; never imported by a cold app.
 *
 * Flow: install guards (deferred built-ins, entropy, env tracking, handle tracking) → run the
 * app's top level → wait for its init to settle → serve the warm-up requests in memory →
 * beforeCheckpoint hooks (reverse registration order) → wait until no live handle is left →
 * write the report → let the event loop drain, at which point Node serialises the heap.
 *
 * The snapshot builder emits 'beforeExit' once and never spins the loop again afterwards
 * (checked on Node 20, 24 and 26), so async work after init must not rely on it: thaw keeps
 * its own interval alive until the checkpoint is ready and then clears it.
 */
import { renameSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import { configureDeferred, deferredUse, deliver, listenServers, restoreDeferred, serverCount, warmupTarget, type ModuleShape, type WarmupRequest, type WarmupResult } from './deferred.js';
import { entropyDraws, guardEntropy, reseedEntropy } from './entropy.js';
import { notifyCheckpoint, notifyRestore, nowMs, state } from './state.js';
import { mapRestoredStacks } from './stacks.js';

export interface BuildConfig {
  /** The bundle's //# sourceURL: how frames of the app name it (see stacks.ts). */
  bundleUrl: string;
  /** What process.argv[1] is in a cold start; restored processes get it back at argv[1]. */
  argv1: string;
  reportPath: string;
  warmup: WarmupRequest[];
  shapes: Record<string, ModuleShape>;
  /** How long init may stay unchanged with live handles before warm-up starts anyway. */
  settleMs: number;
  /** How long handles may stay open after the checkpoint hooks before the build fails. */
  drainMs: number;
  requestTimeoutMs: number;
}

export interface LiveHandle {
  type: string;
  stack: string;
  detail?: string;
}

export interface BuildReport {
  ok: boolean;
  phase: string;
  error?: { kind: string; code?: string; name?: string; message: string; stack?: string; causes?: Array<{ resource: string; message: string; stack?: string }> };
  blockers: LiveHandle[];
  liveAtInit: LiveHandle[];
  warmup: WarmupResult[];
  envRead: string[];
  envEnumerated: boolean;
  entropy: Array<{ fn: string; stack: string }>;
  deferred: Record<string, string[]>;
  servers: { created: number; listening: number };
  warnings: string[];
  appMain: boolean;
  resources: number;
  initMs: number;
  warmupMs: number;
}

let config: BuildConfig;
const started = nowMs();
const report: BuildReport = {
  ok: false,
  phase: 'prelude',
  blockers: [],
  liveAtInit: [],
  warmup: [],
  envRead: [],
  envEnumerated: false,
  entropy: [],
  deferred: {},
  servers: { created: 0, listening: 0 },
  warnings: [],
  appMain: false,
  resources: 0,
  initMs: 0,
  warmupMs: 0,
};

// --- environment tracking ---------------------------------------------------------------------
const realEnv = process.env;
const envRead = new Set<string>();
let envEnumerated = false;
/** Keys handed out by an enumeration (Object.keys asks a descriptor of each): not reads. */
let enumerating = new Set<string | symbol>();

function trackEnv(): void {
  process.env = new Proxy(realEnv, {
    get(t, k, r) {
      if (typeof k === 'string') envRead.add(k);
      return Reflect.get(t, k, r);
    },
    has(t, k) {
      if (typeof k === 'string') envRead.add(k);
      return Reflect.has(t, k);
    },
    getOwnPropertyDescriptor(t, k) {
      if (!enumerating.delete(k) && typeof k === 'string') envRead.add(k);
      return Reflect.getOwnPropertyDescriptor(t, k);
    },
    ownKeys(t) {
      envEnumerated = true;
      const keys = Reflect.ownKeys(t);
      enumerating = new Set(keys);
      return keys;
    },
  });
}

// --- handle tracking (for settling and for naming what blocks a checkpoint) --------------------
interface Tracked {
  type: string;
  resource: any;
  stack: string;
  done: boolean;
}
const tracked = new Map<number, Tracked>();
const REQUEST = /REQ|WRAP$/;
const IGNORED = new Set(['PROMISE', 'TickObject', 'Microtask', 'ELDHISTOGRAM', 'RANDOMBYTESREQUEST', 'PBKDF2REQUEST', 'SCRYPTREQUEST', 'HASHREQUEST']);
/** stdin/stdout/stderr handles never block a checkpoint; they are recognised by their
 * creation stack (reading process.stdin to compare would itself load net and readline). */
const STDIO = /\bget(Stdout|Stderr|Stdin)\b|createWritableStdioStream/;

// node:async_hooks is loaded in begin(), after the warning printer is gone: a printed warning
// would initialise stderr and pull more of Node into the snapshot.
let hook: { enable(): unknown; disable(): unknown };
const hookCallbacks = {
  init(id: number, type: string, _trigger: number, resource: any) {
    // Only Node's own providers (async_wrap.h: TCPWRAP, FSREQCALLBACK, …) and timers are
    // handles or requests; an AsyncResource a library makes ('bound-anonymous-fn') is neither.
    if (IGNORED.has(type) || !(type === 'Timeout' || type === 'Immediate' || /^[A-Z0-9_]+$/.test(type))) return;
    const saved = Error.stackTraceLimit;
    Error.stackTraceLimit = 30;
    const stack = new Error().stack ?? '';
    Error.stackTraceLimit = saved;
    if ((type === 'TTYWRAP' || type === 'PIPEWRAP') && STDIO.test(stack)) return;
    tracked.set(id, { type, resource, stack, done: false });
  },
  after(id: number) {
    const t = tracked.get(id);
    // A request (fs, dns, write…) is over once its callback ran; handles live until destroy.
    if (t && t.type !== 'Timeout' && t.type !== 'Immediate' && REQUEST.test(t.type) && !/HANDLE|SERVER|TCPWRAP|PIPEWRAP|TTYWRAP|UDPWRAP|PROCESSWRAP|SIGNALWRAP|FSEVENTWRAP|STATWATCHER/.test(t.type)) t.done = true;
  },
  destroy(id: number) {
    tracked.delete(id);
  },
};

function isLive(t: Tracked): boolean {
  if (t.done) return false;
  const r = t.resource;
  if (t.type === 'Timeout') return !r._destroyed && (typeof r.hasRef !== 'function' || r.hasRef());
  if (typeof r?.hasRef === 'function') {
    try {
      return r.hasRef();
    } catch {
      return true;
    }
  }
  return true;
}

function describeHandle(t: Tracked): string | undefined {
  const r = t.resource;
  try {
    if (t.type === 'Timeout') return `${r._repeat ? 'setInterval' : 'setTimeout'}(…, ${r._idleTimeout} ms)`;
    const owner = r?.owner ?? r;
    if (owner && typeof owner.address === 'function') {
      const a = owner.address();
      if (a && typeof a === 'object') return `${t.type === 'TCPSERVERWRAP' ? 'listening on' : 'local'} ${a.address}:${a.port}${owner.remotePort ? ` → ${owner.remoteAddress}:${owner.remotePort}` : ''}`;
    }
    if (typeof r?.fd === 'number' && r.fd >= 0) return `fd ${r.fd}`;
    if (owner?.pid) return `child process ${owner.pid}`;
  } catch {
    /* a handle mid-close */
  }
  return undefined;
}

function liveHandles(): LiveHandle[] {
  const out: LiveHandle[] = [];
  for (const t of tracked.values()) if (isLive(t)) out.push({ type: t.type, stack: t.stack, detail: describeHandle(t) });
  return out;
}

function liveSignature(): string {
  const ids: number[] = [];
  for (const [id, t] of tracked) if (isLive(t)) ids.push(id);
  return ids.join(',');
}

// --- report and failure -----------------------------------------------------------------------
function errorInfo(kind: string, e: unknown): BuildReport['error'] {
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

function writeReport(): void {
  report.envRead = [...envRead].sort();
  report.envEnumerated = envEnumerated;
  report.entropy = entropyDraws();
  report.deferred = deferredUse();
  report.servers = serverCount();
  report.resources = state().resources.length;
  const tmp = `${config.reportPath}.tmp`;
  writeFileSync(tmp, JSON.stringify(report));
  renameSync(tmp, config.reportPath);
}

let failed = false;
function fail(kind: string, e: unknown, blockers: LiveHandle[] = []): void {
  if (failed) return;
  failed = true;
  report.ok = false;
  report.error = errorInfo(kind, e);
  report.blockers = blockers;
  try {
    writeReport();
  } finally {
    // Exit without a snapshot. The CLI reads the report and explains.
    realExit.call(process, 3);
  }
}

// --- process-level listeners ------------------------------------------------------------------
const realExit = process.exit;
let savedWarningListeners: Function[] = [];
let buildListeners: Record<string, Function> = {};

/**
 * Signal listeners (`process.on('SIGTERM', …)`, the usual graceful shutdown) make Node open a
 * signal handle, which the snapshot cannot hold (the builder aborts). While building they are
 * kept aside and added for real after restore, in the order the app added them.
 */
const deferredSignals: Array<{ event: string; fn: Function; once: boolean; prepend: boolean }> = [];
let signalMethods: Array<[string, PropertyDescriptor | undefined]> = [];

function isSignal(event: unknown): event is string {
  return typeof event === 'string' && /^SIG[A-Z0-9]+$/.test(event) && event in ((process as any).getBuiltinModule('node:os').constants.signals as object);
}

function deferSignals(): void {
  const p = process as unknown as Record<string, Function>;
  /** Replace process[name]; `handle` returns true when it took care of a signal event. */
  const intercept = (name: string, handle: (event: string, fn: Function) => boolean): void => {
    const orig = p[name]!;
    signalMethods.push([name, Object.getOwnPropertyDescriptor(process, name)]);
    Object.defineProperty(process, name, {
      configurable: true,
      writable: true,
      value: function (this: unknown, event: unknown, fn: Function) {
        return isSignal(event) && handle(event, fn) ? process : orig.call(this, event, fn);
      },
    });
  };
  const adders: Array<[string, boolean, boolean]> = [
    ['on', false, false],
    ['addListener', false, false],
    ['once', true, false],
    ['prependListener', false, true],
    ['prependOnceListener', true, true],
  ];
  for (const [name, once, prepend] of adders) {
    intercept(name, (event, fn) => {
      deferredSignals.push({ event, fn, once, prepend });
      return true;
    });
  }
  for (const name of ['removeListener', 'off']) {
    intercept(name, (event, fn) => {
      const i = deferredSignals.findIndex((d) => d.event === event && d.fn === fn);
      if (i >= 0) deferredSignals.splice(i, 1);
      return i >= 0;
    });
  }
}

/** After restore: the real process methods, and the app's signal listeners for real. */
function restoreSignals(): void {
  for (const [name, desc] of signalMethods) {
    if (desc) Object.defineProperty(process, name, desc);
    else delete (process as unknown as Record<string, unknown>)[name];
  }
  signalMethods = [];
  for (const d of deferredSignals.splice(0)) {
    const method = d.prepend ? (d.once ? 'prependOnceListener' : 'prependListener') : d.once ? 'once' : 'on';
    (process as unknown as Record<string, Function>)[method]!.call(process, d.event, d.fn);
  }
}

// --- the flow ---------------------------------------------------------------------------------
let appMain: { fn: (data?: unknown) => unknown; data?: unknown } | undefined;
let keepAlive: NodeJS.Timeout | undefined;

/** thaw's own waits run with the hook off, so they never count as the app's handles. */
let hookOn = false;
function own<T>(make: () => T): T {
  if (!hookOn) return make();
  hook.disable();
  try {
    return make();
  } finally {
    hook.enable();
  }
}
const sleep = (ms: number): Promise<void> => new Promise((r) => own(() => setTimeout(r, ms)));
const tick = (): Promise<void> => new Promise((r) => own(() => setImmediate(r)));

/** Wait until the app's own handles are gone, or stay unchanged for `stableMs`. */
async function settle(stableMs: number): Promise<'empty' | 'stable'> {
  let sig = liveSignature();
  let since = nowMs();
  let emptyTicks = 0;
  for (;;) {
    await tick();
    await sleep(5);
    const now = liveSignature();
    if (now === '') {
      if (++emptyTicks >= 2) return 'empty';
      continue;
    }
    emptyTicks = 0;
    if (now !== sig) {
      sig = now;
      since = nowMs();
    } else if (nowMs() - since >= stableMs) {
      return 'stable';
    }
  }
}

async function flow(): Promise<void> {
  report.phase = 'init';
  const initSettle = await settle(serverCount().listening > 0 ? Math.min(300, config.settleMs) : config.settleMs);
  if (initSettle === 'stable') report.liveAtInit = liveHandles();
  report.initMs = nowMs() - started;

  report.phase = 'warmup';
  const t0 = nowMs();
  if (config.warmup.length) {
    const server = warmupTarget();
    if (!server) {
      fail('warmup-no-server', new Error('the app created no http server during init, so there is nothing to send warm-up requests to'));
      return;
    }
    for (const r of config.warmup) {
      for (let i = 0; i < (r.repeat ?? 1); i++) {
        let res;
        try {
          res = await deliver(server, r, config.requestTimeoutMs);
        } catch (e) {
          fail('warmup-threw', Object.assign(e instanceof Error ? e : new Error(String(e)), { request: `${r.method} ${r.path}` }));
          return;
        }
        report.warmup.push({ method: res.method, path: res.path, status: res.status, bytes: res.bytes, ms: res.ms });
        if (res.status >= 500) {
          fail('warmup-5xx', Object.assign(new Error(`warm-up request ${res.method} ${res.path} was answered ${res.status}${res.body ? `: ${res.body.slice(0, 200).replace(/\s+/g, ' ')}` : ''}`), { code: 'E_WARMUP_5XX' }));
          return;
        }
      }
    }
  }
  report.warmupMs = nowMs() - t0;

  report.phase = 'checkpoint';
  state().phase = 'checkpointing';
  try {
    await notifyCheckpoint();
  } catch (e) {
    fail('checkpoint-hooks', e);
    return;
  }

  report.phase = 'drain';
  const deadline = nowMs() + config.drainMs;
  while (liveSignature() !== '' && nowMs() < deadline) {
    await tick();
    await sleep(5);
  }
  const left = liveHandles();
  if (left.length) {
    fail('live-handles', new Error(`${left.length} handle(s) still open at checkpoint`), left);
    return;
  }
  report.phase = 'serialize';
  report.ok = true;
  finish();
}

function finish(): void {
  process.exit = realExit;
  hook.disable();
  hookOn = false;
  tracked.clear();
  process.env = realEnv;
  // The restored process must print warnings and die loudly on uncaught errors, as usual.
  for (const [event, fn] of Object.entries(buildListeners)) process.removeListener(event, fn as (...a: unknown[]) => void);
  for (const fn of savedWarningListeners) process.on('warning', fn as (w: Error) => void);
  writeReport();
  if (keepAlive) clearInterval(keepAlive);
  keepAlive = undefined;
}

// --- restore ----------------------------------------------------------------------------------
function fatal(code: string, message: string, hint: string): never {
  process.stderr.write(`thaw: error: [${code}] ${message}\n  fix: ${hint}\n`);
  process.exit(1);
}

function isSea(): boolean {
  // An image started through IMG/start names its blob; only a single executable does not
  // (and only then is node:sea worth loading).
  if (process.execArgv.includes('--snapshot-blob')) return false;
  try {
    return (process as any).getBuiltinModule('node:sea')?.isSea?.() === true;
  } catch {
    return false;
  }
}

function restoreMain(): void {
  const s = state();
  s.phase = 'restoring';
  // THAW_TRACE_RESTORE=1 prints when each restore step ends (ms since the process started).
  // (Collected and printed at the end: the first write to stderr itself costs milliseconds.)
  const marks: string[] = [];
  const trace = process.env.THAW_TRACE_RESTORE
    ? (step: string) => {
        marks.push(`${step} ${performance.now().toFixed(1)}`);
        if (step === 'listen') process.stderr.write(`thaw: restore (ms since process start): ${marks.join(', ')}\n`);
      }
    : undefined;
  trace?.('main');
  reseedEntropy();
  // A cold start has the script at argv[1]; `node --snapshot-blob B -- ARGS` has none, and a
  // single executable has itself there.
  process.argv.splice(1, isSea() ? 1 : 0, config.argv1);
  restoreDeferred();
  restoreSignals();
  mapRestoredStacks(config.bundleUrl);
  trace?.('deferred');
  const done = (): void => {
    listenServers(fatal);
    trace?.('listen');
    s.phase = 'restored';
    if (appMain) appMain.fn(appMain.data);
  };
  if (s.resources.length === 0) return done();
  notifyRestore().then(done, (e: Error & { causes?: Array<{ resource: string; error: unknown }> }) => {
    const causes = (e.causes ?? []).map((c) => `\n  | ${c.resource}: ${c.error instanceof Error ? (c.error.stack ?? c.error.message) : String(c.error)}`).join('');
    fatal('E_RESTORE_HOOK', `afterRestore failed in ${e.causes?.length ?? 1} resource(s)${causes}`, 'fix the afterRestore() named above; the image itself is fine');
  });
}

/** Called by the generated entry before the app's code. */
export function begin(cfg: BuildConfig): void {
  config = cfg;
  state().phase = 'building';
  // node-features.ts 'builder-no-stack-trace-limit' (Node 20): without it errors have no stack.
  if (typeof Error.stackTraceLimit !== 'number') Error.stackTraceLimit = 10;
  process.argv[1] = cfg.argv1;
  // A native addon's memory cannot be serialised: say which one instead of crashing later.
  const dlopen = process.dlopen;
  process.dlopen = function (module: { exports: unknown }, filename: string, ...rest: unknown[]) {
    if (state().phase === 'building' || state().phase === 'checkpointing') {
      throw Object.assign(new Error(`native addon ${filename} cannot be loaded into a snapshot`), { code: 'E_NATIVE_ADDON' });
    }
    return (dlopen as (...a: unknown[]) => unknown).call(process, module, filename, ...rest);
  } as typeof process.dlopen;
  // Warnings about unverified built-ins go to the report (and the doctor), not the terminal.
  // Node's own warning printer goes while building and comes back before the checkpoint.
  savedWarningListeners = process.listeners('warning');
  process.removeAllListeners('warning');
  buildListeners = {
    warning: (w: Error) => {
      const m = /built-in module "([^"]+)"/.exec(w.message);
      report.warnings.push(m ? `node:${m[1]} is not verified to work in a snapshot by Node itself` : `${w.name}: ${w.message}`);
    },
    uncaughtException: (e: unknown) => fail(report.phase === 'init' || report.phase === 'prelude' ? 'init-threw' : `${report.phase}-threw`, e),
    unhandledRejection: (e: unknown) => fail(`${report.phase}-rejection`, e),
  };
  for (const [event, fn] of Object.entries(buildListeners)) process.on(event as 'warning', fn as (w: Error) => void);
  deferSignals();
  // An app that exits during init (a CLI, or `process.exit(1)` on bad config) makes no snapshot:
  // say so with the place, rather than a bare exit code.
  process.exit = function (code?: number | string | null) {
    if (state().phase === 'building' || state().phase === 'checkpointing') {
      fail('app-exit', Object.assign(new Error(`the app called process.exit(${code ?? ''}) during the build`), { code: 'E_APP_EXIT' }));
    }
    return realExit.call(process, code as number);
  } as typeof process.exit;
  guardEntropy();
  trackEnv();
  configureDeferred(cfg.shapes, () => envRead);
  const snap = v8.startupSnapshot;
  snap.setDeserializeMainFunction(restoreMain);
  // One main function (as Node's own startup_snapshot.js allows): the app's runs after
  // thaw's restore steps.
  (snap as { setDeserializeMainFunction: unknown }).setDeserializeMainFunction = (fn: (data?: unknown) => unknown, data?: unknown) => {
    if (appMain) throw new Error('setDeserializeMainFunction() was already called');
    appMain = { fn, data };
    report.appMain = true;
  };
  keepAlive = setInterval(() => undefined, 1000);
  hook = (process as any).getBuiltinModule('node:async_hooks').createHook(hookCallbacks);
  hook.enable();
  hookOn = true;
}

/** Run the app's top level, then the rest of the flow. */
export function runApp(load: () => unknown): void {
  report.phase = 'init';
  try {
    load();
  } catch (e) {
    fail('init-threw', e);
    return;
  }
  flow().catch((e) => fail(`${report.phase}-threw`, e));
}
