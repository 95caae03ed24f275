/**
 * Deferred built-ins. Loading node:http, https, http2 or tls inside the V8 snapshot builder
 * aborts the process (their bindings hold native state V8 cannot serialise), and so does
 * touching the web fetch globals (undici). During a build the app gets stand-in module objects
 * instead; after restore each stand-in turns into the real thing:
 *
 * - plain exports are swapped for the real ones on the stand-in module object;
 * - stand-in classes captured by reference (Express does
 *   `Object.create(http.IncomingMessage.prototype)` at load time) are emptied and re-parented
 *   onto the real prototypes, so objects that inherit from them get the real behaviour;
 * - objects constructed from stand-ins during the build (servers, agents) are initialised in
 *   place by the real constructor — Node's http/https Server, Agent, IncomingMessage and
 *   ServerResponse are classic functions that accept an existing `this` — keeping the identity
 *   the app holds, its own properties and its event listeners;
 * - a server that was listening at checkpoint time listens again, on the restored process's
 *   PORT when the app read PORT to choose it.
 *
 * During the build the stand-in http server can serve warm-up requests through its 'request'
 * listeners with in-memory request/response objects: no socket is ever opened.
 */
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { nowMs } from './state.js';

export const DEFERRED_MODULES = ['http', 'https', 'http2', 'tls', '_http_agent', '_http_client', '_http_common', '_http_incoming', '_http_outgoing', '_http_server', '_tls_common', '_tls_wrap'] as const;
/** Web globals whose first touch loads undici. */
export const DEFERRED_GLOBALS = ['fetch', 'Request', 'Response', 'Headers', 'FormData', 'WebSocket', 'EventSource'] as const;

/** What the CLI learnt about a module's exports by asking the target Node (see snapshot/probe.ts). */
export interface ModuleShape {
  functions: string[];
  classes: string[];
  /** JSON-able data exports (METHODS, STATUS_CODES, maxHeaderSize …). */
  values: Record<string, unknown>;
}

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
  obj: Record<PropertyKey, unknown> & Partial<EventEmitter>;
  module: string;
  className: string;
  args: unknown[];
  /** Own keys right after the stand-in constructor ran; anything else the app set. */
  ownKeys: Set<PropertyKey>;
}

interface ServerRecord {
  server: BuildServer;
  module: string;
  /** Arguments of the last listen() while building, or null when not listening. */
  listenArgs: unknown[] | null;
  /** process.env names read before listen() was called. */
  envReadBeforeListen: Set<string>;
}

interface DeferredState {
  restored: boolean;
  shapes: Record<string, ModuleShape>;
  modules: Map<string, Record<string, unknown>>;
  standIns: Array<{ module: string; name: string; cls: Function }>;
  instances: BuildInstance[];
  servers: ServerRecord[];
  used: Map<string, Set<string>>;
  envReads: () => Set<string>;
}

const ds: DeferredState = {
  restored: false,
  shapes: {},
  modules: new Map(),
  standIns: [],
  instances: [],
  servers: [],
  used: new Map(),
  envReads: () => new Set(),
};

const realModule = (name: string): Record<string, any> => (process as any).getBuiltinModule(`node:${name}`);

function noteUse(module: string, name: string): void {
  let s = ds.used.get(module);
  if (!s) ds.used.set(module, (s = new Set()));
  s.add(name);
}

/** Which deferred modules and members the app touched during the build (for the doctor). */
export function deferredUse(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [m, names] of ds.used) out[m] = [...names].sort();
  return out;
}

export function configureDeferred(shapes: Record<string, ModuleShape>, envReads: () => Set<string>): void {
  ds.shapes = shapes;
  ds.envReads = envReads;
}

// ---------------------------------------------------------------------------------------------
// Build-time implementations: the in-memory request/response pair and the server stand-in.

const kInternal = Symbol('thaw.internal');

