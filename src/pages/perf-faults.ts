/**
 * Reads the text of
 *   perf script -i perf.data --show-mmap-events --show-task-events -F comm,pid,tid,time,event,trace,addr,ip
 * for a capture of
 *   perf record -k mono -e exceptions:page_fault_user -e exceptions:page_fault_kernel -e major-faults -c 1 -d -- CMD
 * into a fault trace. Each fault's mapping is the one the process had mapped at that moment, from
 * the PERF_RECORD_MMAP2 events (replayed in time order per process, as the kernel applies them);
 * anonymous brk memory, which has no mmap event, is recognised as [heap] above the executable.
 * Lines, as perf 6.1 prints them:
 *   node  7542/7542    326.409184: PERF_RECORD_MMAP2 7542/7542: [0x7ffda0b60000(0x21000) @ 0x7ffffffde000 00:00 0 0]: rw-p [stack]
 *   node  7514/7514    316.810468: exceptions:page_fault_user: address=0x7f5809137b70 ip=0x7f5809137b70 error_code=0x14
 *   sh 26268/26268  1695.657244: exceptions:page_fault_kernel: address=0x5605c78ba240 ip=elf_load error_code=0x2   0 ffffffff821f5421
 *   node  7542/7542    326.410991:                 major-faults:           abef0b     7f87726514b6
 *   sh  7847/7847    398.975527: PERF_RECORD_FORK(7849:7849):(7847:7847)
 *   node  7849/7849    398.975611: PERF_RECORD_COMM exec: node:7849/7849
 * x86 page-fault error_code bits (arch/x86/include/asm/trap_pf.h): 1 present, 2 write, 4 user, 16 fetch.
 */
import { FaultTraceBuilder, type Access } from '../model/faults.js';
import { mappingCategory } from '../model/pages-summary.js';

const HEAD = /^\s*(.*?)\s+(-?\d+)\/(-?\d+)\s+(\d+\.\d+):\s+(.*)$/;
const MMAP = /^PERF_RECORD_MMAP2? (-?\d+)\/(-?\d+): \[0x([0-9a-f]+)\(0x([0-9a-f]+)\) @ (\S+)[^\]]*\]: (\S+) ?(.*)$/;
const FORK = /^PERF_RECORD_FORK\((\d+):(\d+)\):\((\d+):(\d+)\)/;
const EXEC = /^PERF_RECORD_COMM exec: .*:(\d+)\/(\d+)$/;
// Kernel-mode faults print the ip symbolised: `ip=elf_load`, `ip=_copy_to_user`.
const TP = /^exceptions:page_fault_(user|kernel):\s+address=0x([0-9a-f]+)\s+ip=(\S+)\s+error_code=0x([0-9a-f]+)/;
const MAJOR = /^major-faults:\s+([0-9a-f]+)\s+([0-9a-f]+)/;
// Without the x86 tracepoints: perf's software event, address and ip but no error code.
//   true  9578/9578   2161.452544:  page-faults:     55dc580c21e0 ffffffff817554ea
const SW = /^page-faults:\s+([0-9a-f]+)\s+([0-9a-f]+)/;

/** Highest user-space address on x86-64 (47-bit); kernel-mode faults above it are not the app's. */
const USER_TOP = 2 ** 47;
const PAGE = 4096;

interface Segment {
  start: number;
  end: number;
  name: string;
  perms?: string;
}

/** Per-process address space replayed from mmap events (later mappings replace earlier ones). */
class AddressSpace {
  segs: Segment[] = [];
  /** End of the executable's last mapping: brk starts a random distance above it. */
  exeEnd = 0;
  exe = '';
  clone(): AddressSpace {
    const a = new AddressSpace();
    a.segs = this.segs.map((s) => ({ ...s }));
    a.exeEnd = this.exeEnd;
    a.exe = this.exe;
    return a;
  }
  map(start: number, end: number, name: string, perms?: string): void {
    const out: Segment[] = [];
    for (const s of this.segs) {
      if (s.end <= start || s.start >= end) out.push(s);
      else {
        if (s.start < start) out.push({ ...s, end: start });
        if (s.end > end) out.push({ ...s, start: end });
      }
    }
    out.push({ start, end, name, perms });
    out.sort((a, b) => a.start - b.start);
    this.segs = out;
    if (this.exe && name === this.exe) this.exeEnd = Math.max(this.exeEnd, end);
    // The bss right after the executable is anonymous: it still belongs below the heap.
    else if (name === '[anon]' && this.exeEnd && start === this.exeEnd) this.exeEnd = end;
  }
  find(addr: number): Segment | undefined {
    let lo = 0;
    let hi = this.segs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.segs[mid]!;
      if (addr < s.start) hi = mid - 1;
      else if (addr >= s.end) lo = mid + 1;
      else return s;
    }
    // brk memory: above the executable, below the mmap area, with no mapping event of its own.
    if (this.exeEnd && addr >= this.exeEnd && addr < this.exeEnd + 2 ** 32) return { start: this.exeEnd, end: this.exeEnd + 2 ** 32, name: '[heap]', perms: 'rw-p' };
    return undefined;
  }
}

