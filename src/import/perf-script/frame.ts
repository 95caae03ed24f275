/**
 * One frame line's function text → the frames it stands for, as stackcollapse-perf.pl builds
 * them: `a->b` inline chains split (`b_[i]`), `[unknown]` replaced by the module's base name,
 * the name tidied, and the --kernel / --jit / --addrs annotations.
 */
import type { ResolvedOptions } from './options.js';
import { baseName, splitInline, stripOffset, tidyFunc } from './text.js';

const KERNEL_MODULE = /(^\[|vmlinux$)/;
const PERF_MAP = /\/tmp\/perf-\d+\.map/;

export interface FrameFuncs {
  /** Leaf first within the line, before any source line is appended. */
  funcs: string[];
  /**
   * With --srcline: how many of the following input lines are source lines for these frames
   * (one per frame up to the first `[unknown]` of an unknown module, as the script reads them).
   */
  reads: number;
}

/**
 * @param pc the address as printed (hex without 0x)
 * @param raw the function text (`func+0x1f`, `a->b`, `[unknown]`)
 * @param mod the module between the parentheses
 * @param java the thread's name starts with `java` (Java signatures are tidied)
 * @returns null for a line that adds no frame (a `(process name)` entry)
 */
export function frameFuncs(pc: string, raw: string, mod: string, java: boolean, o: ResolvedOptions): FrameFuncs | null {
  raw = stripOffset(raw);
  if (raw.charCodeAt(0) === 40 /* ( */) return null; // process names
  const parts = splitInline(raw);
  if (parts.length === 0) return null;
  const funcs: string[] = [];
  let reads = 0;
  let unknown = false;
  for (let func of parts) {
    if (func === '[unknown]') {
      let name: string;
      if (mod !== '[unknown]') name = baseName(mod);
      else {
        name = 'unknown';
        unknown = true;
      }
      func = o.addrs ? `[${name} <${pc}>]` : `[${name}]`;
    }
    func = tidyFunc(func, java);
    if (funcs.length > 0) {
      if (!func.includes('_[i]')) func += '_[i]';
    } else if (o.kernel && KERNEL_MODULE.test(mod) && !mod.includes('unknown')) func += '_[k]';
    else if (o.jit && PERF_MAP.test(mod)) {
      if (!func.includes('_[j]')) func += '_[j]';
    }
    if (o.srcline && !unknown) reads++;
    funcs.push(func);
  }
  return { funcs, reads };
}

/** Perl: s/\[.*?\]//g, then leading and trailing white space trimmed. */
export function tidySrcline(line: string): string {
  return line.replace(/\[[^\n]*?\]/g, '').replace(/^[ \t\n\r\f\v]+/, '').replace(/[ \t\n\r\f\v]+$/, '');
}
