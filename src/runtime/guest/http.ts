/**
 * Stand-ins for node:http, https, http2, tls and their _http_* internals, which abort the V8
 * snapshot builder when loaded (their bindings hold native state V8 cannot serialise). While
 * building the app gets stand-in module objects; in a restored process each becomes the real
 * thing:
 *
 * - plain exports are swapped for the real ones on the stand-in module object;
 * - stand-in classes captured by reference (Express does
 *   `Object.create(http.IncomingMessage.prototype)` at load time) are re-parented onto the
 *   real classes, so objects that inherit from them get the real behaviour;
 * - servers and agents constructed from stand-ins are initialised in place by the real
 *   constructor — Node's http/https Server and Agent are classic functions that accept an
 *   existing `this` — keeping the identity the app holds, its own properties and listeners.
 */
import { EventEmitter } from 'node:events';
import { type DeferredModule } from '../protocol.js';
import { pair, session, inSession } from './session.js';
import { BuildServer, registerServer } from './servers.js';
import { BuildIncomingMessage, BuildServerResponse } from './warmup.js';
import { webOriginal } from './real-global.js';

/** Thrown when the app uses a deferred built-in in a way that cannot happen before restore. */
export class BuildTimeUseError extends Error {
  readonly code = 'E_BUILD_TIME_USE';
  readonly what: string;
  constructor(what: string, why: string) {
    super(`${what} was called while building the snapshot; ${why}`);
    this.name = 'BuildTimeUseError';
    this.what = what;
  }
}

interface BuildInstance {
  obj: Record<PropertyKey, unknown>;
  module: string;
  className: string;
  args: unknown[];
  /** Own keys right after the stand-in constructor ran; anything else the app set. */
  ownKeys: Set<PropertyKey>;
  /** Events the stand-in constructor itself listened to ('request' for a handler). */
  ctorEvents: Set<string | symbol>;
}

let restored = false;
const modules = new Map<string, Record<string, unknown>>();
const standIns: Array<{ module: string; name: string; cls: Function }> = [];
const instances: BuildInstance[] = [];
/** Objects made from a build-time implementation of a web class (a Response kept from init). */
const webObjects: Array<{ ref: WeakRef<object>; cls: Function; impl: Function }> = [];
const used = new Map<string, Set<string>>();

const realModule = (name: string): Record<string, any> => (process as any).getBuiltinModule(`node:${name}`);
/** The real export a stand-in stands for (`globalThis` is the web fetch globals' "module"). */
const realExport = (module: string, name: string): unknown => (module === 'globalThis' ? webOriginal(name) : realModule(module)[name]);

export function noteUse(module: string, name: string): void {
  let s = used.get(module);
  if (!s) used.set(module, (s = new Set()));
  s.add(name);
}

export const outgoing = (m: string, n: string): BuildTimeUseError =>
  new BuildTimeUseError(`${m}.${n}()`, "an outgoing connection cannot be part of a snapshot — make the call from onRestore(), a Resource's afterRestore(), or a request handler");

/** What a stand-in class and its prototype held when made: anything else the app added. */
const ownAtCreation = new WeakMap<Function, { statics: Set<PropertyKey>; proto: Set<PropertyKey>; implProto: object }>();

/**
 * The build-time implementation's methods → the real class's of the same name. An app that
 * saves a method before wrapping it (`proto._writeHead = proto.writeHead`, as restify does)
 * saved the implementation's; on the real prototype it must be the real one.
 */
function implToReal(implProto: object, realProto: object): Map<unknown, unknown> {
  const out = new Map<unknown, unknown>();
  for (let p: object | null = implProto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Reflect.ownKeys(p)) {
      const v = Object.getOwnPropertyDescriptor(p, k)!.value;
      if (typeof v === 'function' && !out.has(v) && k !== 'constructor') out.set(v, Reflect.get(realProto, k));
    }
  }
  return out;
}

function swapped(d: PropertyDescriptor, swap: Map<unknown, unknown>): PropertyDescriptor {
  return 'value' in d && swap.has(d.value) ? { ...d, value: swap.get(d.value) } : d;
}

