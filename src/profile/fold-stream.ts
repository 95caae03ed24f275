/**
 * Streams a perf script file (or stdin) through the PerfScriptFolder with bounded memory: the
 * input is read in 1 MiB byte chunks (bytes in = bytes out, as Perl reads them), and only the
 * distinct stacks stay in memory.
 *
 * A large regular file on a machine with idle cores is cut at sample boundaries (a blank line)
 * into one part per thread, each folded by a worker thread; their counts add up to the same lines, since a blank line resets
 * all of the Perl script's per-sample state. The one state that crosses a cut, the event type
 * kept ("the first one seen"), is read from the head of the file and handed to every worker.
 */
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { ThawError } from '../errors.js';
import { PerfScriptFolder } from '../import/perf-script/folder.js';
import type { FoldStats } from '../import/perf-script/types.js';
import type { PerfMapInfo } from '../import/perf-script/kinds.js';
import { Addr2line, loadAddr2line } from '../import/perf-script/addr2line.js';
import type { CollapseOptions } from '../import/perf-script/options.js';
import type { FrameKind } from '../model/profile.js';

/** Below this size one thread is faster than starting workers. */
const PARALLEL_MIN_BYTES = 24 << 20;

export interface FoldPart {
  path: string;
  start: number;
  /** Exclusive. */
  end: number;
  eventFilter: string;
  lineBase: number;
  /** stackcollapse-perf.pl's options (eventFilter above wins). */
  collapse: CollapseOptions;
}

export interface FoldPartResult {
  stacks: Array<[string, number]>;
  counts: Array<[string, number]>;
  kinds: Array<[string, FrameKind]>;
  perfMaps: PerfMapInfo;
  stats: FoldStats;
}

/** Folds one byte range of a file (used in-thread and by fold-worker.js). */
export async function foldPart(part: FoldPart, folder = new PerfScriptFolder(20, { ...part.collapse, eventFilter: part.eventFilter, lineBase: part.lineBase }), onBytes?: (n: number) => void): Promise<PerfScriptFolder> {
  if (part.end <= part.start) {
    folder.end();
    return folder;
  }
  // 1 MiB at a time, read straight into the folder's input: no allocation (and no garbage)
  // and no copy per chunk.
  const fd = openSync(part.path, 'r');
  try {
    let pos = part.start;
    while (pos < part.end) {
      const want = Math.min(1 << 20, part.end - pos);
      const at = pos;
      const n = folder.readBytes(want, (into) => readSync(fd, into, 0, want, at));
      if (n <= 0) break;
      pos += n;
      onBytes?.(n);
    }
  } finally {
    closeSync(fd);
  }
  folder.end();
  return folder;
}

function readAt(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  const n = readSync(fd, b, 0, len, pos);
  return b.subarray(0, n);
}

/** Offsets just after a blank line near each 1/n of the file, and the first event type. */
function planParts(path: string, size: number, n: number, collapse: CollapseOptions): { cuts: number[]; event: string } | null {
  const fd = openSync(path, 'r');
  try {
    const head = new PerfScriptFolder(0, { eventFilter: collapse.eventFilter });
    head.pushBytes(readAt(fd, 0, Math.min(size, 4 << 20)));
    const event = head.eventType;
    if (!event) return null;
    const cuts: number[] = [0];
    for (let k = 1; k < n; k++) {
      const at = Math.floor((size * k) / n);
      const win = readAt(fd, at, 4 << 20);
      const i = win.indexOf('\n\n');
      if (i < 0) continue;
      const cut = at + i + 2;
      if (cut > cuts[cuts.length - 1]! && cut < size) cuts.push(cut);
    }
    cuts.push(size);
    return { cuts, event };
  } finally {
    closeSync(fd);
  }
}

