/**
 * `thaw pages trace --image IMG` for a VM image: IMG/start restores the guest with its RAM
 * served by the userfaultfd page server (`--page-log`), the readiness probe polls the forwarded
 * port, and once the app answers IMG/start is stopped (SIGTERM: QEMU first, then the server,
 * which writes its log out). The page log is the trace: every guest-physical page the restore
 * loaded or zeroed, with its time since QEMU registered its RAM. The log's `Connected to PID N
 * at monotonic T ms` line places the probe's moment of readiness (also CLOCK_MONOTONIC) on that
 * timeline; pages loaded later (while stopping) are left out of the trace, as for perf traces.
 *
 * The image's guest page map (IMG/guest-pages.json, taken at the checkpoint) names each page:
 * a logged offset in the RAM file is a guest-physical address, and the map says which guest
 * process maps that frame at which virtual address, so the fault gets that process's pid and
 * mapping (the node binary, libc, [anon] V8 heap, JIT code…). Frames no process maps at the
 * checkpoint (page tables, slab, page cache, free memory) stay "guest kernel/other"; those of
 * the kernel image are "kernel". A JVM run with -XX:NativeMemoryTracking=detail left its NMT
 * report beside the map (IMG/guest-nmt-PID.txt): its anonymous pages get NMT's names (Java heap,
 * metaspace, code cache, thread stacks…).
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ThawError, tail } from '../errors.js';
import { importNmt } from '../import/nmt.js';
import { importUffdLog } from '../import/uffd-log.js';
import { freePort } from '../launch/port.js';
import { DEFAULT_PROBE_URL, resolveProbe, waitReady, type ProbeSpec } from '../launch/probe.js';
import { monotonicMs, start } from '../launch/spawn.js';
import type { Fault, FaultTrace } from '../model/faults.js';
import type { PageMap } from '../model/page-map.js';
import { pageMapFromJson, type PageMapJson } from '../model/pages-format.js';
import type { NmtReport } from '../model/pages-nmt.js';
import { attributeFaults } from '../model/pages-summary.js';
import { NMT_FILE } from './guest-pages.js';
import { VM_FILES } from './image.js';

export interface VmTraceOptions {
  /** The VM image (a directory with manifest.json of engine "vm"). */
  img: string;
  name: string;
  /** Where the page log goes (kept beside the trace JSON: `thaw pages view` reads it too). */
  log: string;
  ready: ProbeSpec;
  timeoutMs: number;
  /** More arguments for IMG/start (e.g. --prefetch FILE). */
  args?: readonly string[];
  progress?: (msg: string) => void;
}

export interface VmTraceResult {
  trace: FaultTrace;
  /** The guest's page map at the checkpoint, when the image has one. */
  map?: PageMap;
  /** NMT reports of the guest's JVMs (detail level), when they ran with it. */
  nmt: NmtReport[];
  /** Pages the server loaded after readiness, left out of the trace. */
  afterReady: number;
}

/** Is dir a VM image (thaw build --engine vm)? */
export function isVmImage(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { engine?: string }).engine === 'vm';
  } catch {
    return false;
  }
}

/**
 * The pages are the guest's RAM, not IMG/start's own memory: name them so in summaries (pages
 * no guest process maps count under IMG/start's pid); guest processes by their executables.
 */
function guestName(img: string, pid: number, map: PageMap | undefined): Record<number, string> {
  const names: Record<number, string> = { [pid]: `${basename(img)} guest RAM` };
  for (const o of map?.owners ?? []) if (o.pid > 0) names[o.pid] = `${o.exe} (guest)`;
  return names;
}

/** Category of a restored page that no guest process mapped at the checkpoint. */
export const GUEST_OTHER = 'guest kernel/other';

/** IMG/guest-pages.json, or undefined for an image built without one. */
export function readGuestPages(img: string): PageMap | undefined {
  const file = join(img, VM_FILES.guestPages);
  if (!existsSync(file)) return undefined;
  try {
    return pageMapFromJson(JSON.parse(readFileSync(file, 'utf8')) as PageMapJson);
  } catch (e) {
    throw new ThawError('E_IMAGE_CORRUPT', `${file} cannot be read (${(e as Error).message})`, { hint: 'rebuild the image with thaw build --engine vm' });
  }
}

/** The guest JVMs' NMT reports in IMG (guest-nmt-PID.txt) that map regions (detail level). */
export function readGuestNmt(img: string): NmtReport[] {
  const out: NmtReport[] = [];
  for (const f of readdirSync(img).filter((n) => NMT_FILE.test(n)).sort()) {
    try {
      const r = importNmt(readFileSync(join(img, f), 'utf8'));
      if (r) out.push(r);
    } catch {
      // A summary-level report (the build said so): it names no region.
    }
  }
  return out;
}

