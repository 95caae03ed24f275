/**
 * fireCRaCer's userfaultfd page-fault handler log. Produced by
 *   deps/uffd_handler -v SOCKET MEM_FILE > /tmp/fireCRaCer-uffd-tap0.log
 * (tools/uffd/src/uffd_utils.rs, serve_pf / populate_from_file / zero_out): one line per fault,
 *   UFFD_EVENT_PAGEFAULT (r): 0x00007fffb3cc0000 0x00007fffb3cc0000  Loading: 0x0000000003cc1000 - 0x0000000003cc2000
 * and, from handlers built with UFFD_FEATURE_THREAD_ID, the faulting thread before the addresses:
 *   UFFD_EVENT_PAGEFAULT (w): [1234] 0x00007fffb4497010 0x00007fffb4497000  Zeroing: 0x0000000004498000 - 0x0000000004499000
 * The first address is the faulting host address, the second its page, the range after
 * Loading/Zeroing the guest physical page served. Other lines (`Connected to PID`, `Create
 * MemRegions…`, `UFFD_EVENT_REMOVE: a - b`) are skipped. That log has no time stamps: a fault's
 * time is its index.
 *
 * thaw's own page server (native/uffd-handler.c: `thaw-uffd --times --log FILE SOCKET MEM_FILE`)
 * writes the same lines, with the time since the process connected appended when run with --times:
 *   UFFD_EVENT_PAGEFAULT (r): [1234] 0x00007f0000001000 0x00007f0000001000  Loading: 0x0000000000001000 - 0x0000000000002000  t=0.104ms
 * and, for pages copied ahead of any fault from a recorded list (`--prefetch LIST`), one line each:
 *   UFFD_PREFETCH: 0x00007f0000001000  Loading: 0x0000000000001000 - 0x0000000000002000  t=0.069ms
 */
import { ThawError } from '../errors.js';
import { FaultTraceBuilder, type FaultTrace } from '../model/faults.js';

const TIME = String.raw`(?:\s+t=(\d+(?:\.\d+)?)ms)?\s*$`;
const FAULT = new RegExp(String.raw`^UFFD_EVENT_PAGEFAULT \((r|w)\):\s+(?:\[(\d+)\]\s+)?0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(Loading|Zeroing):\s+0x([0-9a-fA-F]+)\s+-\s+0x([0-9a-fA-F]+)` + TIME);
const PREFETCH = new RegExp(String.raw`^UFFD_PREFETCH:\s+0x([0-9a-fA-F]+)\s+(Loading|Zeroing):\s+0x([0-9a-fA-F]+)\s+-\s+0x([0-9a-fA-F]+)` + TIME);
const KNOWN = /^(UFFD_EVENT_REMOVE|UFFD_EVENT_|Connected to PID|Create MemRegions|Mapping memory file|Segment|Running:|Prefetch done|\s*$)/;

export function importUffdLog(text: string, name = 'uffd'): FaultTrace | null {
  const head = text.slice(0, 64 * 1024);
  if (!head.includes('UFFD_EVENT_PAGEFAULT') && !head.includes('UFFD_PREFETCH:')) return null;
  const b = new FaultTraceBuilder('uffd', name);
  const lines = text.split('\n');
  let bad = 0;
  // A log is timed when its first page line carries t=…ms; a timed line without one keeps the last time.
  let timed: boolean | undefined;
  let last = 0;
  const when = (t: string | undefined): number => {
    timed ??= t !== undefined;
    if (!timed) return b.count;
    if (t !== undefined) last = Number(t);
    return last;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.startsWith('UFFD_PREFETCH:')) {
      const m = PREFETCH.exec(line);
      if (!m) {
        bad++;
        b.problem(i + 1, `malformed UFFD_PREFETCH (expected "PAGE_ADDR Loading|Zeroing: PHYS - PHYS"): ${JSON.stringify(line.slice(0, 100))}`);
        continue;
      }
      b.add({ time: when(m[5]), access: 'unknown', addr: parseInt(m[1]!, 16), physAddr: parseInt(m[3]!, 16), action: m[2] === 'Loading' ? 'load' : 'zero', prefetch: true });
      continue;
    }
    if (!line.startsWith('UFFD_EVENT_PAGEFAULT')) {
      if (!KNOWN.test(line) && /0x[0-9a-f]{8,}/i.test(line)) b.problem(i + 1, `unrecognised line: ${JSON.stringify(line.slice(0, 80))}`);
      continue;
    }
    const m = FAULT.exec(line);
    if (!m) {
      bad++;
      b.problem(i + 1, `malformed UFFD_EVENT_PAGEFAULT (expected "(r|w): [TID] FAULT_ADDR PAGE_ADDR Loading|Zeroing: PHYS - PHYS"): ${JSON.stringify(line.slice(0, 100))}`);
      continue;
    }
    b.add({
      time: when(m[8]),
      access: m[1] === 'w' ? 'write' : 'read',
      tid: m[2] !== undefined ? Number(m[2]) : undefined,
      addr: parseInt(m[3]!, 16),
      physAddr: parseInt(m[6]!, 16),
      action: m[5] === 'Loading' ? 'load' : 'zero',
    });
  }
  if (b.count === 0 && bad > 0) {
    throw new ThawError('E_UFFD_LOG', `${name}: none of ${bad} page lines could be read`, { detail: b.problems.slice(0, 5).join('\n') });
  }
  return b.build();
}
