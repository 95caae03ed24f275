/**
 * The builder prelude's entry: runs inside `node --build-snapshot`, around the app. Bundled in
 * front of the app by src/snapshot/bundle/; never imported by a cold app.
 *
 * Flow: install the guest's parts (each registers its checkpoint/restore pair, in the order
 * restores need: entropy first) → run the app's top level (and, for an ES module entry with
 * top-level await, its evaluation to completion) → wait for init to settle → serve the warm-up
 * requests in memory → beforeCheckpoint hooks (reverse registration order) → close append-mode
 * streams → wait until no handle and no file is left open → write the report → let the event
 * loop drain, at which point Node runs the serialize callbacks and writes the heap.
 *
 * The snapshot builder emits 'beforeExit' once and never spins the loop again afterwards
 * (node-features.ts 'builder-before-exit-once'), so async work after init must not rely on it:
 * thaw keeps its own interval alive until the checkpoint is ready and then clears it.
 */
import v8 from 'node:v8';
import { nowMs, notifyCheckpoint, notifyRestore, state } from '../lifecycle.js';
import { isWrite, type BuildConfig, type LiveHandle } from '../protocol.js';
import { guardEntropy } from './entropy.js';
import { trackEnv } from './env.js';
import { openFiles, parkAppendStreams, trackFiles } from './files.js';
import { endInitTracking, own, connectionsMade, liveHandles, liveSignature, startTracking, stopTracking } from './handles.js';
import { parkHooks } from './hooks.js';
import { deferHttp, requestClasses } from './http.js';
import { routeRequires, type RequireSlot } from './modules.js';
import { collectServers, listenServers, listensIpv6, warmupTarget } from './servers.js';
import { fail, monotonicMs, pair, realExit, restoreMarks, session, openSession, writeReport } from './session.js';
import { deferSignals } from './signals.js';
import { mapStacks } from './stacks.js';
import { findComments, minifyPackages } from './minify.js';
import { deliver } from './warmup.js';
import { deferWebGlobals } from './web.js';
import { wrapIntl } from './intl.js';
import { fillBuiltins } from './builtins.js';
import { plainConsoleTasks } from './console.js';
import { emulateNewContexts } from './vm.js';
import { formatErrorStacks } from './errors.js';
import { patchNodeInternals } from './node-internals.js';
import { keepTickShapes } from './ticks.js';

/** Built-ins V8 cannot serialise; if one got loaded anyway, say which before V8 aborts. */
const HOSTILE: Record<string, string> = {
  'internal/deps/undici/undici': 'undici (the web fetch globals: fetch, Request, Response, Headers, FormData)',
  http2: 'node:http2',
  http: 'node:http',
  https: 'node:https',
  tls: 'node:tls',
};

let appMain: { fn: (data?: unknown) => unknown; data?: unknown } | undefined;
let keepAlive: NodeJS.Timeout | undefined;
let savedWarningListeners: Function[] = [];
let buildListeners: Record<string, Function> = {};
let modulesAtStart = new Set<string>();
/** Node's list of the built-ins loaded so far (`NativeModule http2` …), undocumented but stable since Node 0.x. */
const moduleLoadList = (): string[] => (process as unknown as { moduleLoadList: string[] }).moduleLoadList;

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

function hostileLoaded(): string[] {
  const out: string[] = [];
  for (const entry of moduleLoadList()) {
    if (modulesAtStart.has(entry)) continue;
    const m = /^NativeModule (.+)$/.exec(entry);
    if (m && HOSTILE[m[1]!]) out.push(HOSTILE[m[1]!]!);
  }
  return out;
}

/** An error page's text, without its markup (Express's default page is HTML around a stack). */
function readable(body: string): string {
  const text = body.replace(/<br\s*\/?>/gi, ' ').replace(/<[^>]+>/g, ' ').replace(/&nbsp;/g, ' ').replace(/&quot;/g, '"').replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16))).replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d))).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim();
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

async function flow(init: unknown): Promise<void> {
  const { config, report } = session();
  report.phase = 'init';
  // An ES module entry evaluated with top-level await: its evaluation is init.
  if (init && typeof (init as Promise<unknown>).then === 'function') await init;
  const initSettle = await settle(warmupTarget()?.listening ? Math.min(300, config.settleMs) : config.settleMs);
  if (initSettle === 'stable') report.liveAtInit = liveHandles();
  report.connectedAtInit = connectionsMade();
  report.initMs = nowMs() - session().startedMs;
  await endInitTracking();

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
          res = await deliver(server, r, config.requestTimeoutMs, { ...requestClasses(), own, ipv6: listensIpv6(server) });
        } catch (e) {
          fail('warmup-threw', Object.assign(e instanceof Error ? e : new Error(String(e)), { request: `${r.method} ${r.path}` }));
          return;
        }
        report.warmup.push({ method: res.method, path: res.path, status: res.status, bytes: res.bytes, ms: res.ms, write: isWrite(r) });
        if (res.status >= 500) {
          fail('warmup-5xx', Object.assign(new Error(`warm-up request ${res.method} ${res.path} was answered ${res.status}${res.body ? `: ${readable(res.body)}` : ''}`), { code: 'E_WARMUP_5XX' }));
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
  await parkAppendStreams(config.drainMs);
  // After the warm-up, so the tick objects' maps are the ones it left current.
  keepTickShapes();
  await tick();

  report.phase = 'drain';
  const deadline = nowMs() + config.drainMs;
  while ((liveSignature() !== '' || openFiles().length) && nowMs() < deadline) {
    await tick();
    await sleep(5);
  }
  const left: LiveHandle[] = liveHandles();
  for (const f of openFiles()) left.push({ type: 'FILE', stack: f.stack, detail: `fd ${f.fd} → ${f.path} (flags '${f.flags}')` });
  if (left.length) {
    fail('live-handles', new Error(`${left.length} handle(s) still open at checkpoint`), left);
    return;
  }
  const hostile = hostileLoaded();
  if (hostile.length) {
    report.hostileModules = hostile;
    fail('hostile-modules', Object.assign(new Error(`${hostile.join(' and ')} got loaded during the build, and V8 cannot put it in a snapshot`), { code: 'E_SNAPSHOT_HOSTILE' }));
    return;
  }
  report.phase = 'serialize';
  report.ok = true;
  finish();
}

