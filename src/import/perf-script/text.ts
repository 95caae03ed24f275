/**
 * The text rules of Brendan Gregg's stackcollapse-perf.pl, as pure functions on latin1 strings
 * (one char per input byte, as Perl reads bytes): the event and frame line patterns, and the
 * tidy-up of one function name.
 */

// Perl's \s on byte strings (5.18+): space, \t, \n, \v, \f, \r. JS's \s also takes U+00A0.
const S = '[ \\t\\n\\r\\f\\v]';
const NS = '[^ \\t\\n\\r\\f\\v]';
/** `java 12688/12764 [002] 6544038.708352: 10309278 cpu-clock:` — comm, pid, tid. */
export const EVENT_RE = new RegExp(`^(${NS}.+?)${S}+(\\d+)\\/*(\\d+)*${S}+`, 's');
/** The tail of an event line: `: 10309278 cpu-clock:` — period and event name. */
export const EVENT_TYPE_RE = new RegExp(`:${S}*(\\d+)*${S}+(${NS}+):${S}*$`, 's');
/**
 * A frame line, exactly as the Perl script reads it: address, function, (module). Both `.+` and
 * `.*` are greedy, so the module runs from the last ` (` that has a `)` after it to the line's
 * last `)`, spaces included (`/opt/my app/lib.so`, `/memfd:doublemapper (deleted)`).
 */
export const STACK_RE = new RegExp(`^${S}*(\\w+)${S}*(.+) \\((.*)\\)`, 's');
/** A sample's time on its event line: `… [002] 6544038.708352: …` (seconds). */
export const TIME_RE = new RegExp(`${S}(\\d+\\.\\d+):(?:${S}|$)`);

export function isWs(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}
export function isWord(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * Bytes → a string of the same code units, as Perl sees them. (TextDecoder's 'latin1' is
 * windows-1252 in the WHATWG encoding spec and would remap 0x80–0x9f.)
 */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  // A Node Buffer decodes latin1 natively, byte n → U+00nn as here, without a copy of the bytes.
  const b = buf as Uint8Array & { latin1Slice?: (start: number, end: number) => string };
  if (b.latin1Slice !== undefined) return b.latin1Slice(start, end);
  const sub = buf.subarray(start, end);
  let s = '';
  for (let i = 0; i < sub.length; i += 8192) s += String.fromCharCode.apply(null, sub.subarray(i, i + 8192) as unknown as number[]);
  return s;
}

/** Perl's Java tidy applies to threads whose name (spaces made `_`) matches m/^java/. */
export function isJavaName(pname: string | undefined): boolean {
  return pname !== undefined && pname.startsWith('java');
}

/** Perl: m/\.\(.*\)\./ — a Go method such as `net/http.(*Client).Do`. */
export function isGoMethod(f: string): boolean {
  const a = f.indexOf('.(');
  if (a < 0) return false;
  return f.lastIndexOf(').') >= a + 2;
}

/** Perl: s/\((?!anonymous namespace\)).*// */
export function cutParen(f: string): string {
  let k = f.indexOf('(');
  while (k >= 0) {
    if (!f.startsWith('anonymous namespace)', k + 1)) return f.slice(0, k);
    k = f.indexOf('(', k + 1);
  }
  return f;
}

/** Perl: s/\+0x[\da-f]+$// — Linux 4.8+ prints symbol offsets (`cpu_startup_entry+0x2ec`). */
export function stripOffset(raw: string): string {
  const off = raw.lastIndexOf('+0x');
  if (off < 0 || off + 3 >= raw.length) return raw;
  for (let k = off + 3; k < raw.length; k++) {
    const c = raw.charCodeAt(k);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return raw;
  }
  return raw.slice(0, off);
}

/** Perl: split /\->/ — trailing empty fields dropped. */
export function splitInline(raw: string): string[] {
  const parts = raw.includes('->') ? raw.split('->') : [raw];
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** `$mod =~ s/.*\///` */
export function baseName(mod: string): string {
  const slash = mod.lastIndexOf('/');
  return slash >= 0 ? mod.slice(slash + 1) : mod;
}

/** $tidy_generic, then $tidy_java: `;` → `:`, arguments cut, quotes dropped, Java's `L` dropped. */
export function tidyFunc(func: string, java: boolean): string {
  if (func.includes(';')) func = func.replaceAll(';', ':');
  if (!isGoMethod(func)) func = cutParen(func);
  if (func.includes('"') || func.includes("'")) func = func.replace(/["']/g, '');
  if (java && func.charCodeAt(0) === 76 /* L */ && func.includes('/')) func = func.slice(1);
  return func;
}
