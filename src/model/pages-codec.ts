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

/** The engine's own decoder where there is one (Chromium 140+, Firefox 133+, Safari 18.2+): ten times faster. */
const nativeFromBase64 = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;

function fromBase64(s: string): Uint8Array {
  if (nativeFromBase64) return nativeFromBase64(s);
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
  return toBase64(buf.subarray(0, n));
}

/** Decode a column; each value is multiplied by `scale` (page numbers → addresses). */
export function decodeColumn(text: string, count: number, delta = true, scale = 1): Float64Array {
  const bytes = fromBase64(text);
  const out = new Float64Array(count);
  const end = bytes.length;
  let pos = 0;
  let prev = 0;
  for (let i = 0; i < count; i++) {
    if (pos >= end) throw new Error(`column ends after ${i} of ${count} values`);
    // Up to four bytes (28 bits) with integer operations, the rest (to 2^53) in doubles.
    let b = bytes[pos++]!;
    let z = b & 127;
    if (b >= 128) {
      let shift = 7;
      do {
        if (pos >= end) throw new Error(`column ends after ${i} of ${count} values`);
        b = bytes[pos++]!;
        if (shift < 28) z |= (b & 127) << shift;
        else z += (b & 127) * 2 ** shift;
        shift += 7;
      } while (b >= 128);
    }
    const d = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    const v = delta ? prev + d : d;
    out[i] = v * scale;
    prev = v;
  }
  return out;
}

/**
 * Runs of equal values as (value, length) pairs, then as a column: per-page columns that hold
 * one value per mapping (its index, its category) shrink from a byte per page to a few per run.
 */
export function encodeRuns(values: ArrayLike<number>): string {
  const pairs: number[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i + 1;
    while (j < values.length && values[j] === values[i]) j++;
    pairs.push(values[i]!, j - i);
    i = j;
  }
  return encodeColumn(pairs, false);
}

export function decodeRuns(text: string, count: number): Float64Array {
  const out = new Float64Array(count);
  if (count === 0) return out;
  const bytes = fromBase64(text);
  let pos = 0;
  const next = (): number => {
    let z = 0;
    let mul = 1;
    for (;;) {
      if (pos >= bytes.length) throw new Error(`runs end before ${count} values`);
      const b = bytes[pos++]!;
      z += (b & 127) * mul;
      if (b < 128) break;
      mul *= 128;
    }
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  };
  for (let i = 0; i < count; ) {
    const v = next();
    const n = next();
    if (n <= 0 || i + n > count) throw new Error(`a run of ${n} at ${i} of ${count} values`);
    out.fill(v, i, i + n);
    i += n;
  }
  return out;
}
