/**
 * Which of the app's handles are open, and where each was made: for waiting until init has
 * settled, and for naming what blocks a checkpoint (as CRaC's CheckpointOpenSocketException
 * names the socket).
 *
 * An async_hooks hook with only `init` and `after`: a hook with a `destroy` callback makes Node
 * give every promise a weak global handle (lib/internal/async_hooks.js,
 * promiseInitHookWithDestroyTracking), which V8's serializer cannot hold, so any promise the
 * app keeps would abort the build. Without `destroy`, liveness is read off each resource:
 * handles answer hasRef() (false once closed), timers have `_destroyed`, requests are over once
 * their callback ran. Only Node's own handle and request providers are tracked (async_wrap.h);
 * the AsyncResources libraries and Node's JS code make (STREAM_END_OF_STREAM, DNSCHANNEL for
 * node:dns's default resolver, HTTPINCOMINGMESSAGE …) hold nothing a snapshot cannot.
 * Open files are guest/files.ts's business.
 *
 * The hook runs during init only. With any async hook enabled, serving warm-up requests from
 * inside a promise reaction aborts some builds (express-session with a rendered view: Node's
 * `Assertion failed: (env_->execution_async_id()) == (0)` when a callback scope closes; the
 * same app and hook under plain node are fine), so it is switched off, from an immediate (not a
 * promise reaction, where switching Node's promise hooks would unbalance the async id stack),
 * before the warm-up. Timers, the handles apps make later (a session store's cleanup interval
 * started by the first request), are tracked for the whole build by wrapping the timer
 * functions instead.
 */
import type { LiveHandle } from '../protocol.js';
import { stackHere } from './session.js';

const HANDLES = new Set(['TCPWRAP', 'TCPSERVERWRAP', 'PIPEWRAP', 'PIPESERVERWRAP', 'TTYWRAP', 'UDPWRAP', 'PROCESSWRAP', 'SIGNALWRAP', 'FSEVENTWRAP', 'STATWATCHER', 'MESSAGEPORT', 'WORKER', 'ZLIB']);
const REQUESTS = new Set(['FSREQCALLBACK', 'FSREQPROMISE', 'GETADDRINFOREQWRAP', 'GETNAMEINFOREQWRAP', 'QUERYWRAP', 'WRITEWRAP', 'SHUTDOWNWRAP', 'TCPCONNECTWRAP', 'PIPECONNECTWRAP', 'UDPSENDWRAP', 'CONNECTWRAP']);
/** stdin/stdout/stderr never block a checkpoint; they are recognised by their creation stack
 * (reading process.stdin to compare would itself load net and readline into the snapshot). */
const STDIO = /\bget(Stdout|Stderr|Stdin)\b|createWritableStdioStream/;

interface Tracked {
  type: string;
  resource: any;
  stack: string;
  done: boolean;
}

const tracked = new Map<number, Tracked>();
/** Outgoing connections begun during init, kept after they end: a restore starts without them. */
const connects: Array<{ resource: any; stack: string }> = [];
/** Timers get ids of their own, below zero (async ids are positive). */
let timerIds = 0;
let hook: { enable(): unknown; disable(): unknown } | undefined;
/** thaw's own code is making a handle: not the app's. */
let owning = false;

const callbacks = {
  init(id: number, type: string, trigger: number, resource: unknown): void {
    if (owning || (!HANDLES.has(type) && !REQUESTS.has(type))) return;
    const stack = stackHere();
    if ((type === 'TTYWRAP' || type === 'PIPEWRAP') && STDIO.test(stack)) return;
    tracked.set(id, { type, resource, stack, done: false });
    // net.js connects a tick after net.connect() (in a nextTick or a DNS callback), with the
    // socket's handle as the trigger: where that handle was made is where the app connected.
    if (type === 'TCPCONNECTWRAP' || type === 'PIPECONNECTWRAP') connects.push({ resource, stack: tracked.get(trigger)?.stack ?? stack });
  },
  after(id: number): void {
    const t = tracked.get(id);
    if (t && REQUESTS.has(t.type)) t.done = true;
  },
};

let timersTracked = true;
let timerRestore: Array<() => void> = [];

