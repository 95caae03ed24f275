/**
 * Streams `perf script` text into folded stacks, by the rules of stackcollapse-perf.pl.
 *
 * Feed it bytes (pushBytes, the fast path used by `thaw fold`) or text already decoded as latin1
 * (push). A frame line's text is turned once into a *group* (its frames joined by `;`) and
 * interned; a sample is a sequence of group ids, and distinct sequences are counted in a hash
 * table, so strings are built only for the distinct stacks at the end. Repeated frame lines are
 * recognised by their bytes before any decoding, and the samples counted, by a WebAssembly core
 * (fold-core.ts).
 */
import type { FrameKind } from '../../model/profile.js';
import { Addr2line } from './addr2line.js';
import { frameFuncs, tidySrcline } from './frame.js';
import { FrameKinds, type PerfMapInfo } from './kinds.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import { FoldCore, SCAN_BLANK, SCAN_END, SCAN_INCOMPLETE, SCAN_MISS, SCAN_TEXT } from './fold-core.js';
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
  /** What frame() decided for the last frame line: a group id, NO_FRAMES or NEEDS_REGEX. */
  private lastFrameGroup = NEEDS_REGEX;
  // --srcline: the frames of the last frame line, waiting for their source lines.
  private pending: string[] | null = null;
  private pendingMod = '';
  private pendingRead = 0;
  private pendingReads = 0;
  // Frame lines seen before, the current sample's group ids (leaf first), the distinct samples.
  private readonly core = new FoldCore();
  /** The core's count of frame lines it settled, when last read. */
  private coreLines = 0;
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
    if (this.o.srcline) return this.pushBytesText(chunk);
    // The line cut at the end of the last chunk, then this chunk, into the core's input.
    const carry = this.carryBytes;
    const clen = carry ? carry.length : 0;
    const base = this.core.x.input(clen + chunk.length);
    const mem = this.core.bytes();
    if (carry) {
      mem.set(carry, base);
      this.carryBytes = null;
    }
    mem.set(chunk, base + clen);
    this.scanInput(base, base + clen + chunk.length);
  }

  /**
   * Lets the caller read up to `max` bytes straight into the core's input (no copy of the
   * chunk): `read` fills the view it is given and returns how many bytes it wrote.
   */
  readBytes(max: number, read: (into: Uint8Array) => number): number {
    if (this.o.srcline) {
      const b = Buffer.allocUnsafe(max);
      const n = read(b);
      if (n > 0) this.pushBytesText(b.subarray(0, n));
      return n;
    }
    const carry = this.carryBytes;
    const clen = carry ? carry.length : 0;
    const base = this.core.x.input(clen + max);
    const mem = this.core.bytes();
    const n = read(mem.subarray(base + clen, base + clen + max));
    if (n <= 0) return n;
    if (carry) {
      mem.set(carry, base);
      this.carryBytes = null;
    }
    this.scanInput(base, base + clen + n);
    return n;
  }

  /**
   * The lines in the core's memory [pos, end): the core settles frame lines it has seen
   * before, and hands back every other line, which is decided here as text (and a new frame
   * line's answer given to the core). An incomplete last line is kept for the next chunk.
   */
  private scanInput(pos: number, end: number): void {
    const core = this.core;
    const x = core.x;
    for (;;) {
      const tag = this.javaThread;
      const st = x.scan(pos, end, tag, this.pname !== undefined ? 1 : 0);
      const a = core.answer();
      const settled = a[2]!;
      this.lineNo += (settled - this.coreLines) | 0;
      this.coreLines = settled;
      pos = a[0]!;
      if (st === SCAN_END) return;
      if (st === SCAN_BLANK) {
        this.lineNo++;
        this.endSample();
        pos++;
        continue;
      }
      const mem = core.bytes();
      if (st === SCAN_INCOMPLETE) {
        // A copy: the core's input is overwritten by the next chunk.
        const rest = new Uint8Array(end - pos);
        rest.set(mem.subarray(pos, end));
        this.carryBytes = rest;
        return;
      }
      const eol = a[1]!;
      if (st === SCAN_TEXT && mem[pos] === 35 /* # */) this.lineNo++;
      else this.line(latin1(mem, pos, eol));
      if (st === SCAN_MISS) x.insert(pos, eol, tag, this.lastFrameGroup);
      pos = eol + 1;
    }
  }

  /** --srcline input: every line takes the text path (a frame's meaning depends on the lines after it). */
  private pushBytesText(chunk: Uint8Array): void {
    let buf = chunk;
    if (this.carryBytes) {
      const joined = new Uint8Array(this.carryBytes.length + chunk.length);
      joined.set(this.carryBytes);
      joined.set(chunk, this.carryBytes.length);
      buf = Buffer.from(joined.buffer);
      this.carryBytes = null;
    }
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break;
      this.line(latin1(buf, pos, nl));
      pos = nl + 1;
    }
    // A copy: Node's Buffer.slice() is a view, and the reader reuses its buffer.
    if (pos < buf.length) this.carryBytes = Uint8Array.prototype.slice.call(buf, pos);
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
      if (this.o.srcline) this.line(latin1(b, 0, b.length - 1));
      else this.pushBytes(b);
    }
    // Source lines the input ran out of: the frames stay as they are.
    if (this.pending) this.finishPending();
    this.st.danglingFrames = this.pname !== undefined ? this.core.seqLen : 0;
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
    const ids = this.core.ids(e);
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
    for (let e = 0; e < this.core.size; e++) {
      const key = this.keyOf(e, parts);
      // Different group sequences can spell the same stack (inline chains): sum them.
      m.set(key, (m.get(key) ?? 0) + this.core.weightOf(e));
      counts.set(key, (counts.get(key) ?? 0) + this.core.samplesOf(e));
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
    this.core.x.seqPush(g);
  }

  /** End of a sample: count the sequence (pname, groups…). */
  private endSample(): void {
    const e = this.core.x.sampleEnd(this.pname !== undefined ? 1 : 0, this.pnameId, this.period);
    if (this.pname === undefined) return;
    this.timelineRec?.record(this.time, this.period, e);
    this.st.samples++;
    if (this.unweighted) this.st.unweightedSamples++;
    this.built = null;
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