/**
 * A stand-in class: while building it behaves as `impl` (or refuses to be constructed); after
 * restore it constructs the real class, and its prototype is re-parented onto the real one, so
 * subclasses and captured prototypes work.
 *
 * It is a base class (its own [[Prototype]] is Function.prototype, as the real class's is to
 * code that walks the chain looking for the native class, like srvx does), whose constructor
 * makes the object with `impl` or the real class for `new.target`: subclasses the app
 * declares get objects of the right make either way.
 */
export function standInClass(module: string, name: string, impl: (new (...a: any[]) => object) | undefined): Function {
  const base = impl ?? Object;
  const make = (args: unknown[], target: Function): object => {
    if (restored) {
      // Classes behind a lazy getter (web globals, Node 22+'s http.WebSocket) are re-parented
      // on first use: reading them loads undici (~30 ms), which a restore should not pay.
      if (Object.getPrototypeOf(cls.prototype) === base.prototype) reparent(module, name, cls);
      return Reflect.construct(realExport(module, name) as Function, args, target);
    }
    if (!impl) {
      noteUse(module, name);
      throw new BuildTimeUseError(`new ${module}.${name}()`, `it needs the real ${module === 'globalThis' ? name : `node:${module}`}, which cannot be loaded before restore — construct it in onRestore() or a Resource's afterRestore()`);
    }
    const self = Reflect.construct(impl, args, target);
    noteUse(module, name);
    if (module === 'globalThis') webObjects.push({ ref: new WeakRef(self), cls, impl });
    // Servers and agents outlive the build and are initialised in place after restore;
    // request/response objects are per request and are not.
    if (name === 'Server' || name === 'Agent') {
      const events = typeof (self as EventEmitter).eventNames === 'function' ? (self as EventEmitter).eventNames() : [];
      instances.push({ obj: self as BuildInstance['obj'], module, className: name, args, ownKeys: new Set(Reflect.ownKeys(self)), ctorEvents: new Set(events) });
    }
    if (name === 'Server') registerServer(self, module);
    return self;
  };
  // A class declared with the real name: V8 names frames after it (`Server.emit`).
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`thaw: bad export name ${name}`);
  const cls = new Function('make', `return class ${name} { constructor(...args) { return make(args, new.target); } };`)(make) as Function;
  Object.setPrototypeOf(cls.prototype, base.prototype);
  // Static members (Response.json …): the build-time implementation's while building, the
  // real class's after restore; one the app sets is its own.
  for (let from: object | null = base; from && from !== Function.prototype; from = Object.getPrototypeOf(from)) {
    for (const k of Reflect.ownKeys(from)) {
      if (k === 'length' || k === 'name' || k === 'prototype' || Object.prototype.hasOwnProperty.call(cls, k)) continue;
      Object.defineProperty(cls, k, {
        configurable: true,
        enumerable: false,
        get: () => Reflect.get(restored ? (realExport(module, name) as object) : base, k),
        set(v: unknown) {
          Object.defineProperty(this, k, { value: v, writable: true, configurable: true, enumerable: true });
        },
      });
    }
  }
  Object.defineProperty(cls, Symbol.hasInstance, {
    configurable: true,
    value(this: Function, v: unknown): boolean {
      if (restored) {
        const real = realExport(module, name);
        if (typeof real === 'function' && v instanceof real) return true;
      }
      // Objects the build-time implementation made (a Response's headers, one kept from init).
      if (impl && this === cls && v instanceof impl) return true;
      return Function.prototype[Symbol.hasInstance].call(this, v);
    },
  });
  ownAtCreation.set(cls, { statics: new Set(Reflect.ownKeys(cls)), proto: new Set(Reflect.ownKeys(cls.prototype)), implProto: base.prototype });
  standIns.push({ module, name, cls });
  return cls;
}

const buildImpls: Record<string, Record<string, new (...a: any[]) => object>> = {
  http: { Server: BuildServer, IncomingMessage: BuildIncomingMessage, ServerResponse: BuildServerResponse, Agent: EventEmitter as any, OutgoingMessage: EventEmitter as any },
  https: { Server: BuildServer, Agent: EventEmitter as any },
  _http_server: { Server: BuildServer, ServerResponse: BuildServerResponse },
  _http_incoming: { IncomingMessage: BuildIncomingMessage },
  _http_agent: { Agent: EventEmitter as any },
};

