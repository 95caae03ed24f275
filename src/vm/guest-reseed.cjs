'use strict';
// thaw guest preload (NODE_OPTIONS=--require inside a thaw microVM guest): fresh randomness in
// every restore of one VM snapshot. The guest agent reseeds the kernel's CRNG after a restore,
// but a Node process keeps its own generators in memory, cloned by the snapshot: OpenSSL's DRBG
// (randomBytes, randomFill, getRandomValues), the batch behind randomUUID() and the cache behind
// randomInt() (lib/internal/crypto/random.js), and V8's Math.random state. Here those functions
// read the kernel (/dev/urandom, reseeded) on every call instead, and Math.random serves from a
// pool of kernel bytes that the agent's SIGPWR empties before the restored guest takes traffic;
// the handler then acknowledges on the FIFO named by THAW_RESEED_ACK.
const fs = require('node:fs');
const crypto = require('node:crypto');

const ackPath = process.env.THAW_RESEED_ACK;
delete process.env.THAW_RESEED_ACK;
let fd = -1;
function fill(view) {
  if (fd < 0) fd = fs.openSync('/dev/urandom', 'r');
  const u8 = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  for (let at = 0; at < u8.length; ) at += fs.readSync(fd, u8, at, u8.length - at, null);
  return view;
}

const hex = Array.from({ length: 256 }, (_, i) => (i + 0x100).toString(16).slice(1));
function randomUUID() {
  const b = fill(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return `${hex[b[0]]}${hex[b[1]]}${hex[b[2]]}${hex[b[3]]}-${hex[b[4]]}${hex[b[5]]}-${hex[b[6]]}${hex[b[7]]}-${hex[b[8]]}${hex[b[9]]}-${hex[b[10]]}${hex[b[11]]}${hex[b[12]]}${hex[b[13]]}${hex[b[14]]}${hex[b[15]]}`;
}
function randomBytes(size, cb) {
  const b = fill(Buffer.allocUnsafe(size));
  if (typeof cb === 'function') return void process.nextTick(cb, null, b);
  return b;
}
function span(buf, offset, size) {
  const bytes = ArrayBuffer.isView(buf) ? buf : new Uint8Array(buf);
  const per = bytes.BYTES_PER_ELEMENT || 1;
  const from = (offset ?? 0) * per;
  const len = size === undefined ? bytes.byteLength - from : size * per;
  return new Uint8Array(bytes.buffer, bytes.byteOffset + from, len);
}
function randomFillSync(buf, offset, size) {
  fill(span(buf, offset, size));
  return buf;
}
function randomFill(buf, offset, size, cb) {
  if (typeof offset === 'function') [cb, offset, size] = [offset, undefined, undefined];
  else if (typeof size === 'function') [cb, size] = [size, undefined];
  fill(span(buf, offset, size));
  process.nextTick(cb, null, buf);
}
function randomInt(min, max, cb) {
  if (max === undefined || typeof max === 'function') [min, max, cb] = [0, min, max];
  const range = max - min;
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || range <= 0 || range > 2 ** 48) {
    throw new RangeError(`randomInt: the range ${min}..${max} must be safe integers, max > min, at most 2^48 apart`);
  }
  const limit = 2 ** 48 - (2 ** 48 % range);
  const b = new Uint8Array(6);
  let x;
  do {
    fill(b);
    x = b[0] * 2 ** 40 + b[1] * 2 ** 32 + b[2] * 2 ** 24 + b[3] * 2 ** 16 + b[4] * 2 ** 8 + b[5];
  } while (x >= limit);
  const v = min + (x % range);
  if (typeof cb === 'function') return void process.nextTick(cb, null, v);
  return v;
}
function getRandomValues(view) {
  if (!ArrayBuffer.isView(view) || view instanceof Float32Array || view instanceof Float64Array || view instanceof DataView) {
    return crypto.webcrypto.constructor.prototype.getRandomValues.call(crypto.webcrypto, view); // Node's own error
  }
  if (view.byteLength > 65536) throw new DOMException(`The ArrayBufferView's byte length (${view.byteLength}) exceeds the number of bytes of entropy available via this API (65536)`, 'QuotaExceededError');
  return fill(view);
}

// Math.random: 53 bits per draw from a pool of kernel bytes, emptied by every restore.
let pool = new Uint8Array(0);
let at = 0;
function random() {
  if (at + 7 > pool.length) {
    pool = fill(new Uint8Array(4096));
    at = 0;
  }
  const hi = (pool[at] & 0x1f) * 2 ** 32;
  const lo = ((pool[at + 1] << 24) >>> 0) + (pool[at + 2] << 16) + (pool[at + 3] << 8) + pool[at + 4];
  const top = pool[at + 5] * 2 ** 8 + pool[at + 6];
  at += 7;
  return ((hi + lo) * 2 ** 16 + top) / 2 ** 53;
}

const define = (o, name, fn) => Object.defineProperty(o, name, { value: fn, writable: true, configurable: true, enumerable: true });
define(crypto, 'randomUUID', randomUUID);
define(crypto, 'randomBytes', randomBytes);
define(crypto, 'randomFillSync', randomFillSync);
define(crypto, 'randomFill', randomFill);
define(crypto, 'randomInt', randomInt);
// crypto.getRandomValues is not configurable; it calls webcrypto's, patched below.
for (const w of [crypto.webcrypto, globalThis.crypto]) {
  if (!w) continue;
  Object.defineProperty(w, 'randomUUID', { value: randomUUID, writable: true, configurable: true });
  Object.defineProperty(w, 'getRandomValues', { value: getRandomValues, writable: true, configurable: true });
}
Object.defineProperty(Math, 'random', { value: random, writable: true, configurable: true });

if (ackPath) {
  process.on('SIGPWR', () => {
    pool = new Uint8Array(0);
    at = 0;
    try {
      const w = fs.openSync(ackPath, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
      fs.writeSync(w, 'ok\n');
      fs.closeSync(w);
    } catch {
      /* the agent stopped waiting */
    }
  });
}
