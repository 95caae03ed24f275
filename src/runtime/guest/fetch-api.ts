/**
 * Headers, Request and Response while building: small implementations of the Fetch Standard's
 * classes (https://fetch.spec.whatwg.org/), so frameworks built on them (Hono on
 * @hono/node-server, graphql-yoga, SvelteKit/Astro/Remix node adapters) can serve warm-up
 * requests inside the snapshot builder, where undici, Node's own implementation, cannot be
 * loaded. They back the stand-in classes (guest/web.ts) until restore, when the stand-ins are
 * re-parented onto Node's real classes. Objects made from them are meant for one request:
 * one kept past the checkpoint (a Response cached at init) is not a real undici object after
 * restore — `thaw build` verifies the restored image and reports such a difference.
 */

type HeadersInit = BuildHeaders | Iterable<[string, string]> | Record<string, string> | undefined | null;
type BodyInit = string | ArrayBuffer | ArrayBufferView | URLSearchParams | Blob | ReadableStream<Uint8Array> | null | undefined;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function normaliseName(name: unknown): string {
  const n = String(name);
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(n)) throw new TypeError(`Headers: invalid header name "${n}"`);
  return n.toLowerCase();
}

const normaliseValue = (v: unknown): string => String(v).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');

export class BuildHeaders {
  #map = new Map<string, string[]>();
  constructor(init?: HeadersInit) {
    if (init === undefined || init === null) return;
    if (init instanceof BuildHeaders) {
      for (const [k, vs] of init.#map) this.#map.set(k, vs.slice());
    } else if (typeof (init as Iterable<unknown>)[Symbol.iterator] === 'function') {
      for (const pair of init as Iterable<[string, string]>) {
        const p = [...(pair as unknown as Iterable<string>)];
        if (p.length !== 2) throw new TypeError('Headers: each header must be a [name, value] pair');
        this.append(p[0]!, p[1]!);
      }
    } else if (typeof init === 'object') {
      for (const [k, v] of Object.entries(init)) this.append(k, v);
    } else {
      throw new TypeError('Headers: init must be an object or a list of pairs');
    }
  }
  append(name: string, value: string): void {
    const k = normaliseName(name);
    const list = this.#map.get(k);
    if (list) list.push(normaliseValue(value));
    else this.#map.set(k, [normaliseValue(value)]);
  }
  set(name: string, value: string): void {
    this.#map.set(normaliseName(name), [normaliseValue(value)]);
  }
  delete(name: string): void {
    this.#map.delete(normaliseName(name));
  }
  has(name: string): boolean {
    return this.#map.has(normaliseName(name));
  }
  get(name: string): string | null {
    const list = this.#map.get(normaliseName(name));
    return list ? list.join(', ') : null;
  }
  getSetCookie(): string[] {
    return (this.#map.get('set-cookie') ?? []).slice();
  }
  *entries(): IterableIterator<[string, string]> {
    for (const k of [...this.#map.keys()].sort()) {
      if (k === 'set-cookie') for (const v of this.#map.get(k)!) yield [k, v];
      else yield [k, this.#map.get(k)!.join(', ')];
    }
  }
  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }
  *values(): IterableIterator<string> {
    for (const [, v] of this.entries()) yield v;
  }
  forEach(fn: (value: string, key: string, parent: BuildHeaders) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
  get [Symbol.toStringTag](): string {
    return 'Headers';
  }
}

/** A body: bytes known now, or a stream read on demand. */
class Body {
  #bytes: Uint8Array | null = null;
  #stream: ReadableStream<Uint8Array> | null = null;
  #used = false;
  protected setBody(body: BodyInit, headers: BuildHeaders): void {
    if (body === null || body === undefined) return;
    const type = (t: string): void => {
      if (!headers.has('content-type')) headers.set('content-type', t);
    };
    if (typeof body === 'string') {
      this.#bytes = encoder.encode(body);
      type('text/plain;charset=UTF-8');
    } else if (body instanceof URLSearchParams) {
      this.#bytes = encoder.encode(body.toString());
      type('application/x-www-form-urlencoded;charset=UTF-8');
    } else if (body instanceof ArrayBuffer) {
      this.#bytes = new Uint8Array(body.slice(0));
    } else if (ArrayBuffer.isView(body)) {
      this.#bytes = new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    } else if (typeof Blob !== 'undefined' && body instanceof Blob) {
      this.#stream = body.stream() as ReadableStream<Uint8Array>;
      if (body.type) type(body.type);
    } else if (typeof (body as ReadableStream).getReader === 'function') {
      this.#stream = body as ReadableStream<Uint8Array>;
    } else {
      this.#bytes = encoder.encode(String(body));
      type('text/plain;charset=UTF-8');
    }
  }
  protected copyBodyTo(other: Body): void {
    if (this.#stream) {
      const [a, b] = this.#stream.tee();
      this.#stream = a;
      other.#stream = b;
    } else other.#bytes = this.#bytes;
  }
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#stream) return this.#stream;
    if (!this.#bytes) return null;
    const bytes = this.#bytes;
    this.#stream = new ReadableStream<Uint8Array>({
      start(c) {
        if (bytes.length) c.enqueue(bytes);
        c.close();
      },
    });
    this.#bytes = null;
    return this.#stream;
  }
  get bodyUsed(): boolean {
    return this.#used;
  }
  async bytes(): Promise<Uint8Array> {
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    if (this.#bytes) return this.#bytes;
    if (!this.#stream) return new Uint8Array(0);
    const chunks: Uint8Array[] = [];
    const reader = this.#stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(typeof value === 'string' ? encoder.encode(value) : value);
    }
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = await this.bytes();
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }
  async text(): Promise<string> {
    return decoder.decode(await this.bytes());
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  async blob(): Promise<Blob> {
    return new Blob([(await this.bytes()) as Uint8Array<ArrayBuffer>]);
  }
  async formData(): Promise<never> {
    throw new TypeError('thaw: formData() is not available while building the snapshot; warm up this route with another body type');
  }
}

/** Methods the Fetch Standard normalises to upper case (PATCH is not among them). */
const METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

export class BuildRequest extends Body {
  readonly url: string;
  readonly method: string;
  readonly headers: BuildHeaders;
  readonly signal: AbortSignal;
  readonly redirect: string;
  readonly credentials = 'same-origin';
  readonly mode = 'cors';
  readonly cache = 'default';
  readonly integrity = '';
  readonly keepalive = false;
  readonly referrer = 'about:client';
  readonly referrerPolicy = '';
  readonly destination = '';
  readonly duplex = 'half';
  constructor(input: string | URL | BuildRequest, init: { method?: string; headers?: HeadersInit; body?: BodyInit; signal?: AbortSignal | null; redirect?: string } = {}) {
    super();
    const from = input instanceof BuildRequest ? input : undefined;
    this.url = from ? from.url : new URL(String(input)).href;
    const method = init.method ?? from?.method ?? 'GET';
    this.method = METHODS.has(method.toUpperCase()) ? method.toUpperCase() : method;
    this.headers = new BuildHeaders(init.headers ?? from?.headers);
    this.signal = init.signal ?? from?.signal ?? new AbortController().signal;
    this.redirect = init.redirect ?? from?.redirect ?? 'follow';
    if (init.body !== undefined && init.body !== null) {
      if (this.method === 'GET' || this.method === 'HEAD') throw new TypeError('Request with GET/HEAD method cannot have body.');
      this.setBody(init.body, this.headers);
    } else if (from) from.copyBodyTo(this);
  }
  clone(): BuildRequest {
    return new (this.constructor as typeof BuildRequest)(this);
  }
  get [Symbol.toStringTag](): string {
    return 'Request';
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class BuildResponse extends Body {
  readonly status: number;
  readonly statusText: string;
  readonly headers: BuildHeaders;
  readonly type: string = 'default';
  readonly url = '';
  readonly redirected = false;
  constructor(body?: BodyInit, init: { status?: number; statusText?: string; headers?: HeadersInit } = {}) {
    super();
    const status = init.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 599) throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
    this.status = status;
    this.statusText = init.statusText ?? '';
    this.headers = new BuildHeaders(init.headers);
    if (body !== undefined && body !== null) {
      if ([101, 204, 205, 304].includes(status)) throw new TypeError('Response constructor: Invalid response status code ' + status);
      this.setBody(body, this.headers);
    }
  }
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  clone(): BuildResponse {
    const c = new (this.constructor as typeof BuildResponse)(null, { status: this.status, statusText: this.statusText, headers: this.headers });
    this.copyBodyTo(c);
    return c;
  }
  static json(data: unknown, init: { status?: number; statusText?: string; headers?: HeadersInit } = {}): BuildResponse {
    const headers = new BuildHeaders(init.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new this(JSON.stringify(data), { ...init, headers });
  }
  static error(): BuildResponse {
    const r = new this(null, { status: 200 });
    Object.assign(r, { type: 'error', status: 0 });
    return r;
  }
  static redirect(url: string | URL, status = 302): BuildResponse {
    if (!REDIRECTS.has(status)) throw new RangeError(`Invalid status code ${status}`);
    const r = new this(null, { status: 200 });
    (r as { status: number }).status = status;
    r.headers.set('location', new URL(String(url)).href);
    return r;
  }
  get [Symbol.toStringTag](): string {
    return 'Response';
  }
}