/** The module object the app gets for `require('http')` (and friends) while building. */
export function deferredModule(module: DeferredModule | string): Record<string, unknown> {
  const existing = modules.get(module);
  if (existing) return existing;
  const shape = (inSession() ? session().config.shapes[module] : undefined) ?? { functions: [], classes: [], values: {} };
  const mod: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(shape.values)) mod[k] = v;
  for (const name of shape.classes) mod[name] = standInClass(module, name, buildImpls[module]?.[name]);
  for (const name of shape.functions) {
    const fn = function (this: unknown, ...args: unknown[]): unknown {
      if (restored) return realModule(module)[name].apply(this, args);
      noteUse(module, name);
      if (name === 'createServer' && (module === 'http' || module === 'https')) return new (mod.Server as new (...a: unknown[]) => object)(...args);
      if (name === 'request' || name === 'get' || name === 'connect' || name === 'fetch') throw outgoing(module, name);
      throw new BuildTimeUseError(`${module}.${name}()`, `node:${module} cannot be loaded before restore — call it from onRestore() or a Resource's afterRestore()`);
    };
    Object.defineProperty(fn, 'name', { value: name });
    mod[name] = fn;
  }
  // The shared agents exist as soon as the module loads in real Node.
  if (mod.Agent && (module === 'http' || module === 'https')) {
    mod.globalAgent = new (mod.Agent as new (...a: unknown[]) => object)({ keepAlive: true });
  }
  modules.set(module, mod);
  return mod;
}

/** The classes the app sees as http.IncomingMessage and http.ServerResponse. */
export function requestClasses(): { Req: typeof BuildIncomingMessage; Res: typeof BuildServerResponse } {
  const http = modules.get('http');
  return {
    Req: (http?.IncomingMessage as typeof BuildIncomingMessage | undefined) ?? BuildIncomingMessage,
    Res: (http?.ServerResponse as typeof BuildServerResponse | undefined) ?? BuildServerResponse,
  };
}

function listeners(obj: EventEmitter): Array<[string | symbol, Function[]]> {
  return obj.eventNames().map((e) => [e, obj.rawListeners(e)]);
}

/**
 * Parent a stand-in's prototype on the real class's. What the app added to the stand-in class
 * or its prototype (restify's request methods on http.IncomingMessage.prototype) goes onto the
 * real ones too: the objects Node makes after restore are the real class's.
 */
function reparent(module: string, name: string, cls: Function): void {
  const real = realExport(module, name);
  if (typeof real !== 'function') return;
  Object.setPrototypeOf(cls.prototype, real.prototype);
  Object.setPrototypeOf(cls, real);
  const had = ownAtCreation.get(cls);
  if (!had) return;
  const swap = implToReal(had.implProto, real.prototype);
  for (const k of Reflect.ownKeys(cls.prototype)) if (!had.proto.has(k)) Object.defineProperty(real.prototype, k, swapped(Object.getOwnPropertyDescriptor(cls.prototype, k)!, swap));
  for (const k of Reflect.ownKeys(cls)) if (!had.statics.has(k)) Object.defineProperty(real, k, Object.getOwnPropertyDescriptor(cls, k)!);
}

/**
 * A web object made while building and still held (a Response or Headers the app made at init)
 * keeps the build-time implementation it was made with: its fields are that implementation's,
 * which Node's real methods cannot read. Its class's prototype is about to lead to Node's real
 * class, so it gets a prototype of its own that leads to the implementation. An object of a
 * subclass the app declared (h3's FrozenHeaders) keeps its class, whose other objects are
 * real ones from now on: it gets the implementation's members as its own instead, except
 * those its class chain declares itself.
 */
function keepWebObjects(): void {
  const kept = new Map<Function, object>();
  for (const { ref, cls, impl } of webObjects.splice(0)) {
    const obj = ref.deref();
    if (!obj) continue;
    if (Object.getPrototypeOf(obj) !== cls.prototype) {
      keepSubclassObject(obj, cls, impl);
      continue;
    }
    let proto = kept.get(cls);
    if (!proto) {
      proto = Object.create(impl.prototype, { constructor: { value: cls, writable: true, configurable: true } }) as object;
      kept.set(cls, proto);
    }
    Object.setPrototypeOf(obj, proto);
  }
}