export interface PerfFaultReader {
  /** Feed one line of perf script output. */
  line(text: string): void;
  /** Finish: the builder holds faults with mapping/category; origin is the first exec (mono ms). */
  done(): { builder: FaultTraceBuilder; originMs: number; pids: Set<number>; exes: Map<number, string> };
}

export function perfFaultReader(name: string): PerfFaultReader {
  const b = new FaultTraceBuilder('perf', name);
  const spaces = new Map<number, AddressSpace>();
  const exes = new Map<number, string>();
  const pids = new Set<number>();
  const lastFault = new Map<string, number>(); // `${tid}:${page}` → fault index
  // Processes that exec'ed and whose executable is not known yet: perf reports the new
  // program's mappings right after the exec ([stack] first), the executable's first among files.
  const pendingExe = new Set<number>();
  let origin = -1;
  const space = (pid: number): AddressSpace => {
    let s = spaces.get(pid);
    if (!s) spaces.set(pid, (s = new AddressSpace()));
    return s;
  };
  return {
    line(text) {
      const h = HEAD.exec(text);
      if (!h) return;
      const pid = Number(h[2]);
      const tid = Number(h[3]);
      const tMs = Number(h[4]) * 1000;
      const body = h[5]!;
      let m = TP.exec(body);
      const sw = m ? null : SW.exec(body);
      if (sw) m = ['', 'user', sw[1]!, '0x' + sw[2]!, ''] as unknown as RegExpExecArray;
      if (m) {
        const addr = parseInt(m[2]!, 16);
        if (addr >= USER_TOP) return; // a kernel-address fault (vmalloc, …): not the process's memory
        if (origin < 0) origin = tMs;
        const code = parseInt(m[4]!, 16);
        const access: Access = sw ? 'unknown' : code & 16 ? 'exec' : code & 2 ? 'write' : 'read';
        const seg = spaces.get(pid)?.find(addr);
        const mapping = seg?.name;
        const exe = exes.get(pid) ?? '';
        pids.add(pid);
        lastFault.set(`${tid}:${Math.floor(addr / PAGE)}`, b.count);
        b.add({
          time: tMs,
          addr,
          access,
          major: false,
          pid,
          tid,
          ip: m[3]!.startsWith('0x') ? parseInt(m[3]!, 16) : undefined,
          kernel: m[1] === 'kernel' || (sw && parseInt(m[3]!, 16) >= USER_TOP) ? true : undefined,
          mapping,
          category: seg ? mappingCategory({ start: seg.start, end: seg.end, name: seg.name === '[anon]' ? '' : seg.name, perms: seg.perms }, { pid, exe }) : undefined,
        });
        return;
      }
      m = MAJOR.exec(body);
      if (m) {
        // Counted after the fault completed: mark the thread's latest fault on that page.
        const key = `${tid}:${Math.floor(parseInt(m[1]!, 16) / PAGE)}`;
        const i = lastFault.get(key);
        if (i !== undefined) b.set(i, { ...b.at(i), major: true });
        return;
      }
      m = MMAP.exec(body);
      if (m) {
        const mpid = Number(m[1]);
        if (mpid < 0) return; // the kernel image
        const start = parseInt(m[3]!, 16);
        const len = parseInt(m[4]!, 16);
        const raw = m[7]!.trim();
        const nm = raw === '//anon' || raw === '' ? '[anon]' : raw;
        const sp = space(mpid);
        if (pendingExe.has(mpid) && nm.startsWith('/')) {
          pendingExe.delete(mpid);
          sp.exe = nm;
          exes.set(mpid, nm);
        }
        sp.map(start, start + len, nm, m[6]);
        return;
      }
      m = FORK.exec(body);
      if (m) {
        const child = Number(m[1]);
        const parent = Number(m[3]);
        if (child !== parent && spaces.has(parent) && !spaces.has(child)) {
          spaces.set(child, spaces.get(parent)!.clone());
          if (exes.has(parent)) exes.set(child, exes.get(parent)!);
        }
        return;
      }
      m = EXEC.exec(body);
      if (m) {
        const epid = Number(m[1]);
        if (origin < 0) origin = tMs;
        // A new program: a fresh address space whose first file mapping is the executable.
        spaces.set(epid, new AddressSpace());
        pendingExe.add(epid);
      }
    },
    done() {
      return { builder: b, originMs: origin < 0 ? 0 : origin, pids, exes };
    },
  };

}
