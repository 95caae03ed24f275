/**
 * Streams `perf script` text into folded stacks, by the rules of stackcollapse-perf.pl.
 *
 * Feed it bytes (pushBytes, the fast path used by `thaw fold`) or text already decoded as latin1
 * (push). A frame line's text is turned once into a *group* (its frames joined by `;`) and
 * interned; a sample is a sequence of group ids, and distinct sequences are counted in a hash
 * table, so strings are built only for the distinct stacks at the end. Repeated frame lines are
 * recognised by their bytes (LineTable) before any decoding.
 */
import type { FrameKind } from '../../model/profile.js';
import { Addr2line } from './addr2line.js';
import { frameFuncs, tidySrcline } from './frame.js';
import { FrameKinds, type PerfMapInfo } from './kinds.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import { INCOMPLETE, LineTable, MISS, SampleTable, grow } from './tables.js';
import { SampleTimeline, type FoldStats, type FolderOptions, type FolderTimeline } from './types.js';
import { EVENT_RE, EVENT_TYPE_RE, STACK_RE, TIME_RE, isJavaName, isWs, latin1 } from './text.js';

/** Group id for a frame line that yields no frames (`(process name)` lines). */
const NO_FRAMES = -1;
/** Cache marker: the fast split failed; the line needs the exact regex, address included. */
const NEEDS_REGEX = -2;
/** A frame line's head: white space (Perl's \s), the address (\w+), white space. */
const FRAME_HEAD = /^([ \t\n\v\f\r]*)([0-9A-Za-z_]*)([ \t\n\v\f\r]*)/;

export class PerfScriptFolder {
  /** Thread ids seen on event lines (a process's main thread has its pid). */
  readonly tids = new Set<number>();
  private readonly o: ResolvedOptions;
  private readonly inliner: Addr2line | null;
  private carry = '';
  private carryBytes: Uint8Array | null = null;
  private lineNo = 0;
  private pname: string | undefined;
  private pnameId = -1;
  private comm = '';
  /** 1 while the current thread's name matches m/^java/ (Java tidy-up applies). */
  private javaThread = 0;
  private period = 1;
  /** The current sample's event line printed no period (it weighs 1, a sample, not a time). */
  private unweighted = false;
  private eventFilter: string;
  private readonly st: FoldStats = { lines: 0, samples: 0, filteredSamples: 0, event: '', eventChosen: false, badLines: 0, badSamples: [], danglingFrames: 0, danglingSample: false, unweightedSamples: 0, inlineFailures: [] };

  // Interned groups (and process names, which share the table).
  private readonly groupIds = new Map<string, number>();
  private readonly groupText: string[] = [];
  // Text-path cache: text after the address (or the whole line) → group id.
  private readonly cache = new Map<string, number>();
  private readonly javaCache = new Map<string, number>();
  private readonly lineTable = new LineTable();
  /** What frame() decided for the last frame line: a group id, NO_FRAMES or NEEDS_REGEX. */
  private lastFrameGroup = NEEDS_REGEX;
  // --srcline: the frames of the last frame line, waiting for their source lines.
  private pending: string[] | null = null;
  private pendingMod = '';
  private pendingRead = 0;
  private pendingReads = 0;
  // The current sample: group ids, leaf first.
  private seq = new Int32Array(256);
  private seqLen = 0;
  private readonly samples = new SampleTable();
  private readonly frameKinds = new FrameKinds();
  // The timeline, when asked for: the current sample's time.
  private readonly timelineRec: SampleTimeline | null;
  private time = NaN;
  private built: Map<string, number> | null = null;
  private builtCounts: Map<string, number> | null = null;
  private readonly mergedStacks = new Map<string, number>();
  private readonly mergedCounts = new Map<string, number>();