class BuildSocket extends EventEmitter {
  remoteAddress = '127.0.0.1';
  remotePort = 40000;
  remoteFamily = 'IPv4';
  localAddress = '127.0.0.1';
  localPort = 0;
  encrypted = false;
  readable = true;
  writable = true;
  destroyed = false;
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  cork(): void {}
  uncork(): void {}
  address(): { address: string; family: string; port: number } {
    return { address: this.localAddress, family: 'IPv4', port: this.localPort };
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
  end(): this {
    return this;
  }
}

/** In-memory http.IncomingMessage used to deliver warm-up requests. */
class BuildIncomingMessage extends Readable {
  socket: BuildSocket;
  headers: Record<string, string> = {};
  rawHeaders: string[] = [];
  trailers: Record<string, string> = {};
  rawTrailers: string[] = [];
  method = 'GET';
  url = '/';
  httpVersion = '1.1';
  httpVersionMajor = 1;
  httpVersionMinor = 1;
  complete = false;
  aborted = false;
  statusCode: number | null = null;
  statusMessage: string | null = null;
  constructor(socket?: BuildSocket) {
    super();
    this.socket = socket ?? new BuildSocket();
  }
  get connection(): BuildSocket {
    return this.socket;
  }
  override _read(): void {}
  setTimeout(): this {
    return this;
  }
}

/** In-memory http.ServerResponse: collects status, headers and body of a warm-up request. */
class BuildServerResponse extends EventEmitter {
  statusCode = 200;
  statusMessage = '';
  sendDate = true;
  finished = false;
  writableEnded = false;
  writableFinished = false;
  writable = true;
  destroyed = false;
  chunkedEncoding = false;
  shouldKeepAlive = false;
  req: BuildIncomingMessage;
  socket: BuildSocket;
  _header: string | null = null;
  [kInternal]: { headers: Map<string, [string, unknown]>; body: Buffer[] };
  constructor(req?: BuildIncomingMessage) {
    super();
    this.req = req ?? new BuildIncomingMessage();
    this.socket = this.req.socket;
    this[kInternal] = { headers: new Map(), body: [] };
  }
  get connection(): BuildSocket {
    return this.socket;
  }
  get headersSent(): boolean {
    return this._header !== null;
  }
  setHeader(name: string, value: unknown): this {
    if (this.headersSent) throw Object.assign(new Error('Cannot set headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
    this[kInternal].headers.set(String(name).toLowerCase(), [String(name), value]);
    return this;
  }
  appendHeader(name: string, value: unknown): this {
    const prev = this.getHeader(name);
    if (prev === undefined) return this.setHeader(name, value);
    const list = ([] as unknown[]).concat(prev, value);
    return this.setHeader(name, list);
  }
  getHeader(name: string): unknown {
    return this[kInternal].headers.get(String(name).toLowerCase())?.[1];
  }
  getHeaders(): Record<string, unknown> {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, [, v]] of this[kInternal].headers) out[k] = v;
    return out;
  }
  getHeaderNames(): string[] {
    return [...this[kInternal].headers.keys()];
  }
  getRawHeaderNames(): string[] {
    return [...this[kInternal].headers.values()].map(([n]) => n);
  }
  hasHeader(name: string): boolean {
    return this[kInternal].headers.has(String(name).toLowerCase());
  }
  removeHeader(name: string): void {
    this[kInternal].headers.delete(String(name).toLowerCase());
  }
  writeHead(status: number, reason?: unknown, headers?: unknown): this {
    if (typeof reason !== 'string') {
      headers = reason;
      reason = undefined;
    }
    this.statusCode = status;
    if (typeof reason === 'string') this.statusMessage = reason;
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) this.setHeader(String(headers[i]), headers[i + 1]);
    } else if (headers && typeof headers === 'object') {
      for (const [k, v] of Object.entries(headers)) this.setHeader(k, v);
    }
    this.flushHeaders();
    return this;
  }
  flushHeaders(): void {
    if (this._header === null) this._header = `HTTP/1.1 ${this.statusCode}\r\n`;
  }
  writeContinue(): void {}
  writeProcessing(): void {}
  writeEarlyHints(): void {}
  addTrailers(): void {}
  setTimeout(): this {
    return this;
  }
  cork(): void {}
  uncork(): void {}
  assignSocket(): void {}
  detachSocket(): void {}
  write(chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    if (this.writableEnded) {
      const err = Object.assign(new Error('write after end'), { code: 'ERR_STREAM_WRITE_AFTER_END' });
      process.nextTick(() => this.emit('error', err));
      return false;
    }
    if (typeof encoding === 'function') cb = encoding;
    this.flushHeaders();
    if (chunk !== undefined && chunk !== null) {
      const enc = typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8';
      this[kInternal].body.push(typeof chunk === 'string' ? Buffer.from(chunk, enc) : Buffer.from(chunk as Uint8Array));
    }
    if (typeof cb === 'function') process.nextTick(cb as () => void);
    return true;
  }
  end(chunk?: unknown, encoding?: unknown, cb?: unknown): this {
    if (typeof chunk === 'function') {
      cb = chunk;
      chunk = undefined;
    } else if (typeof encoding === 'function') {
      cb = encoding;
      encoding = undefined;
    }
    if (this.writableEnded) return this;
    if (chunk !== undefined && chunk !== null) this.write(chunk, encoding);
    this.flushHeaders();
    this.writableEnded = true;
    this.finished = true;
    this.writable = false;
    process.nextTick(() => {
      this.writableFinished = true;
      this.emit('prefinish');
      this.emit('finish');
      if (typeof cb === 'function') (cb as () => void)();
      this.emit('close');
    });
    return this;
  }
  destroy(err?: Error): this {
    this.destroyed = true;
    if (err) process.nextTick(() => this.emit('error', err));
    process.nextTick(() => this.emit('close'));
    return this;
  }
}

