/**
 * Compact number columns for the JSON forms: zigzag delta + LEB128 varint, then base64.
 * Page addresses ascend within a mapping, so most deltas fit one byte; a million pages take a few
 * megabytes instead of twenty. Works on doubles up to 2^53 (no 32-bit bit operators on values).
 * No `node:` or DOM imports: the browser decodes with the same code.
 */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function toBase64(bytes: Uint8Array): string {
  let out = '';
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = i + 1 < bytes.length ? bytes[i + 1]! : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2]! : 0;
    out += B64[a >> 2]! + B64[((a & 3) << 4) | (b >> 4)]! + (i + 1 < bytes.length ? B64[((b & 15) << 2) | (c >> 6)]! : '=') + (i + 2 < bytes.length ? B64[c & 63]! : '=');
    if (out.length > 8192) {
      parts.push(out);
      out = '';
    }
  }
  parts.push(out);
  return parts.join('');
}

const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) LOOKUP[B64.charCodeAt(i)] = i;

function fromBase64(s: string): Uint8Array {
  let len = s.length;
  while (len > 0 && s[len - 1] === '=') len--;
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let o = 0;
  for (let i = 0; i < len; i += 4) {
    const a = LOOKUP[s.charCodeAt(i)]!;
    const b = LOOKUP[s.charCodeAt(i + 1)]!;
    const c = i + 2 < len ? LOOKUP[s.charCodeAt(i + 2)]! : 0;
    const d = i + 3 < len ? LOOKUP[s.charCodeAt(i + 3)]! : 0;
    if (a < 0 || b < 0 || c < 0 || d < 0) throw new Error(`invalid base64 at ${i}`);
    out[o++] = (a << 2) | (b >> 4);
    if (i + 2 < len) out[o++] = ((b & 15) << 4) | (c >> 2);
    if (i + 3 < len) out[o++] = ((c & 3) << 6) | d;
  }
  return out.subarray(0, o);
}

/** Encode numbers (integers, |v| < 2^52) as base64 of zigzag-delta varints. */
export function encodeColumn(values: ArrayLike<number>, delta = true): string {
  const bytes: number[] = [];
  let buf = new Uint8Array(Math.max(16, values.length * 2));
  let n = 0;
  const put = (b: number): void => {
    if (n === buf.length) {
      const next = new Uint8Array(buf.length * 2);
      next.set(buf);
      buf = next;
    }
    buf[n++] = b;
  };
  let prev = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const d = delta ? v - prev : v;
    prev = v;
    let z = d >= 0 ? d * 2 : -d * 2 - 1; // zigzag without 32-bit operators
    while (z >= 128) {
      put((z % 128) + 128);
      z = Math.floor(z / 128);
    }
    put(z);
  }
  void bytes;
  return toBase64(buf.subarray(0, n));
}

export function decodeColumn(text: string, count: number, delta = true): Float64Array {
  const bytes = fromBase64(text);
  const out = new Float64Array(count);
  let pos = 0;
  let prev = 0;
  for (let i = 0; i < count; i++) {
    let z = 0;
    let mul = 1;
    for (;;) {
      if (pos >= bytes.length) throw new Error(`column ends after ${i} of ${count} values`);
      const b = bytes[pos++]!;
      z += (b & 127) * mul;
      if (b < 128) break;
      mul *= 128;
    }
    const d = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    const v = delta ? prev + d : d;
    out[i] = v;
    prev = v;
  }
  return out;
}
