/**
 * The web fetch globals while building. Touching fetch's classes (Request, Response, Headers,
 * FormData, MessageEvent, WebSocket) inside the snapshot builder loads undici, and with it
 * http2, which V8 cannot serialise; on Node 22+ they are V8 lazy data properties, so even
 * reading their property descriptor or defining over them loads it. globalThis itself is
 * therefore never asked for them while building:
 *
 * - the app's free references (`new Response(…)`) are bound by the bundler to the bindings
 *   below (guest/web-globals.ts, esbuild `inject`): the stand-ins, or what the app put on the
 *   global object under that name, as a free reference in a cold start would read;
 * - its `globalThis` and `global` are bound to `appGlobal`, a view of the real global object
 *   that answers those names with the same stand-ins and keeps what the app assigns or
 *   defines to them aside (@hono/node-server defines its own Request and Response on global);
 *   every other name goes to the real global object;
 * - in a restored process `appGlobal` is the real global object again (a live binding, so the
 *   app's code pays nothing for it), the values the app set are defined for real, and each
 *   stand-in class is re-parented onto the real class on first use (guest/http.ts), which
 *   keeps undici's ~30 ms off the restore until the app needs it.
 */
import { DEFERRED_GLOBALS, type DeferredGlobal } from '../protocol.js';
import { BuildHeaders, BuildRequest, BuildResponse } from './fetch-api.js';
import { outgoing, standInClass, noteUse } from './http.js';
import { inSession, pair, session } from './session.js';
import { realGlobal, webOriginals } from './real-global.js';


/** Build-time implementations: frameworks built on Fetch classes can serve warm-up requests. */
const FETCH_IMPLS: Partial<Record<DeferredGlobal, new (...a: any[]) => object>> = { Headers: BuildHeaders, Request: BuildRequest, Response: BuildResponse };

let deferred = new Set<string | symbol>(DEFERRED_GLOBALS);
const standIns = new Map<string, unknown>();
/** What the app defined (or deleted) on global for a deferred name while building. */
const appDefined = new Map<string | symbol, PropertyDescriptor | null>();
let restored = false;

export function webStandIn(name: DeferredGlobal): unknown {
  let s = standIns.get(name);
  if (s) return s;
  if (name === 'fetch') {
    s = function fetch(this: unknown, ...args: unknown[]): unknown {
      if (restored) return (Reflect.get(realGlobal, 'fetch') as Function).apply(this, args);
      noteUse('globalThis', 'fetch');
      throw outgoing('globalThis', 'fetch');
    };
  } else {
    s = standInClass('globalThis', name, FETCH_IMPLS[name]);
  }
  standIns.set(name, s);
  return s;
}

function current(k: string | symbol): PropertyDescriptor | undefined {
  if (appDefined.has(k)) return appDefined.get(k) ?? undefined;
  return { value: webStandIn(k as DeferredGlobal), writable: true, configurable: true, enumerable: false };
}

/**
 * V8 checks each Proxy trap's answer against the target's own property (ES2024 §10.5), which
 * would read, and so load, the lazy globals: the target is therefore an empty stand-in object,
 * and a non-configurable property of the real global is copied onto it before it is reported,
 * so the invariants hold.
 */
const shadow: Record<string | symbol, unknown> = Object.create(Object.getPrototypeOf(realGlobal));
const realDescriptor = (k: string | symbol): PropertyDescriptor | undefined => {
  const d = Reflect.getOwnPropertyDescriptor(realGlobal, k);
  if (d && !d.configurable && !Reflect.getOwnPropertyDescriptor(shadow, k)) Reflect.defineProperty(shadow, k, d);
  return d;
};
const intercepted = (k: string | symbol): boolean => !restored && deferred.has(k);