/** The stand-in http(s).Server: records listen() and lets warm-up emit 'request'. */
class BuildServer extends EventEmitter {
  listening = false;
  constructor(...args: unknown[]) {
    super();
    const handler = typeof args[0] === 'function' ? args[0] : args[1];
    if (typeof handler === 'function') this.on('request', handler as (...a: unknown[]) => void);
  }
  listen(...args: unknown[]): this {
    serverRecords();
    const rec = ds.servers.find((s) => s.server === this);
    if (rec) {
      rec.listenArgs = args;
      rec.envReadBeforeListen = new Set(ds.envReads());
    }
    this.listening = true;
    return this;
  }
  close(cb?: (err?: Error) => void): this {
    const rec = ds.servers.find((s) => s.server === this);
    if (rec) rec.listenArgs = null;
    this.listening = false;
    if (cb) process.nextTick(cb);
    process.nextTick(() => this.emit('close'));
    return this;
  }
  address(): null {
    return null;
  }
  getConnections(cb: (err: Error | null, n: number) => void): this {
    process.nextTick(cb, null, 0);
    return this;
  }
  setTimeout(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  closeAllConnections(): void {}
  closeIdleConnections(): void {}
}

// ---------------------------------------------------------------------------------------------
// Stand-in modules.

/**
 * A stand-in class: while building it behaves as `impl` (or refuses to be constructed); after
 * restore it is re-parented onto the real class, so subclasses and captured prototypes work.
 */
function standInClass(module: string, name: string, impl: (new (...a: any[]) => object) | undefined): Function {
  const base = impl ?? Object;
  const record = (obj: object, args: unknown[]): void => {
    ds.instances.push({ obj: obj as BuildInstance['obj'], module, className: name, args, ownKeys: new Set(Reflect.ownKeys(obj)) });
  };
  // A computed class name keeps stack traces and `constructor.name` readable.
  const before = (): void => {
    // Classes behind a lazy getter (web globals, Node 22+'s http.WebSocket) are re-parented
    // on first use: reading them loads undici (~30 ms), which a restore should not pay.
    if (ds.restored && Object.getPrototypeOf(cls) === base) reparent(module, name, cls);
    if (!ds.restored && !impl) {
      noteUse(module, name);
      throw new BuildTimeUseError(`new ${module}.${name}()`, `it needs the real node:${module}, which cannot be loaded before restore — construct it in onRestore() or a Resource's afterRestore()`);
    }
  };
  const after = (self: object, args: unknown[]): void => {
    if (ds.restored) return;
    noteUse(module, name);
    // Servers and agents outlive the build and are initialised in place after restore;
    // request/response objects are per request and are not.
    if (name === 'Server' || name === 'Agent') record(self, args);
  };
  // A class declared with the real name: V8 names frames after it (`Server.emit`), and after
  // restore super() reaches the real constructor, since the class is re-parented onto it.
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`thaw: bad export name ${name}`);
  const cls = new Function('base', 'before', 'after', `return class ${name} extends base { constructor(...args) { before(); super(...args); after(this, args); } };`)(base, before, after) as Function;
  if (module === 'globalThis' && name === 'Response') {
    // Response's static factories, reachable before the class is first constructed.
    for (const f of ['json', 'error', 'redirect']) {
      Object.defineProperty(cls, f, { configurable: true, writable: true, value: (...a: unknown[]) => (globalThis as any).Response[f](...a) });
    }
  }
  Object.defineProperty(cls, Symbol.hasInstance, {
    configurable: true,
    value(this: Function, v: unknown): boolean {
      if (ds.restored) {
        const real = realModule(module)[name];
        if (typeof real === 'function' && v instanceof real) return true;
      }
      return Function.prototype[Symbol.hasInstance].call(this, v);
    },
  });
  ds.standIns.push({ module, name, cls });
  return cls;
}

