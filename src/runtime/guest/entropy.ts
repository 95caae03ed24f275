/**
 * Entropy across restores. Every process restored from one snapshot starts from the same heap,
 * so any randomness drawn during the build is shared by all of them. Node keeps two caches of
 * random bytes in JS (lib/internal/crypto/random.js: the batch behind randomUUID() and the
 * cache behind randomInt()); once filled during a build, every restore hands out the same
 * UUIDs. While building, thaw answers those two functions from randomBytes() instead, so the
 * real caches stay empty and each restored process fills its own from the OS. V8 reseeds
 * Math.random on deserialisation, and randomBytes/getRandomValues read the OS every call.
 * Math.random draws made while building are recorded like the others.
 *
 * Randomness the app draws during the build (a secret made at load time, a nanoid pool) is
 * still baked in: each draw is recorded with its stack so `thaw doctor` can point at it.
 */

import { realGlobal } from './real-global.js';
import { inSession, pair, session } from './session.js';

export interface EntropyDraw {
  fn: string;
  stack: string;
  phase: string;
}

const draws: EntropyDraw[] = [];
const MAX_DRAWS = 50;
let building = false;
const originals: Array<() => void> = [];

function note(fn: string): void {
  if (!building || draws.length >= MAX_DRAWS) return;
  draws.push({ fn, stack: new Error().stack ?? '', phase: inSession() ? session().report.phase : 'init' });
}

const hex: string[] = Array.from({ length: 256 }, (_, i) => (i + 0x100).toString(16).slice(1));

function uuidFromBytes(bytes: (n: number) => Uint8Array): string {
  const b = bytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40; // version 4 (RFC 9562 §5.4)
  b[8] = (b[8]! & 0x3f) | 0x80; // variant 10
  return (
    hex[b[0]!]! + hex[b[1]!]! + hex[b[2]!]! + hex[b[3]!]! + '-' + hex[b[4]!]! + hex[b[5]!]! + '-' + hex[b[6]!]! + hex[b[7]!]! + '-' +
    hex[b[8]!]! + hex[b[9]!]! + '-' + hex[b[10]!]! + hex[b[11]!]! + hex[b[12]!]! + hex[b[13]!]! + hex[b[14]!]! + hex[b[15]!]!
  );
}

function intFromBytes(bytes: (n: number) => Uint8Array, min: number, max: number): number {
  const range = max - min;
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || range <= 0 || range > 2 ** 48) {
    throw new RangeError(`thaw: randomInt(${min}, ${max}) is out of range`);
  }
  // Rejection sampling over 48 bits, as Node's own randomInt does.
  const limit = 2 ** 48 - (2 ** 48 % range);
  for (;;) {
    const b = bytes(6);
    const x = b[0]! * 2 ** 40 + b[1]! * 2 ** 32 + b[2]! * 2 ** 24 + b[3]! * 2 ** 16 + b[4]! * 2 ** 8 + b[5]!;
    if (x < limit) return min + (x % range);
  }
}

function patch<T extends object>(obj: T, name: string, make: (orig: (...a: any[]) => any) => (...a: any[]) => any): void {
  const desc = Object.getOwnPropertyDescriptor(obj, name);
  const orig = (obj as Record<string, any>)[name];
  // Some exports are fixed (crypto.getRandomValues is non-configurable): leave those alone.
  if (typeof orig !== 'function' || (desc && !desc.configurable)) return;
  const wrapped = make(orig);
  Object.defineProperty(wrapped, 'name', { value: name });
  Object.defineProperty(obj, name, { value: wrapped, writable: true, configurable: true, enumerable: desc?.enumerable ?? true });
  originals.push(() => {
    if (desc) Object.defineProperty(obj, name, desc);
    else delete (obj as Record<string, unknown>)[name];
  });
}

let cryptoGuarded = false;

/**
 * node:crypto as the app gets it while building (the bundler routes `require('crypto')` here):
 * the real module, with randomUUID/randomInt answered from fresh bytes and draws recorded.
 * Only loaded when the app loads it — crypto in a snapshot that never needed it costs restores.
 */
export function guardedCrypto(): Record<string, any> {
  const crypto = (process as any).getBuiltinModule('node:crypto') as Record<string, any>;
  if (cryptoGuarded || !building || !inSession()) return crypto;
  cryptoGuarded = true;
  const rawRandomBytes = crypto.randomBytes as (n: number) => Buffer;
  const bytes = (n: number): Uint8Array => rawRandomBytes(n);
  // Code that keeps a reference to one of these wrappers still gets the real function after
  // restore: the wrapper checks `building` on every call.
  patch(crypto, 'randomUUID', (orig) => function (this: unknown, ...a: unknown[]) {
    if (!building) return orig.apply(this, a);
    note('crypto.randomUUID');
    return uuidFromBytes(bytes);
  });
  patch(crypto, 'randomInt', (orig) => function (this: unknown, ...a: any[]) {
    if (!building) return orig.apply(this, a);
    note('crypto.randomInt');
    const cb = typeof a[a.length - 1] === 'function' ? a.pop() : undefined;
    const [min, max] = a.length === 1 ? [0, a[0]] : [a[0], a[1]];
    const v = intFromBytes(bytes, min, max);
    if (cb) {
      process.nextTick(cb, null, v);
      return undefined;
    }
    return v;
  });
  for (const name of ['randomBytes', 'randomFillSync', 'randomFill', 'getRandomValues']) {
    patch(crypto, name, (orig) => function (this: unknown, ...a: unknown[]) {
      note(`crypto.${name}`);
      return orig.apply(this, a);
    });
  }
  return crypto;
}

/** Guard the Web Crypto global lazily: its getter is wrapped, nothing is loaded until used. */
function guardWebCrypto(): void {
  const desc = Object.getOwnPropertyDescriptor(realGlobal, 'crypto');
  if (!desc?.get || !desc.configurable) return;
  const get = desc.get;
  let guarded = false;
  Object.defineProperty(realGlobal, 'crypto', {
    configurable: true,
    enumerable: desc.enumerable,
    get() {
      const web = get.call(realGlobal) as Record<string, any>;
      if (!guarded && building && web) {
        guarded = true;
        const grv = web.getRandomValues as (a: Uint8Array) => Uint8Array;
        const bytes = (n: number): Uint8Array => grv.call(web, new Uint8Array(n));
        // Crypto.prototype methods check their receiver, so call the originals on `web` itself.
        patch(web, 'randomUUID', (orig) => function (...a: unknown[]) {
          if (!building) return orig.apply(web, a);
          note('crypto.randomUUID (web)');
          return uuidFromBytes(bytes);
        });
        patch(web, 'getRandomValues', (orig) => function (...a: unknown[]) {
          note('crypto.getRandomValues (web)');
          return orig.apply(web, a);
        });
      }
      return web;
    },
    set: desc.set,
  });
  originals.push(() => Object.defineProperty(realGlobal, 'crypto', desc));
}

/** Start guarding. Call before any app code runs: its restore step is the first of all. */
export function guardEntropy(): void {
  building = true;
  guardWebCrypto();
  // V8 reseeds Math.random in every restored process; what the app drew while building (an
  // instance id made at load) is what every restore shares, so each draw is recorded too.
  patch(Math, 'random', (orig) => function () {
    if (building) note('Math.random');
    return orig();
  });
  session().collectors.push((r) => {
    r.entropy = draws.slice();
  });
  pair('entropy', undefined, reseedEntropy);
}

/** First thing after restore: the real functions are back, with caches never filled. */
function reseedEntropy(): void {
  building = false;
  draws.length = 0;
  for (const undo of originals.splice(0).reverse()) undo();
}