const view = new Proxy(shadow, {
  get(_t, k) {
    if (!intercepted(k)) return Reflect.get(realGlobal, k, realGlobal);
    const d = current(k);
    return d?.get ? d.get.call(view) : d?.value;
  },
  set(_t, k, v) {
    if (!intercepted(k)) return Reflect.set(realGlobal, k, v, realGlobal);
    appDefined.set(k, { value: v, writable: true, configurable: true, enumerable: false });
    rebind(k);
    return true;
  },
  has(_t, k) {
    if (!intercepted(k)) return Reflect.has(realGlobal, k);
    return current(k) !== undefined;
  },
  defineProperty(_t, k, desc) {
    if (!intercepted(k)) {
      const ok = Reflect.defineProperty(realGlobal, k, desc);
      if (ok) realDescriptor(k);
      return ok;
    }
    appDefined.set(k, { ...current(k), ...desc, configurable: true });
    rebind(k);
    return true;
  },
  deleteProperty(_t, k) {
    if (!intercepted(k)) return Reflect.deleteProperty(realGlobal, k);
    appDefined.set(k, null);
    rebind(k);
    return true;
  },
  getOwnPropertyDescriptor(_t, k) {
    if (!intercepted(k)) return realDescriptor(k);
    return current(k);
  },
  ownKeys() {
    const keys = Reflect.ownKeys(realGlobal);
    for (const k of Reflect.ownKeys(shadow)) if (!keys.includes(k)) keys.push(k);
    return keys;
  },
  getPrototypeOf() {
    return Reflect.getPrototypeOf(realGlobal);
  },
  setPrototypeOf(_t, proto) {
    return Reflect.setPrototypeOf(realGlobal, proto);
  },
});

// What the app's free references to the web globals mean (live bindings, see web-globals.ts).
export let fetch = webStandIn('fetch');
export let Request = webStandIn('Request');
export let Response = webStandIn('Response');
export let Headers = webStandIn('Headers');
export let FormData = webStandIn('FormData');
export let WebSocket = webStandIn('WebSocket');
export let EventSource = webStandIn('EventSource');
export let MessageEvent = webStandIn('MessageEvent');
export let CloseEvent = webStandIn('CloseEvent');
export let ErrorEvent = webStandIn('ErrorEvent');

/** Point the free reference `k` at what the global object now holds under it, as Node would. */
function rebind(k: string | symbol): void {
  const v = view[k as keyof typeof view];
  switch (k) {
    case 'fetch':
      fetch = v;
      break;
    case 'Request':
      Request = v;
      break;
    case 'Response':
      Response = v;
      break;
    case 'Headers':
      Headers = v;
      break;
    case 'FormData':
      FormData = v;
      break;
    case 'WebSocket':
      WebSocket = v;
      break;
    case 'EventSource':
      EventSource = v;
      break;
    case 'MessageEvent':
      MessageEvent = v;
      break;
    case 'CloseEvent':
      CloseEvent = v;
      break;
    case 'ErrorEvent':
      ErrorEvent = v;
      break;
  }
}

/** What the app's `globalThis` and `global` mean: the view while building, then the real one. */
export let appGlobal: typeof globalThis = view as unknown as typeof globalThis;

/**
 * The global object and the deferred web names as code loaded from disk during the build (a
 * computed require, not bundled) is given them: as parameters around the module, since the
 * bundler never saw its free references.
 */
export function freeBindings(): { names: string[]; values: unknown[] } {
  const names = [...deferred].filter((k): k is string => typeof k === 'string');
  return { names: ['globalThis', 'global', ...names], values: [appGlobal, appGlobal, ...names.map((k) => Reflect.get(view, k))] };
}

export function deferWebGlobals(): void {
  // Names this Node does not define (WebSocket on Node 20) stay as absent as they are.
  if (inSession()) deferred = new Set(session().config.webGlobals);
  pair('web globals', undefined, () => {
    restored = true;
    appGlobal = realGlobal as typeof globalThis;
    for (const [k, desc] of appDefined) {
      if (typeof k === 'string') webOriginals.set(k, Reflect.get(realGlobal, k));
      if (desc === null) Reflect.deleteProperty(realGlobal, k);
      else Reflect.defineProperty(realGlobal, k, desc);
    }
    appDefined.clear();
  });
}