const buildImpls: Record<string, Record<string, new (...a: any[]) => object>> = {
  http: { Server: BuildServer, IncomingMessage: BuildIncomingMessage, ServerResponse: BuildServerResponse, Agent: EventEmitter as any, OutgoingMessage: EventEmitter as any },
  https: { Server: BuildServer, Agent: EventEmitter as any },
  _http_server: { Server: BuildServer, ServerResponse: BuildServerResponse },
  _http_incoming: { IncomingMessage: BuildIncomingMessage },
  _http_agent: { Agent: EventEmitter as any },
};

const outgoing = (m: string, n: string): BuildTimeUseError =>
  new BuildTimeUseError(`${m}.${n}()`, 'an outgoing connection cannot be part of a snapshot — make the call from onRestore(), a Resource\'s afterRestore(), or a request handler');

/** The module object the app gets for `require('http')` (and friends) while building. */
export function deferredModule(module: string): Record<string, unknown> {
  const existing = ds.modules.get(module);
  if (existing) return existing;
  const shape = ds.shapes[module] ?? { functions: [], classes: [], values: {} };
  const mod: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(shape.values)) mod[k] = v;
  for (const name of shape.classes) mod[name] = standInClass(module, name, buildImpls[module]?.[name]);
  for (const name of shape.functions) {
    const fn = function (this: unknown, ...args: unknown[]): unknown {
      if (ds.restored) return realModule(module)[name].apply(this, args);
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
  ds.modules.set(module, mod);
  return mod;
}

/** Every server constructed from a stand-in so far has a record (created on first need). */
function serverRecords(): void {
  for (const inst of ds.instances) {
    const obj = inst.obj as unknown;
    if (obj instanceof BuildServer && !ds.servers.some((s) => s.server === obj)) {
      ds.servers.push({ server: obj, module: inst.module, listenArgs: null, envReadBeforeListen: new Set() });
    }
  }
}

/**
 * Stand-in for a web global that loads undici when first touched. On Node 22+ even reading the
 * property descriptor of globalThis.Request materialises it (a V8 lazy data property) and the
 * builder aborts, so globalThis is never touched while building: the bundler injects these
 * stand-ins for the app's free references to fetch/Request/Response/… (runtime/web-globals.ts).
 */
export function webStandIn(name: (typeof DEFERRED_GLOBALS)[number]): unknown {
  if (name === 'fetch') {
    return function fetch(this: unknown, ...args: unknown[]): unknown {
      if (ds.restored) return (globalThis as any).fetch.apply(this, args);
      noteUse('globalThis', 'fetch');
      throw outgoing('globalThis', 'fetch');
    };
  }
  return standInClass('globalThis', name, undefined);
}

// ---------------------------------------------------------------------------------------------
// Warm-up through the stand-in server.

export interface WarmupRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  repeat?: number;
}

