/**
 * Warm-up requests, served in memory: a request/response pair shaped like Node's
 * http.IncomingMessage and ServerResponse is handed to the server's own 'request' listeners, so
 * the app's lazy paths, caches, compiled templates and JIT feedback end up in the snapshot
 * without a socket ever being opened.
 */
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { nowMs } from '../lifecycle.js';
import { WARMUP_PEER, warmupBody, type WarmupRequest, type WarmupResult } from '../protocol.js';

const kBody = Symbol('thaw.body');

/**
 * Where warm-up requests come from: 127.0.0.2, a loopback address clients do not use, so that
 * per-client state the warm-up builds up (a rate limiter's count) is not charged to 127.0.0.1
 * or any real client. thaw build's verification replays the warm-up to cold starts from the
 * same address. A server listening on :: sees it IPv4-mapped, as Node reports a real socket.
 */

export class BuildSocket extends EventEmitter {
  remoteAddress = WARMUP_PEER;
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

/** In-memory http.IncomingMessage. */
export class BuildIncomingMessage extends Readable {
  socket: BuildSocket;
  headers: Record<string, string> = {};
  headersDistinct: Record<string, string[]> = {};
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
export class BuildServerResponse extends EventEmitter {
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
  strictContentLength = false;
  req: BuildIncomingMessage;
  socket: BuildSocket;
  _header: string | null = null;
  writableCorked = 0;
  writableObjectMode = false;
  writableHighWaterMark = 16384;
  /** The status line's status, fixed when the headers go out (as on a socket). */
  [kBody]: { headers: Map<string, [string, unknown]>; chunks: Buffer[]; sentStatus?: number };
  constructor(req?: BuildIncomingMessage) {
    super();
    this.req = req ?? new BuildIncomingMessage();
    this.socket = this.req.socket;
    this[kBody] = { headers: new Map(), chunks: [] };
  }
  get connection(): BuildSocket {
    return this.socket;
  }
  get headersSent(): boolean {
    return this._header !== null;
  }
  /** The old name some middleware still reads. */
  get _headerSent(): boolean {
    return this._header !== null;
  }
  get writableLength(): number {
    return 0;
  }
  get writableNeedDrain(): boolean {
    return false;
  }
  setHeader(name: string, value: unknown): this {
    if (this.headersSent) throw Object.assign(new Error('Cannot set headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
    this[kBody].headers.set(String(name).toLowerCase(), [String(name), value]);
    return this;
  }
  setHeaders(headers: Iterable<[string, unknown]> | Map<string, unknown>): this {
    const entries = typeof (headers as Map<string, unknown>).entries === 'function' ? (headers as Map<string, unknown>).entries() : (headers as Iterable<[string, unknown]>);
    for (const [k, v] of entries) this.setHeader(k, v);
    return this;
  }
  appendHeader(name: string, value: unknown): this {
    const prev = this.getHeader(name);
    if (prev === undefined) return this.setHeader(name, value);
    return this.setHeader(name, ([] as unknown[]).concat(prev, value));
  }
  getHeader(name: string): unknown {
    return this[kBody].headers.get(String(name).toLowerCase())?.[1];
  }
  getHeaders(): Record<string, unknown> {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, [, v]] of this[kBody].headers) out[k] = v;
    return out;
  }
  getHeaderNames(): string[] {
    return [...this[kBody].headers.keys()];
  }
  getRawHeaderNames(): string[] {
    return [...this[kBody].headers.values()].map(([n]) => n);
  }
  hasHeader(name: string): boolean {
    return this[kBody].headers.has(String(name).toLowerCase());
  }
  removeHeader(name: string): void {
    this[kBody].headers.delete(String(name).toLowerCase());
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
    if (this._header === null) {
      this._header = `HTTP/1.1 ${this.statusCode}\r\n`;
      this[kBody].sentStatus = this.statusCode;
    }
  }
  /** Node's own name for "send the headers now" (express-session calls it). */
  _implicitHeader(): void {
    this.writeHead(this.statusCode);
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
      this[kBody].chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, enc) : Buffer.from(chunk as Uint8Array));
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

export interface ServedRequest extends Omit<WarmupResult, 'write'> {
  /** The first 2000 characters of the body (for the message of a failed warm-up). */
  body: string;
}

/**
 * Deliver one request to the server's 'request' listeners and wait for the response to end.
 * `Req` and `Res` are the classes the app sees as http.IncomingMessage and ServerResponse (so
 * `req instanceof http.IncomingMessage` holds).
 */
export function deliver(server: EventEmitter, r: WarmupRequest, timeoutMs: number, classes: { Req: typeof BuildIncomingMessage; Res: typeof BuildServerResponse; own: <T>(make: () => T) => T; ipv6: boolean }): Promise<ServedRequest> {
  const { Req, Res, own } = classes;
  const started = nowMs();
  const socket = new BuildSocket();
  if (classes.ipv6) Object.assign(socket, { remoteAddress: `::ffff:${WARMUP_PEER}`, remoteFamily: 'IPv6', localAddress: '::ffff:127.0.0.1' });
  const req = new Req(socket);
  req.method = r.method.toUpperCase();
  req.url = r.path;
  const { body, json } = warmupBody(r);
  const headers: Record<string, string> = { host: 'localhost', ...Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)])) };
  if (body !== undefined) {
    headers['content-length'] ??= String(Buffer.byteLength(body));
    if (json) headers['content-type'] ??= 'application/json';
  }
  req.headers = headers;
  req.headersDistinct = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));
  req.rawHeaders = Object.entries(headers).flat();
  const res = new Res(req);
  return new Promise((resolve, reject) => {
    // thaw's own timer: never counted as one of the app's handles.
    const timer = own(() => setTimeout(() => reject(new Error(`no response within ${timeoutMs} ms`)), timeoutMs));
    const finish = (): void => {
      clearTimeout(timer);
      const buf = Buffer.concat(res[kBody].chunks);
      resolve({ method: req.method, path: r.path, status: res[kBody].sentStatus ?? res.statusCode, bytes: buf.length, ms: nowMs() - started, body: buf.toString('utf8', 0, Math.min(buf.length, 2000)) });
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