  /**
   * @param keepBad how many bad lines to remember for the report
   * @param opts stackcollapse-perf.pl's options; a worker folding a later part of a file is given
   *   the first part's event type as eventFilter, since the Perl keeps the first one it sees
   */
  constructor(
    private readonly keepBad = 20,
    opts: FolderOptions = {},
  ) {
    this.o = resolveOptions(opts);
    this.eventFilter = this.o.eventFilter;
    this.st.eventChosen = this.o.eventFilter !== '';
    this.lineNo = opts.lineBase ?? 0;
    this.inliner = this.o.inline ? (opts.inliner ?? new Addr2line(this.o.context)) : null;
    this.timelineRec = opts.timeline ? new SampleTimeline() : null;
  }

  /** The event type being kept ('' until the first event line). */
  get eventType(): string {
    return this.eventFilter;
  }

  /** Frame name → kind, from the module of its first occurrence. */
  get kinds(): Map<string, FrameKind> {
    return this.frameKinds.kinds;
  }

  /** Frames first seen in a JIT map, and the maps that are V8's: for merging folders. */
  get perfMaps(): PerfMapInfo {
    return this.frameKinds.perfMaps;
  }

  /** Adds another folder's stacks (a part of the same input folded elsewhere). */
  merge(stacks: Iterable<[string, number]>, kinds: Iterable<[string, FrameKind]>, st: FoldStats, counts: Iterable<[string, number]> = [], maps?: PerfMapInfo): void {
    for (const [k, w] of stacks) this.mergedStacks.set(k, (this.mergedStacks.get(k) ?? 0) + w);
    for (const [k, n] of counts) this.mergedCounts.set(k, (this.mergedCounts.get(k) ?? 0) + n);
    this.built = null;
    this.frameKinds.merge(kinds, maps);
    this.st.samples += st.samples;
    this.st.filteredSamples += st.filteredSamples;
    this.st.unweightedSamples += st.unweightedSamples;
    this.st.badLines += st.badLines;
    for (const b of st.badSamples) if (this.st.badSamples.length < this.keepBad) this.st.badSamples.push(b);
    for (const f of st.inlineFailures) if (!this.st.inlineFailures.some(([m]) => m === f[0])) this.st.inlineFailures.push(f);
    this.st.danglingFrames = st.danglingFrames;
    this.st.danglingSample = st.danglingSample;
    this.st.lines = Math.max(this.st.lines, st.lines);
    if (!this.st.event) this.st.event = st.event;
  }