/** setTimeout / setInterval / setImmediate, on the global object and node:timers, recorded. */
function trackTimers(): void {
  const timers = (process as any).getBuiltinModule('node:timers') as Record<string, Function>;
  const real = Function('return this')() as Record<string, Function>;
  for (const [name, type] of [['setTimeout', 'Timeout'], ['setInterval', 'Timeout'], ['setImmediate', 'Immediate']] as const) {
    const orig = timers[name]!;
    const wrapped = function (this: unknown) {
      const t = orig.apply(this, arguments);
      if (timersTracked && !owning && t && typeof t === 'object') tracked.set(--timerIds, { type, resource: t, stack: stackHere(), done: false });
      return t;
    };
    Object.defineProperty(wrapped, 'name', { value: name });
    // setTimeout's util.promisify.custom (and the like) stay reachable.
    for (const k of Reflect.ownKeys(orig)) if (k !== 'length' && k !== 'name' && k !== 'prototype') Reflect.defineProperty(wrapped, k, Reflect.getOwnPropertyDescriptor(orig, k)!);
    const globalDesc = Reflect.getOwnPropertyDescriptor(real, name);
    timers[name] = wrapped;
    real[name] = wrapped;
    timerRestore.push(() => {
      timers[name] = orig;
      if (globalDesc) Reflect.defineProperty(real, name, globalDesc);
    });
  }
}

export function startTracking(): void {
  const asyncHooks = (process as any).getBuiltinModule('node:async_hooks');
  // trackPromises (Node 24.9+) spares every promise the hook's bookkeeping; it sees none anyway.
  hook = asyncHooks.createHook({ ...callbacks, trackPromises: false });
  hook!.enable();
  trackTimers();
}

/** Stop the hook (init is over). Called from an immediate, never from a promise reaction. */
export function endInitTracking(): Promise<void> {
  return new Promise((resolve) =>
    own(() =>
      setImmediate(() => {
        hook?.disable();
        hook = undefined;
        resolve();
      }),
    ),
  );
}

export function stopTracking(): void {
  hook?.disable();
  hook = undefined;
  timersTracked = false;
  for (const undo of timerRestore.splice(0)) undo();
  tracked.clear();
  connects.length = 0;
}

/**
 * Run `make` so that what it creates is not counted as the app's (thaw's own timers). The hook
 * stays enabled: enabling or disabling one inside a promise reaction would install or remove
 * Node's promise hooks between a reaction's before and after, leaving the async id stack
 * unbalanced (Node aborts: `Assertion failed: (env_->execution_async_id()) == (0)`).
 */
export function own<T>(make: () => T): T {
  const was = owning;
  owning = true;
  try {
    return make();
  } finally {
    owning = was;
  }
}

/**
 * A zlib engine is open while its stream still holds it: gzipSync() and a finished stream
 * close theirs (`_handle` is then null), though the native object lingers until collected.
 */
function zlibOpen(r: object): boolean {
  const owner = Object.getOwnPropertySymbols(r).find((s) => s.description === 'owner_symbol');
  return owner === undefined || (r as Record<symbol, { _handle?: unknown } | undefined>)[owner]?._handle === r;
}

function isLive(t: Tracked): boolean {
  if (t.done) return false;
  const r = t.resource;
  if (t.type === 'ZLIB') return zlibOpen(r);
  if (t.type === 'Timeout' || t.type === 'Immediate') return !r._destroyed && (typeof r.hasRef !== 'function' || r.hasRef());
  if (typeof r?.hasRef === 'function') {
    try {
      return r.hasRef();
    } catch {
      return true;
    }
  }
  return true;
}

/** Forget what is over (no destroy hook tells us), and return the ids of what is live. */
function sweep(): number[] {
  const ids: number[] = [];
  for (const [id, t] of tracked) {
    if (isLive(t)) ids.push(id);
    else tracked.delete(id);
  }
  return ids;
}

function describe(t: Tracked): string | undefined {
  if (t.type === 'Immediate') return 'setImmediate(…)';
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

export function liveHandles(): LiveHandle[] {
  return sweep().map((id) => {
    const t = tracked.get(id)!;
    return { type: t.type, stack: t.stack, detail: describe(t) };
  });
}

/**
 * Where the app connected out during init, and to what (net.js sets the address and port on
 * the connect request after making it), once per destination.
 */
export function connectionsMade(): Array<{ to: string; stack: string }> {
  const seen = new Map<string, string>();
  for (const { resource: r, stack } of connects) {
    const to = typeof r?.port === 'number' ? `${String(r.address).includes(':') ? `[${r.address}]` : r.address}:${r.port}` : String(r?.address ?? 'a socket');
    if (!seen.has(to)) seen.set(to, stack);
  }
  return [...seen].map(([to, stack]) => ({ to, stack }));
}

/** A cheap fingerprint of what is live: it changes whenever a handle opens or closes. */
export function liveSignature(): string {
  return sweep().join(',');
}