/** Newlines in [start, end) of the file, for line numbers of the later parts. */
async function countLines(path: string, start: number, end: number): Promise<number> {
  if (end <= start) return 0;
  let n = 0;
  for await (const chunk of createReadStream(path, { start, end: end - 1, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let i = chunk.indexOf(10);
    while (i >= 0) {
      n++;
      i = chunk.indexOf(10, i + 1);
    }
  }
  return n;
}

export interface FoldOptions {
  /** Worker threads for large files; 1 folds in this thread. Default: see defaultThreads. */
  threads?: number;
  /** stackcollapse-perf.pl's options. */
  collapse?: CollapseOptions;
  onProgress?: (bytes: number, size: number) => void;
}

/** Input per worker below which a worker costs more (its start, the merge) than it saves. */
const BYTES_PER_WORKER = 64 << 20;

/**
 * Threads when --threads is not given: one, unless the file is large and cores sit idle. On a
 * loaded machine a worker thread competes with the main one for the same core, and folding is
 * fast enough (about 4 ms per MB) that a lost time slice costs more than the split saves, so a
 * worker is started only for a whole idle core (cores minus the 1-minute load average, minus the
 * core this thread needs) and for at least BYTES_PER_WORKER of input each.
 */
export function defaultThreads(size: number, cores = availableParallelism(), load = loadavg()[0]!): number {
  const idle = Math.floor(cores - load - 1);
  const bySize = Math.floor(size / BYTES_PER_WORKER);
  return Math.max(1, Math.min(1 + idle, bySize, 8));
}

export async function foldFile(path: string, opts: FoldOptions = {}): Promise<{ folder: PerfScriptFolder; stats: FoldStats }> {
  let size = 0;
  let regular = false;
  if (path !== '-') {
    try {
      const st = statSync(path);
      if (st.isDirectory()) throw new ThawError('E_FOLD_INPUT', `${path} is a directory, not perf script text`, { hint: 'give the file written by: perf script -i perf.data > out.txt' });
      size = st.size;
      regular = st.isFile();
    } catch (e) {
      if (e instanceof ThawError) throw e;
      throw new ThawError('E_FOLD_INPUT', `cannot read ${path}: ${(e as Error).message}`, { hint: 'give the file written by: perf script -i perf.data > out.txt' });
    }
  }
  const collapse = opts.collapse ?? {};
  if (collapse.inline) await loadAddr2line();
  // --srcline reads the line after each frame line, so a cut could fall between the two; --inline
  // runs addr2line once per address, which each worker would repeat.
  const serial = !!(collapse.srcline || collapse.inline);
  const threads = serial ? 1 : Math.max(1, Math.min(opts.threads ?? defaultThreads(size), 8));
  let done = 0;
  const progress = (n: number): void => {
    done += n;
    opts.onProgress?.(done, size);
  };
  if (regular && threads > 1 && size >= PARALLEL_MIN_BYTES) {
    const plan = planParts(path, size, threads, collapse);
    if (plan && plan.cuts.length > 2) {
      const parts: FoldPart[] = [];
      for (let k = 0; k + 1 < plan.cuts.length; k++) parts.push({ path, start: plan.cuts[k]!, end: plan.cuts[k + 1]!, eventFilter: k === 0 ? (collapse.eventFilter ?? '') : plan.event, lineBase: 0, collapse });
      // The first part folds in this thread, the others in workers.
      // Through ../profile/: this module also runs bundled into dist/src/cli/fold-entry.cjs.
      const workerUrl = new URL('../profile/fold-worker.js', import.meta.url);
      // Loaded here: most runs fold in one thread and need not pay for it at start.
      const { Worker } = await import('node:worker_threads');
      const others = parts.slice(1).map(
        (part) =>
          new Promise<FoldPartResult>((resolve, reject) => {
            const w = new Worker(workerUrl, { workerData: part });
            w.once('message', (m: FoldPartResult) => resolve(m));
            w.once('error', reject);
            w.once('exit', (code) => code !== 0 && reject(new Error(`fold worker exited with ${code}`)));
          }),
      );
      const first = await foldPart(parts[0]!, undefined, progress);
      const results = await Promise.all(others);
      // Line numbers in later parts count from their own start; shift them when there is something to report.
      let base = first.stats.lines;
      for (let k = 0; k < results.length; k++) {
        const r = results[k]!;
        if (r.stats.badSamples.length > 0) {
          const offset = k === 0 ? base : base + (await countLines(path, parts[1]!.start, parts[k + 1]!.start));
          for (const b of r.stats.badSamples) b.line += offset;
        }
        r.stats.lines += base;
        first.merge(r.stacks, r.kinds, r.stats, r.counts, r.perfMaps);
        base = r.stats.lines;
      }
      done = size;
      return { folder: first, stats: first.stats };
    }
  }
  if (regular && collapse.inline) {
    // Two passes: the first only collects the addresses --inline asks about, so addr2line runs
    // once per module instead of once per address; the second folds with the answers.
    const whole: FoldPart = { path, start: 0, end: size, eventFilter: collapse.eventFilter ?? '', lineBase: 0, collapse };
    const inliner = new Addr2line(!!collapse.context);
    inliner.collect();
    await foldPart(whole, new PerfScriptFolder(0, { ...collapse, inliner }), (n) => progress(n / 2));
    inliner.prefetch();
    done = size / 2;
    const folder = await foldPart(whole, new PerfScriptFolder(20, { ...collapse, inliner }), (n) => progress(n / 2));
    return { folder, stats: folder.stats };
  }
  if (regular) {
    const folder = await foldPart({ path, start: 0, end: size, eventFilter: collapse.eventFilter ?? '', lineBase: 0, collapse }, undefined, progress);
    return { folder, stats: folder.stats };
  }
  const folder = new PerfScriptFolder(20, collapse);
  const stream = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    folder.pushBytes(chunk);
    progress(chunk.length);
  }
  const stats = folder.end();
  return { folder, stats };
}

/** Lines for stderr about input the folder skipped, or '' when there was none. */
export function describeBadInput(path: string, s: FoldStats): string {
  const parts: string[] = [];
  if (s.badLines > 0) {
    const first = s.badSamples.map((b) => `line ${b.line}: ${JSON.stringify(b.text)}`).slice(0, 5).join('; ');
    parts.push(`${path}: ${s.badLines} unrecognised line${s.badLines === 1 ? '' : 's'} skipped (${first}${s.badLines > 5 ? '; …' : ''})`);
  }
  if (s.danglingSample && s.samples > 0) parts.push(`${path}: input ends inside a sample (${s.danglingFrames} frame lines after the last blank line): that sample is dropped, as stackcollapse-perf.pl drops it`);
  if (s.filteredSamples > 0) parts.push(`${path}: ${s.filteredSamples} samples of other events than ${s.event} skipped (${s.eventChosen ? '--event-filter' : 'first event type only'})`);
  if (s.inlineFailures.length > 0) {
    const first = s.inlineFailures.slice(0, 3).map(([m, e]) => `${m}: ${e}`).join('; ');
    parts.push(`${path}: --inline: addr2line could not read ${s.inlineFailures.length} module${s.inlineFailures.length === 1 ? '' : 's'} (${first}${s.inlineFailures.length > 3 ? '; …' : ''}); their frames are folded without inlining`);
  }
  return parts.join('\n');
}