  /** Text input (decoded as latin1 for byte-exact output). */
  push(chunk: string): void {
    let start = 0;
    if (this.carry !== '') {
      const nl = chunk.indexOf('\n');
      if (nl < 0) {
        this.carry += chunk;
        return;
      }
      this.line(this.carry + chunk.slice(0, nl));
      this.carry = '';
      start = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) break;
      this.line(chunk.slice(start, nl));
      start = nl + 1;
    }
    if (start < chunk.length) this.carry = chunk.slice(start);
  }

  /** Byte input: the fast path. */
  pushBytes(chunk: Uint8Array): void {
    const buf = chunk;
    let pos = 0;
    if (this.carryBytes) {
      // Finish the line cut at the end of the last chunk in a small buffer of its own, rather
      // than copying this whole chunk behind it.
      const nl = chunk.indexOf(10);
      const carry = this.carryBytes;
      this.carryBytes = null;
      if (nl < 0) {
        const joined = Buffer.allocUnsafe(carry.length + chunk.length);
        joined.set(carry);
        joined.set(chunk, carry.length);
        this.carryBytes = joined;
        return;
      }
      const line = Buffer.allocUnsafe(carry.length + nl + 1);
      line.set(carry);
      line.set(chunk.subarray(0, nl + 1), carry.length);
      this.byteLine(line, 0, line.length);
      pos = nl + 1;
    }
    const len = buf.length;
    pos = this.byteLines(buf, pos, len);
    // A copy: Node Buffer.slice() is a view, and the reader reuses its buffer.
    if (pos < len) this.carryBytes = Uint8Array.prototype.slice.call(buf, pos);
  }

  /**
   * The complete lines from pos; returns where the first incomplete one starts. A loop of its
   * own, whose every branch runs on every line: the optimised code V8 makes of it while it runs
   * (on-stack replacement) meets no branch it has not seen at the end of each chunk.
   */
  private byteLines(buf: Uint8Array, pos: number, len: number): number {
    while (pos < len) {
      const next = this.byteLine(buf, pos, len);
      if (next < 0) return pos;
      pos = next;
    }
    return pos;
  }

  /** Ends the input; the last line may lack its newline. */
  end(): FoldStats {
    if (this.carry !== '') {
      this.line(this.carry);
      this.carry = '';
    }
    if (this.carryBytes) {
      // A last line without its newline reads the same as with it (Perl's chomp).
      const b = Buffer.allocUnsafe(this.carryBytes.length + 1);
      b.set(this.carryBytes);
      b[b.length - 1] = 10;
      this.carryBytes = null;
      this.byteLine(b, 0, b.length);
    }
    // Source lines the input ran out of: the frames stay as they are.
    if (this.pending) this.finishPending();
    this.st.danglingFrames = this.pname !== undefined ? this.seqLen : 0;
    this.st.danglingSample = this.pname !== undefined;
    this.st.lines = this.lineNo;
    this.st.event = this.eventFilter;
    if (this.inliner) this.st.inlineFailures = [...this.inliner.failures];
    return this.st;
  }

  get stats(): FoldStats {
    return this.st;
  }

  private keyOf(e: number, parts: string[]): string {
    const ids = this.samples.ids(e);
    parts.length = 0;
    parts.push(this.groupText[ids[0]!]!);
    for (let k = ids.length - 1; k >= 1; k--) parts.push(this.groupText[ids[k]!]!);
    return parts.join(';');
  }

  /** Folded stack → summed weight (built once, after end()). */
  get stacks(): Map<string, number> {
    if (this.built) return this.built;
    const m = new Map<string, number>();
    const counts = new Map<string, number>();
    const parts: string[] = [];
    for (let e = 0; e < this.samples.size; e++) {
      const key = this.keyOf(e, parts);
      // Different group sequences can spell the same stack (inline chains): sum them.
      m.set(key, (m.get(key) ?? 0) + this.samples.weightOf(e));
      counts.set(key, (counts.get(key) ?? 0) + this.samples.samplesOf(e));
    }
    for (const [k, n] of this.mergedCounts) counts.set(k, (counts.get(k) ?? 0) + n);
    for (const [k, w] of this.mergedStacks) m.set(k, (m.get(k) ?? 0) + w);
    this.built = m;
    this.builtCounts = counts;
    return m;
  }

  /** Folded stack → number of samples (the weights are their summed periods). */
  get sampleCounts(): Map<string, number> {
    void this.stacks;
    return this.builtCounts!;
  }

  /** The samples in input order, or null when not asked for or a sample had no time. */
  get timeline(): FolderTimeline | null {
    const parts: string[] = [];
    return this.timelineRec ? this.timelineRec.build((e) => this.keyOf(e, parts)) : null;
  }

  /** The folded lines, sorted byte-wise as the Perl script sorts them. */
  lines(): string[] {
    const st = this.stacks;
    // The default order is by UTF-16 code units: for latin1 text, by bytes, as Perl's sort.
    const keys = [...st.keys()].sort();
    return keys.map((k) => `${k} ${st.get(k)}`);
  }

  private intern(text: string): number {
    let id = this.groupIds.get(text);
    if (id === undefined) {
      id = this.groupText.length;
      this.groupText.push(text);
      this.groupIds.set(text, id);
    }
    return id;
  }

  private bad(text: string): void {
    this.st.badLines++;
    if (this.st.badSamples.length < this.keepBad) this.st.badSamples.push({ line: this.lineNo, text: text.length > 200 ? text.slice(0, 200) + '…' : text });
  }

  private addGroup(g: number): void {
    if (g === NO_FRAMES) return;
    if (this.seqLen === this.seq.length) this.seq = grow(this.seq, this.seqLen + 1);
    this.seq[this.seqLen++] = g;
  }

  /** End of a sample: count the sequence (pname, groups…). */
  private endSample(): void {
    this.lineTable.restart();
    if (this.pname === undefined) return;
    const e = this.samples.add(this.pnameId, this.seq, this.seqLen, this.period);
    this.timelineRec?.record(this.time, this.period, e);
    this.st.samples++;
    if (this.unweighted) this.st.unweightedSamples++;
    this.built = null;
    this.seqLen = 0;
    this.pname = undefined;
    this.javaThread = 0;
  }

  private line(l: string): void {
    this.lineNo++;
    if (this.pending) return this.srcline(l);
    const len = l.length;
    if (len === 0) return this.endSample();
    const c0 = l.charCodeAt(0);
    if (c0 === 35 /* # */) return;
    if (!isWs(c0)) {
      const m = EVENT_RE.exec(l);
      if (m) {
        this.tids.add(Number(m[2]));
        if (m[3]) this.tids.add(Number(m[3]));
        this.event(l, m);
        return;
      }
    }
    this.frame(l);
  }

  /** One line from start; returns the offset after its newline, or -1 when the line is incomplete. */
  private byteLine(buf: Uint8Array, start: number, len: number): number {
    const c0 = buf[start]!;
    if (c0 === 10) {
      this.lineNo++;
      if (this.pending) this.srcline('');
      else this.endSample();
      return start + 1;
    }
    if (c0 === 35 /* # */ || !isWs(c0) || this.o.srcline) {
      // Event lines, comments, and every line of --srcline input (a frame's meaning there
      // depends on the lines after it) take the text path.
      const eol = buf.indexOf(10, start);
      if (eol < 0) return -1;
      if (c0 === 35 && !this.pending) this.lineNo++;
      else this.line(latin1(buf, start, eol));
      return eol + 1;
    }
    // Frame line. The whole line is the cache key, address included: a few more distinct
    // keys than the text after the address would give, but no per-byte parsing on a hit.
    const java = this.javaThread;
    const g = this.lineTable.find(buf, start, len, java);
    if (g === INCOMPLETE) return -1;
    const eol = this.lineTable.eol;
    if (g !== MISS) {
      if (g === NEEDS_REGEX) this.line(latin1(buf, start, eol));
      else {
        this.lineNo++;
        // Frames of a filtered sample (no process name) are skipped, as the Perl skips them.
        if (this.pname !== undefined) this.addGroup(g);
      }
      return eol + 1;
    }
    // Miss: decide through the text path, then remember the answer for these bytes.
    this.line(latin1(buf, start, eol));
    this.lineTable.insert(buf, start, eol, java, this.lastFrameGroup);
    return eol + 1;
  }

  private event(l: string, m: RegExpExecArray): void {
    const comm = m[1]!;
    let pid = m[2]!;
    let tid = m[3];
    // Perl: `if (not $tid) { $tid = $pid; $pid = "?" }`
    if (!tid || tid === '0') {
      tid = pid;
      pid = '?';
    }
    let period = '';
    const t = EVENT_TYPE_RE.exec(l);
    if (t) {
      period = t[1] ?? '';
      const event = t[2]!;
      if (this.eventFilter === '') this.eventFilter = event;
      else if (event !== this.eventFilter) {
        this.st.filteredSamples++;
        return;
      }
    }
    this.period = period === '' || period === '0' ? 1 : Number(period);
    this.unweighted = period === '';
    let pname = this.o.tid ? `${comm}-${pid}/${tid}` : this.o.pid ? `${comm}-${pid}` : comm;
    if (pname.includes(' ')) pname = pname.replaceAll(' ', '_');
    // Perl's `next if not $pname`: a process named `0` is dropped.
    if (pname === '0') {
      this.pname = undefined;
      return;
    }
    this.pname = pname;
    this.comm = comm;
    this.javaThread = isJavaName(pname) ? 1 : 0;
    this.pnameId = this.intern(pname);
    if (this.timelineRec) {
      const tm = TIME_RE.exec(l.slice(m[0].length - 1));
      this.time = tm ? Number(tm[1]) : NaN;
    }
  }

  private frame(l: string): void {
    this.lastFrameGroup = NEEDS_REGEX;
    // Fast split: ws, \w+ address, ws, then the function and ` (module)` found from the right.
    // (A regular expression rather than loops over the characters: this runs once per distinct
    // line, too rarely to pay for V8 optimising a loop of it.)
    const split = FRAME_HEAD.exec(l)!;
    const pcStart = split[1]!.length;
    const pcEnd = pcStart + split[2]!.length;
    if (pcEnd === pcStart) return this.bad(l);
    const s1 = pcEnd + split[3]!.length;
    if (this.o.srcline) {
      // Not cached: what a frame line gives depends on the source lines after it.
      const m = STACK_RE.exec(l);
      if (!m) return this.bad(l);
      if (this.pname === undefined) return;
      const g = this.decide(m[1]!, m[2]!, m[3]!, this.javaThread === 1);
      if (g !== NEEDS_REGEX) this.addGroup(g);
      return;
    }
    // With --addrs or --inline the address matters: the whole line is the key.
    const key = this.o.addrs || this.o.inline ? l : l.slice(s1);
    const java = this.javaThread === 1;
    const cache = java ? this.javaCache : this.cache;
    let g = cache.get(key);
    if (g === undefined) {
      g = NEEDS_REGEX;
      // Perl: (.+) \((.*)\) — greedy both: the module ends at the line's last `)`, and starts
      // after the last ` (` before it; the function is the rest (at least one character).
      const close = l.lastIndexOf(')');
      const p = close >= 2 ? l.lastIndexOf(' (', close - 2) : -1;
      if (p >= s1 + 1) g = this.decide(l.slice(pcStart, pcEnd), l.slice(s1, p), l.slice(p + 2, close), java);
      cache.set(key, g);
    }
    this.lastFrameGroup = g;
    if (g === NEEDS_REGEX) {
      // Rare: let the exact regex decide (it may backtrack into the address).
      const m = STACK_RE.exec(l);
      if (!m) return this.bad(l);
      if (this.pname === undefined) return;
      return this.addGroup(this.decide(m[1]!, m[2]!, m[3]!, java));
    }
    if (this.pname === undefined) return;
    this.addGroup(g);
  }

  /**
   * One frame line's parts → the id of its frames joined by `;`. With --srcline the frames wait
   * for their source lines (pending) and NEEDS_REGEX is returned, so nothing is cached.
   */
  private decide(pc: string, raw: string, mod: string, java: boolean): number {
    if (this.inliner && Addr2line.applies(mod)) {
      const r = this.inliner.resolve(pc, raw, mod);
      if (r !== '' && r !== '??' && r !== '??:??:0') return this.groupOf(r.split(';'), mod);
    }
    const f = frameFuncs(pc, raw, mod, java, this.o);
    if (!f) return NO_FRAMES;
    if (f.reads > 0) {
      this.pending = f.funcs;
      this.pendingMod = mod;
      this.pendingRead = 0;
      this.pendingReads = f.reads;
      return NEEDS_REGEX;
    }
    return this.groupOf(f.funcs, mod);
  }

  /** --srcline: the line after a frame line names its source (`file.c:137`, `lib.so[27b25]`). */
  private srcline(l: string): void {
    const src = tidySrcline(l);
    if (src !== '') this.pending![this.pendingRead] += ':' + src;
    if (++this.pendingRead === this.pendingReads) this.finishPending();
  }

  private finishPending(): void {
    const funcs = this.pending!;
    this.pending = null;
    this.addGroup(this.groupOf(funcs, this.pendingMod));
  }

  private groupOf(funcs: string[], mod: string): number {
    this.frameKinds.note(funcs, mod, this.comm);
    return this.intern(funcs.join(';'));
  }
}
