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
 */
import type { LiveHandle } from '../protocol.js';

const HANDLES = new Set(['TCPWRAP', 'TCPSERVERWRAP', 'PIPEWRAP', 'PIPESERVERWRAP', 'TTYWRAP', 'UDPWRAP', 'PROCESSWRAP', 'SIGNALWRAP', 'FSEVENTWRAP', 'STATWATCHER', 'MESSAGEPORT', 'WORKER', 'Timeout', 'Immediate']);
const REQUESTS = new Set(['FSREQCALLBACK', 'FSREQPROMISE', 'GETADDRINFOREQWRAP', 'GETNAMEINFOREQWRAP', 'QUERYWRAP', 'WRITEWRAP', 'SHUTDOWNWRAP', 'TCPCONNECTWRAP', 'PIPECONNECTWRAP', 'UDPSENDWRAP', 'CONNECTWRAP', 'ZLIB']);
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
let hook: { enable(): unknown; disable(): unknown } | undefined;
let on = false;

const callbacks = {
  init(id: number, type: string, _trigger: number, resource: unknown): void {
    if (!HANDLES.has(type) && !REQUESTS.has(type)) return;
    const saved = Error.stackTraceLimit;
    Error.stackTraceLimit = 30;
    const stack = new Error().stack ?? '';
    Error.stackTraceLimit = saved;
    if ((type === 'TTYWRAP' || type === 'PIPEWRAP') && STDIO.test(stack)) return;
    tracked.set(id, { type, resource, stack, done: false });
  },
  after(id: number): void {
    const t = tracked.get(id);
    if (t && REQUESTS.has(t.type)) t.done = true;
  },
};

export function startTracking(): void {
  const asyncHooks = (process as any).getBuiltinModule('node:async_hooks');
  // trackPromises (Node 24.9+) spares every promise the hook's bookkeeping; it sees none anyway.
  hook = asyncHooks.createHook({ ...callbacks, trackPromises: false });
  hook!.enable();
  on = true;
}

export function stopTracking(): void {
  hook?.disable();
  on = false;
  tracked.clear();
}

/** Run `make` with tracking off, so thaw's own timers never count as the app's. */
export function own<T>(make: () => T): T {
  if (!on || !hook) return make();
  hook.disable();
  try {
    return make();
  } finally {
    hook.enable();
  }
}

function isLive(t: Tracked): boolean {
  if (t.done) return false;
  const r = t.resource;
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

/** A cheap fingerprint of what is live: it changes whenever a handle opens or closes. */
export function liveSignature(): string {
  return sweep().join(',');
}