export interface WarmupResult {
  method: string;
  path: string;
  status: number;
  bytes: number;
  ms: number;
}

/** The server warm-up requests go to: the first that listened, else the first created. */
export function warmupTarget(): BuildServer | undefined {
  serverRecords();
  return (ds.servers.find((s) => s.listenArgs) ?? ds.servers[0])?.server;
}

export function serverCount(): { created: number; listening: number } {
  serverRecords();
  return { created: ds.servers.length, listening: ds.servers.filter((s) => s.listenArgs).length };
}

/** Deliver one request to the server's 'request' listeners, in memory, and wait for the end. */
export function deliver(server: BuildServer, r: WarmupRequest, timeoutMs: number): Promise<WarmupResult & { body: string }> {
  const http = ds.modules.get('http');
  const Req = (http?.IncomingMessage as typeof BuildIncomingMessage | undefined) ?? BuildIncomingMessage;
  const Res = (http?.ServerResponse as typeof BuildServerResponse | undefined) ?? BuildServerResponse;
  const started = nowMs();
  const req = new Req(new BuildSocket());
  req.method = r.method.toUpperCase();
  req.url = r.path;
  const body = r.body === undefined ? undefined : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  const headers: Record<string, string> = { host: 'localhost', ...Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)])) };
  if (body !== undefined) {
    headers['content-length'] ??= String(Buffer.byteLength(body));
    if (typeof r.body !== 'string') headers['content-type'] ??= 'application/json';
  }
  req.headers = headers;
  req.rawHeaders = Object.entries(headers).flat();
  const res = new Res(req);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      const buf = Buffer.concat(res[kInternal].body);
      resolve({ method: req.method, path: r.path, status: res.statusCode, bytes: buf.length, ms: nowMs() - started, body: buf.toString('utf8', 0, Math.min(buf.length, 400)) });
    };
    res.once('finish', finish);
    res.once('error', (e: Error) => {
      clearTimeout(timer);
      reject(e);
    });
    try {
      server.emit('request', req, res);
    } catch (e) {
      clearTimeout(timer);
      reject(e);
      return;
    }
    if (body !== undefined) req.push(body);
    req.push(null);
    req.complete = true;
  });
}

// ---------------------------------------------------------------------------------------------
// After restore.

function listeners(obj: EventEmitter): Array<[string | symbol, Function[]]> {
  return obj.eventNames().map((e) => [e, obj.rawListeners(e)]);
}

/** Parent a stand-in class (and its prototype) on the real class. */
function reparent(module: string, name: string, cls: Function): void {
  const real = module === 'globalThis' ? (globalThis as Record<string, unknown>)[name] : realModule(module)[name];
  if (typeof real !== 'function') return;
  Object.setPrototypeOf(cls.prototype, real.prototype);
  Object.setPrototypeOf(cls, real);
}