function finish(): void {
  process.exit = realExit;
  stopTracking();
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

/** The main function of every restored process; the parts' restore steps have run by now. */
function restoreMain(): void {
  const s = state();
  const marks = restoreMarks();
  marks.main = monotonicMs();
  const done = (): void => {
    marks.hooks = monotonicMs();
    listenServers(fatal);
    marks.listen = monotonicMs();
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
export function begin(config: BuildConfig, slot: RequireSlot): void {
  const { report } = openSession(config);
  state().phase = 'building';
  modulesAtStart = new Set(moduleLoadList());
  patchNodeInternals(slot.builtin);
  // node-features.ts 'builder-no-stack-trace-limit' (Node 20): without it errors have no stack.
  if (typeof Error.stackTraceLimit !== 'number') Error.stackTraceLimit = 10;
  process.argv[1] = config.argv1;

  // The parts, in the order their restore steps must run.
  pair('the phase', undefined, () => {
    restoreMarks().restore = monotonicMs();
    state().phase = 'restoring';
    // IMG/start restores under --no-rehash-snapshot (snapshot/build.ts rehashFlags). V8 counts
    // every flag into the check of a code cache, so under it Node's built-in code caches are
    // refused and what loads from now on (node:http, then net and dns at listen) is parsed from
    // source: +4 ms for node:http, +2 ms for the first listen() (Node 22–26). Its work is done
    // once the heap is deserialised: the default back makes the caches fit again.
    if (process.execArgv.includes('--no-rehash-snapshot')) v8.setFlagsFromString('--rehash-snapshot');
  });
  guardEntropy();
  pair('process.argv', undefined, () => {
    // A cold start has the script at argv[1]; `node --snapshot-blob B -- ARGS` has none, and
    // a single executable has itself there.
    process.argv.splice(1, isSea() ? 1 : 0, config.argv1);
  });
  deferHttp();
  deferWebGlobals();
  deferSignals();
  trackFiles();
  startTracking();
  parkHooks();
  trackEnv();
  wrapIntl();
  fillBuiltins();
  plainConsoleTasks();
  emulateNewContexts();
  formatErrorStacks();
  minifyPackages(config.minify);
  findComments(config.acorn);
  mapStacks(config.bundleUrl, config.stackmapPath, config.minify?.dir);
  routeRequires(slot);
  collectServers();
  session().collectors.push((r) => {
    r.resources = state().resources.length;
    r.appMain = appMain !== undefined;
  });

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
      const m = /built-in module "(?:node:)?([^"]+)"/.exec(w.message);
      report.warnings.push(m ? `node:${m[1]} is not verified to work in a snapshot by Node itself` : `${w.name}: ${w.message}`);
    },
    uncaughtException: (e: unknown) => fail(report.phase === 'init' || report.phase === 'prelude' ? 'init-threw' : `${report.phase}-threw`, e),
    unhandledRejection: (e: unknown) => fail(`${report.phase}-rejection`, e),
  };
  for (const [event, fn] of Object.entries(buildListeners)) process.on(event as 'warning', fn as (w: Error) => void);
  // An app that exits during init (a CLI, or `process.exit(1)` on bad configuration) makes no
  // snapshot: say so with the place, rather than a bare exit code.
  process.exit = function (code?: number | string | null) {
    if (state().phase === 'building' || state().phase === 'checkpointing') {
      fail('app-exit', Object.assign(new Error(`the app called process.exit(${code ?? ''}) during the build`), { code: 'E_APP_EXIT' }));
    }
    return realExit.call(process, code as number);
  } as typeof process.exit;

  const snap = v8.startupSnapshot;
  snap.setDeserializeMainFunction(restoreMain);
  // One main function (as Node's own startup_snapshot.js allows): the app's runs after
  // thaw's restore steps.
  (snap as { setDeserializeMainFunction: unknown }).setDeserializeMainFunction = (fn: (data?: unknown) => unknown, data?: unknown) => {
    if (appMain) throw new Error('setDeserializeMainFunction() was already called');
    appMain = { fn, data };
  };
  keepAlive = own(() => setInterval(() => undefined, 1000));
}

/** Run the app's top level (and its evaluation, for an ES module entry), then the rest. */
export function runApp(load: () => unknown): void {
  const { report } = session();
  report.phase = 'init';
  let init: unknown;
  try {
    init = load();
  } catch (e) {
    fail('init-threw', e);
    return;
  }
  flow(init).catch((e) => fail(`${report.phase}-threw`, e));
}