function keepSubclassObject(obj: object, cls: Function, impl: Function): void {
  const declared = new Set<PropertyKey>(Reflect.ownKeys(obj));
  for (let p = Object.getPrototypeOf(obj); p && p !== cls.prototype; p = Object.getPrototypeOf(p)) for (const k of Reflect.ownKeys(p)) declared.add(k);
  for (let p = impl.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Reflect.ownKeys(p)) {
      if (k === 'constructor' || declared.has(k)) continue;
      declared.add(k);
      Object.defineProperty(obj, k, { ...Object.getOwnPropertyDescriptor(p, k)!, enumerable: false, configurable: true });
    }
  }
}

/** Does the prototype chain from `proto` define `key` as a getter or setter? */
function hidesAccessor(proto: object | null, key: PropertyKey): boolean {
  for (let p = proto; p; p = Object.getPrototypeOf(p)) {
    const d = Object.getOwnPropertyDescriptor(p, key);
    if (d) return d.get !== undefined || d.set !== undefined;
  }
  return false;
}

/** Turn every stand-in into the real thing: the first step of a restore after entropy. */
function restoreDeferred(): void {
  restored = true;
  keepWebObjects();
  for (const [module, mod] of modules) {
    const real = realModule(module);
    for (const key of Object.keys(mod)) {
      // Lazy getters stay lazy: Node 22+'s http.WebSocket loads undici (~30 ms) when read.
      const desc = Object.getOwnPropertyDescriptor(real, key);
      if (desc?.get) Object.defineProperty(mod, key, { get: () => real[key], configurable: true, enumerable: true });
      else mod[key] = real[key];
    }
  }
  for (const { module, name, cls } of standIns) {
    if (module !== 'globalThis' && !Object.getOwnPropertyDescriptor(realModule(module), name)?.get) reparent(module, name, cls);
  }
  // Objects built from stand-ins during the build: initialise them in place (the stand-in
  // class is a thin subclass now parented on the real class, so nothing of the build-time
  // implementation stays on the chain).
  for (const inst of instances) {
    const real = realModule(inst.module)[inst.className];
    // Only a classic constructor function can initialise an existing object; a class's
    // `prototype` is read-only, a function's is writable (and this costs nothing, unlike
    // Function.prototype.toString on a built-in, which pulls in its source: ~10 ms each).
    if (typeof real !== 'function' || !Object.getOwnPropertyDescriptor(real, 'prototype')?.writable) continue;
    const obj = inst.obj;
    const saved = typeof (obj as unknown as EventEmitter).eventNames === 'function' ? listeners(obj as unknown as EventEmitter) : [];
    const appProps: Array<[PropertyKey, unknown]> = Reflect.ownKeys(obj)
      .filter((k) => !inst.ownKeys.has(k) && k !== 'listening')
      .map((k) => [k, obj[k]]);
    // Nothing is deleted unless it must be: one `delete` leaves the object in V8's dictionary
    // mode (every property read on it a hash lookup, for every request a server serves). The
    // real constructor overwrites the stand-in's fields (EventEmitter keeps the listeners, fixed
    // up below); only an own field hiding an accessor of the real class must go.
    for (const k of Reflect.ownKeys(obj)) if (inst.ownKeys.has(k) && hidesAccessor(real.prototype, k)) delete obj[k];
    real.apply(obj, inst.args);
    // Listeners: for events the constructor itself listened to (the request handler), exactly
    // the app's final ones — socket.io and engine.io take the handler off and wrap it, so the
    // real constructor's fresh copy must not come back; for the others, the real
    // constructor's (Node's 'connection' listener) and then the app's.
    const emitter = obj as unknown as EventEmitter;
    const fresh = new Map(listeners(emitter));
    const savedMap = new Map(saved);
    for (const event of new Set([...fresh.keys(), ...savedMap.keys()])) {
      const appList = savedMap.get(event) ?? [];
      const keep = inst.ctorEvents.has(event) ? [] : (fresh.get(event) ?? []).filter((fn) => !appList.includes(fn));
      emitter.removeAllListeners(event);
      for (const fn of [...keep, ...appList]) emitter.on(event, fn as (...a: unknown[]) => void);
    }
    for (const [k, v] of appProps) obj[k] = v;
  }
}

export function deferHttp(): void {
  session().collectors.push((r) => {
    const out: Record<string, string[]> = {};
    for (const [m, names] of used) out[m] = [...names].sort();
    r.deferred = out;
  });
  pair('node:http and friends', undefined, restoreDeferred);
}

export function isRestored(): boolean {
  return restored;
}
