/**
 * HotSpot Native Memory Tracking, detail level. Produced by
 *   java -XX:NativeMemoryTracking=detail …   then   jcmd PID VM.native_memory detail
 * The output starts with `PID:` and has a "Virtual memory map:" section of reserved regions, each
 * followed by the ranges committed in it (tab-indented), e.g.
 *   [0x00000000fc000000 - 0x0000000100000000] reserved and committed 65536KB for Java Heap from
 *   \t[0x00000000fc000000 - 0x00000000ffe00000] committed 63488KB from
 * Stack frames (lines with a single `[0x…]`) and everything after "Details:" are skipped.
 */
import { ThawError } from '../errors.js';
import type { NmtRegion, NmtReport } from '../model/pages-nmt.js';

// [0x00000000fc000000 - 0x0000000100000000] reserved and committed 65536KB for Java Heap from
const RESERVED = /^\[0x([0-9a-fA-F]+) - 0x([0-9a-fA-F]+)\] reserved (?:and committed )?\d+KB for (.+?)(?: from)?\s*$/;
// \t[0x00000000fc000000 - 0x00000000ffe00000] committed 63488KB from   (thread stacks omit "from")
const COMMITTED = /^\s+\[0x([0-9a-fA-F]+) - 0x([0-9a-fA-F]+)\] committed \d+KB(?: from)?\s*$/;
const FRAME = /^\s*\[0x[0-9a-fA-F]+\]/;

export function importNmt(text: string): NmtReport | null {
  if (!/Native Memory Tracking:/.test(text.slice(0, 4096))) return null;
  const lines = text.split('\n');
  const pidMatch = /^(\d+):\s*$/.exec(lines[0]?.trim() ?? '');
  const pid = pidMatch ? Number(pidMatch[1]) : 0;
  const problems: string[] = [];
  if (!pidMatch) problems.push(`line 1: expected "PID:" as jcmd prints it, got ${JSON.stringify(lines[0] ?? '')}`);
  const regions: Array<{ start: number; end: number; category: string; committed: Array<{ start: number; end: number }> }> = [];
  let inMap = false;
  let sawMap = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.startsWith('Virtual memory map:')) {
      inMap = sawMap = true;
      continue;
    }
    if (!inMap) continue;
    if (line.startsWith('Details:')) break;
    if (line.trim() === '') continue;
    let m = RESERVED.exec(line);
    if (m) {
      regions.push({ start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16), category: m[3]!, committed: [] });
      continue;
    }
    m = COMMITTED.exec(line);
    if (m) {
      const r = regions[regions.length - 1];
      if (!r) problems.push(`line ${i + 1}: committed range before any reserved region`);
      else r.committed.push({ start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16) });
      continue;
    }
    if (FRAME.test(line)) continue;
    problems.push(`line ${i + 1}: not a reserved/committed region or stack frame: ${JSON.stringify(line.slice(0, 80))}`);
  }
  if (!sawMap) {
    throw new ThawError('E_NMT_SUMMARY', 'NMT output has no "Virtual memory map" section (summary level?)', {
      hint: 'start the JVM with -XX:NativeMemoryTracking=detail and run: jcmd PID VM.native_memory detail',
    });
  }
  const frozen: NmtRegion[] = regions.map((r) => Object.freeze({ ...r, committed: Object.freeze(r.committed.map((c) => Object.freeze(c))) }));
  return Object.freeze({ pid, regions: Object.freeze(frozen), problems: Object.freeze(problems) });
}