/** Turn every stand-in into the real thing. Call once, first thing after restore. */
export function restoreDeferred(): void {
  ds.restored = true;
  for (const [module, mod] of ds.modules) {
    const real = realModule(module);
    for (const key of Object.keys(mod)) {
      // Lazy getters stay lazy: Node 22+'s http.WebSocket loads undici (~30 ms) when read.
      const desc = Object.getOwnPropertyDescriptor(real, key);
      if (desc?.get) Object.defineProperty(mod, key, { get: () => real[key], configurable: true, enumerable: true });
      else mod[key] = real[key];
    }
  }
  for (const { module, name, cls } of ds.standIns) {
    if (module !== 'globalThis' && !Object.getOwnPropertyDescriptor(realModule(module), name)?.get) reparent(module, name, cls);
  }
  // Objects built from stand-ins during the build: initialise them in place (the stand-in
  // class is a thin subclass now parented on the real class, so nothing of the build-time
  // implementation stays on the chain).
  for (const inst of ds.instances) {
    const real = realModule(inst.module)[inst.className];
    // Only a classic constructor function can initialise an existing object; a class's
    // `prototype` is read-only, a function's is writable (and this costs nothing, unlike
    // Function.prototype.toString on a built-in, which pulls in its source: ~10 ms each).
    if (typeof real !== 'function' || !Object.getOwnPropertyDescriptor(real, 'prototype')?.writable) continue;
    const obj = inst.obj as Record<PropertyKey, unknown>;
    const saved = typeof (obj as unknown as EventEmitter).eventNames === 'function' ? listeners(obj as unknown as EventEmitter) : [];
    const appProps: Array<[PropertyKey, unknown]> = Reflect.ownKeys(obj)
      .filter((k) => !inst.ownKeys.has(k) && k !== 'listening')
      .map((k) => [k, obj[k]]);
    for (const k of Reflect.ownKeys(obj)) delete obj[k];
    real.apply(obj, inst.args);
    const now = new Map(listeners(obj as unknown as EventEmitter).map(([e, l]) => [e, new Set(l)]));
    for (const [event, fns] of saved) for (const fn of fns) if (!now.get(event)?.has(fn)) (obj as unknown as EventEmitter).on(event, fn as (...a: unknown[]) => void);
    for (const [k, v] of appProps) obj[k] = v;
  }
}

function substitutePort(args: unknown[], rec: ServerRecord): unknown[] {
  const env = process.env;
  const fromEnv = (name: string): string | undefined => (rec.envReadBeforeListen.has(name) && env[name] ? env[name] : undefined);
  const port = fromEnv('PORT');
  const host = fromEnv('HOST');
  const out = [...args];
  if (out[0] && typeof out[0] === 'object') {
    const o = { ...(out[0] as Record<string, unknown>) };
    if (port !== undefined && 'port' in o) o.port = Number(port);
    if (host !== undefined && 'host' in o) o.host = host;
    out[0] = o;
  } else if (typeof out[0] === 'number' || (typeof out[0] === 'string' && /^\d+$/.test(out[0]))) {
    if (port !== undefined) out[0] = Number(port);
    if (host !== undefined && typeof out[1] === 'string') out[1] = host;
  } else if (out.length === 0 || typeof out[0] === 'function' || out[0] === undefined || out[0] === null) {
    if (port !== undefined) out.splice(0, out[0] === undefined || out[0] === null ? 1 : 0, Number(port));
  }
  return out;
}

function describeListen(args: unknown[]): string {
  const a = args[0];
  if (a && typeof a === 'object') {
    const o = a as Record<string, unknown>;
    return o.path ? String(o.path) : `port ${o.port ?? 0}`;
  }
  return typeof a === 'string' && !/^\d+$/.test(a) ? a : `port ${a ?? 0}`;
}

/** Servers that were listening at checkpoint time listen again (after afterRestore hooks). */
export function listenServers(onFatal: (code: string, message: string, hint: string) => void): void {
  for (const rec of ds.servers) {
    if (!rec.listenArgs) continue;
    const server = rec.server as unknown as EventEmitter & { listen: (...a: unknown[]) => unknown; listening?: boolean };
    if (server.listening) continue; // the app listened again itself in afterRestore
    const args = substitutePort(rec.listenArgs, rec);
    // Without an 'error' listener a failed listen is an uncaught exception with a stack dump;
    // say what happened in one line instead. An app that listens for 'error' keeps control.
    if (server.listenerCount('error') === 0) {
      const onError = (err: NodeJS.ErrnoException): void => {
        const where = describeListen(args);
        if (err.code === 'EADDRINUSE') onFatal('E_PORT_IN_USE', `${where} is already in use (EADDRINUSE)`, 'stop the process that holds it, or start with PORT=<free port>');
        else if (err.code === 'EACCES') onFatal('E_PORT_ACCESS', `no permission to listen on ${where} (EACCES)`, 'use a port above 1023, or PORT=<port>');
        else onFatal('E_LISTEN', `listen on ${where} failed: ${err.message}`, 'check the address the app listens on');
      };
      server.once('error', onError);
      server.once('listening', () => server.removeListener('error', onError));
    }
    server.listen(...args);
  }
}