/** Name each page by the guest's map: its process and mapping, else guest kernel/other. */
function attribute(trace: FaultTrace, map: PageMap | undefined, nmt: readonly NmtReport[]): FaultTrace {
  if (!map) return trace;
  const named = attributeFaults(trace, map, nmt);
  // The kernel image's pages count under pid 0 (the map's kernel), not under IMG/start.
  const faults = named.faults.map((f): Fault => (!f.mapping ? Object.freeze({ ...f, category: GUEST_OTHER }) : f.category === 'kernel' ? Object.freeze({ ...f, pid: 0 }) : f));
  return Object.freeze({ ...named, faults: Object.freeze(faults) });
}

const CONNECTED = /^Connected to PID \d+ at monotonic (\d+(?:\.\d+)?)ms$/m;

export async function traceVmRestore(o: VmTraceOptions): Promise<VmTraceResult> {
  const map = readGuestPages(o.img);
  const nmt = map ? readGuestNmt(o.img) : [];
  const port = await freePort();
  const argv = [join(o.img, 'start'), '--page-log', o.log, ...(o.args ?? [])];
  rmSync(o.log, { force: true });
  o.progress?.(`restoring ${o.img} with its RAM served by the page server`);
  const child = start(argv, { env: { PORT: String(port) }, stdio: 'pipe' });
  let readyMono: number | undefined;
  try {
    const probe = resolveProbe({ url: DEFAULT_PROBE_URL, ...o.ready }, port);
    await waitReady(probe, { deadline: performance.now() + o.timeoutMs, abort: () => (child.done ? 'exited' : null) });
    readyMono = monotonicMs();
  } catch (e) {
    // SIGTERM first: IMG/start then stops QEMU and its page server itself, and nothing of the
    // failed trace is kept.
    await child.kill(5000);
    rmSync(o.log, { force: true });
    if (e instanceof ThawError && e.code === 'E_PROBE_ABORTED') {
      // IMG/start's own error (one line) says what went wrong.
      const first = child.stderr().split('\n').find((l) => l.startsWith('thaw: error: '));
      throw new ThawError('E_TRACE_TIMEOUT', `${argv[0]} exited before it was ready${first ? `: ${first.replace(/^thaw: error: /, '')}` : ''}`, { hint: 'run IMG/start by itself to see why', detail: tail(child.stderr()) });
    }
    if (e instanceof ThawError && e.code === 'E_NOT_READY') {
      throw new ThawError('E_TRACE_TIMEOUT', `the restored guest was not ready within ${o.timeoutMs} ms (${e.message})`, { hint: 'give --ready URL for a server on another path, or a larger --timeout', detail: tail(child.stderr()) });
    }
    throw e;
  }
  o.progress?.('ready; stopping the guest and reading the page log');
  child.proc.kill('SIGTERM');
  const stopTimer = setTimeout(() => void child.kill(), 15_000);
  await child.exited.finally(() => clearTimeout(stopTimer));
  if (!existsSync(o.log)) throw new ThawError('E_PAGE_SERVER', `the page server wrote no log (${o.log})`, { hint: 'see IMG/start\'s output below', detail: tail(child.stderr()) });
  const text = readFileSync(o.log, 'utf8');
  const connected = CONNECTED.exec(text);
  const full = importUffdLog(text, o.name);
  if (!full || !full.faults.length) {
    throw new ThawError('E_NO_FAULTS', `the page server logged no page of the restore (${o.log})`, { hint: 'see IMG/start\'s output below', detail: tail(child.stderr()) });
  }
  if (!connected) {
    // An image built by an older thaw carries a page server that does not log its clock: the
    // whole log is the trace, with no moment of readiness on it.
    o.progress?.(`note: ${o.img} has an older page server (no clock in its log): the trace runs until the guest was stopped; rebuild the image to mark readiness`);
    return { trace: attribute(Object.freeze({ ...full, command: argv, pid: child.pid, processes: guestName(o.img, child.pid, map) }), map, nmt), map, nmt, afterReady: 0 };
  }
  const readyMs = Math.round((readyMono - Number(connected[1])) * 1000) / 1000;
  const kept = full.faults.filter((f) => f.time <= readyMs);
  const trace: FaultTrace = Object.freeze({ ...full, command: argv, readyMs, pid: child.pid, processes: guestName(o.img, child.pid, map), faults: Object.freeze(kept) });
  return { trace: attribute(trace, map, nmt), map, nmt, afterReady: full.faults.length - kept.length };
}
