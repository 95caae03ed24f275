/**
 * `perf script` text → folded stacks / Profile.
 *
 * Input comes from `perf record -e cpu-clock -g -F 997 -- CMD` followed by `perf script`; a
 * sample is an event line, one line per frame (leaf first), and a blank line:
 *
 *     node  7692   384.011241:    1003009 cpu-clock:
 *     	ffffffff815a08a6 page_cache_ra_unbounded+0x1f6 ([kernel.kallsyms])
 *     	    7fb61f7c479c JS:~patchProcessObject node:internal/process/pre_execution:223:28+0xdc (/tmp/perf-7692.map)
 *
 * The folding rules are those of Brendan Gregg's stackcollapse-perf.pl with default options,
 * line for line, so `thaw fold` prints the same set of lines: samples weighted by their period,
 * only the first event type kept, `+0x…` offsets stripped, `[unknown]` replaced by the module's
 * base name, `a->b` inline chains split (`b_[i]`), `;` → `:`, everything from the first `(` cut
 * (except Go's `pkg.(*T).m` and C++'s `(anonymous namespace)`), quotes dropped, and Java's
 * leading `L` dropped for threads whose name starts with `java`. Where the Perl script silently
 * skips or warns, thaw counts the line and remembers its number. The reference is the upstream
 * script as found in the search index (Thaumy/FlameGraph at ca26a74, current upstream logic);
 * the golden files under fixtures/perf-script/ are its output.
 *
 * Speed: the Perl runs three regexes on every frame line. Here a frame line is split by hand,
 * byte-exact (text is decoded as latin1, as Perl reads bytes), and the processed frame is
 * cached by the line's text after the address, so the many repeats of a frame cost one Map
 * look-up. The slow exact regex is kept for the odd line the fast path cannot decide.
 */
import { classifyFrame, ProfileBuilder, type FrameKind, type Profile, type WeightUnit } from '../model/profile.js';

// Perl's \s on byte strings (5.18+): space, \t, \n, \v, \f, \r. JS's \s also takes U+00A0.
const S = '[ \\t\\n\\r\\f\\v]';
const NS = '[^ \\t\\n\\r\\f\\v]';
/** `java 12688/12764 [002] 6544038.708352: 10309278 cpu-clock:` — comm, pid, tid. */
const EVENT_RE = new RegExp(`^(${NS}.+?)${S}+(\\d+)\\/*(\\d+)*${S}+`, 's');
/** The tail of an event line: `: 10309278 cpu-clock:` — period and event name. */
const EVENT_TYPE_RE = new RegExp(`:${S}*(\\d+)*${S}+(${NS}+):${S}*$`, 's');
/**
 * A frame line, exactly as the Perl script reads it: address, function, (module). Both `.+` and
 * `.*` are greedy, so the module runs from the last ` (` that has a `)` after it to the line's
 * last `)`, spaces included (`/opt/my app/lib.so`, `/memfd:doublemapper (deleted)`).
 */
const STACK_RE = new RegExp(`^${S}*(\\w+)${S}*(.+) \\((.*)\\)`, 's');

function isWs(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}
function isWord(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

export interface BadLine {
  /** 1-based line number in the input. */
  line: number;
  text: string;
}

export interface FoldStats {
  lines: number;
  samples: number;
  /** Samples of other event types than the first one, skipped like stackcollapse-perf.pl does. */
  filteredSamples: number;
  event: string;
  /** Lines neither the event nor the frame pattern recognises (the Perl prints a warning). */
  badLines: number;
  /** The first few bad lines, for the report. */
  badSamples: BadLine[];
  /** Frame lines left over after the last blank line: a truncated capture. They are dropped. */
  danglingFrames: number;
}

/** Group id for a frame line that yields no frames (`(process name)` lines). */
const NO_FRAMES = -1;
/** Cache marker: the fast split failed; the line needs the exact regex, address included. */
const NEEDS_REGEX = -2;

function grow<T extends Int32Array | Uint32Array | Float64Array | Uint8Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let len = a.length * 2;
  while (len < need) len *= 2;
  const b = new (a.constructor as new (n: number) => T)(len);
  b.set(a);
  return b;
}

/**
 * Streams perf script text into folded stacks. Feed it bytes (pushBytes, the fast path used by
 * `thaw fold`) or text already decoded as latin1 (push). A frame line's text after its address
 * is interned once into a *group* (its frames joined by `;`); a sample is a sequence of group
 * ids, and distinct sequences are counted in a hash table, so strings are built only for the
 * distinct stacks at the end.
 */
export class PerfScriptFolder {
  /** Frame name → kind, from the module of its first occurrence. */
  readonly kinds = new Map<string, FrameKind>();
  /** Thread ids seen on event lines (a process's main thread has its pid). */
  readonly tids = new Set<number>();
  private carry = '';
  private carryBytes: Uint8Array | null = null;
  private lineNo = 0;
  private pname: string | undefined;
  private pnameId = -1;
  /** 1 while the current thread's name matches m/^java/ (Java tidy-up applies). */
  private javaThread = 0;
  private period = 1;
  private eventFilter = '';
  private readonly st: FoldStats = { lines: 0, samples: 0, filteredSamples: 0, event: '', badLines: 0, badSamples: [], danglingFrames: 0 };

  // Interned groups (and process names, which share the table).
  private readonly groupIds = new Map<string, number>();
  private readonly groupText: string[] = [];
  // Text-path cache: text after the address → group id (NO_FRAMES / NEEDS_REGEX too).
  private readonly cache = new Map<string, number>();
  private readonly javaCache = new Map<string, number>();
  // Byte-path cache: open addressing over the same key bytes.
  private bSlots = new Int32Array(1 << 14);
  private bHash = new Uint32Array(1024);
  private bOff = new Int32Array(1024);
  private bLen = new Int32Array(1024);
  private bJava = new Uint8Array(1024);
  private bGroup = new Int32Array(1024);
  private bArena = new Uint8Array(1 << 16);
  private bArenaUsed = 0;
  private arenaView = new DataView(this.bArena.buffer);
  private lastBuf: Uint8Array | null = null;
  private lastView: DataView | null = null;
  /** What frame() decided for the last frame line: a group id, NO_FRAMES or NEEDS_REGEX. */
  private lastFrameGroup = NEEDS_REGEX;
  private bCount = 0;
  // The current sample: group ids, leaf first.
  private seq = new Int32Array(256);
  private seqLen = 0;
  // Distinct samples: (pname, groups…) sequences → summed period.
  private sSlots = new Int32Array(1 << 12);
  private sHash = new Uint32Array(256);
  private sOff = new Int32Array(256);
  private sLen = new Int32Array(256);
  private sWeight = new Float64Array(256);
  private sSamples = new Float64Array(256);
  private sArena = new Int32Array(1 << 14);
  private sArenaUsed = 0;
  private sCount = 0;
  private built: Map<string, number> | null = null;
  private builtCounts: Map<string, number> | null = null;
  private readonly mergedStacks = new Map<string, number>();
  private readonly mergedCounts = new Map<string, number>();

  /**
   * @param keepBad how many bad lines to remember for the report
   * @param eventFilter the event type to keep; '' means the first one seen (the Perl default).
   *   A worker folding the second half of a file is given the first half's first event.
   * @param lineBase line numbers of this part start after this many lines
   */
  constructor(
    private readonly keepBad = 20,
    eventFilter = '',
    lineBase = 0,
  ) {
    this.eventFilter = eventFilter;
    this.lineNo = lineBase;
  }

  /** The event type being kept ('' until the first event line). */
  get eventType(): string {
    return this.eventFilter;
  }

  /** Adds another folder's stacks (a part of the same input folded elsewhere). */
  merge(stacks: Iterable<[string, number]>, kinds: Iterable<[string, FrameKind]>, st: FoldStats, counts: Iterable<[string, number]> = []): void {
    for (const [k, w] of stacks) this.mergedStacks.set(k, (this.mergedStacks.get(k) ?? 0) + w);
    for (const [k, n] of counts) this.mergedCounts.set(k, (this.mergedCounts.get(k) ?? 0) + n);
    this.built = null;
    for (const [k, v] of kinds) if (!this.kinds.has(k)) this.kinds.set(k, v);
    this.st.samples += st.samples;
    this.st.filteredSamples += st.filteredSamples;
    this.st.badLines += st.badLines;
    for (const b of st.badSamples) if (this.st.badSamples.length < this.keepBad) this.st.badSamples.push(b);
    this.st.danglingFrames = st.danglingFrames;
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
        const joined = new Uint8Array(carry.length + chunk.length);
        joined.set(carry);
        joined.set(chunk, carry.length);
        this.carryBytes = joined;
        return;
      }
      const line = new Uint8Array(carry.length + nl + 1);
      line.set(carry);
      line.set(chunk.subarray(0, nl + 1), carry.length);
      this.byteLine(line, 0, line.length);
      pos = nl + 1;
    }
    const len = buf.length;
    while (pos < len) {
      const next = this.byteLine(buf, pos, len);
      if (next < 0) break;
      pos = next;
    }
    // A copy: Node Buffer.slice() is a view, and the reader reuses its buffer.
    if (pos < len) this.carryBytes = Uint8Array.prototype.slice.call(buf, pos);
  }

  /** Ends the input; the last line may lack its newline. */
  end(): FoldStats {
    if (this.carry !== '') {
      this.line(this.carry);
      this.carry = '';
    }
    if (this.carryBytes) {
      // A last line without its newline reads the same as with it (Perl's chomp).
      const b = new Uint8Array(this.carryBytes.length + 1);
      b.set(this.carryBytes);
      b[b.length - 1] = 10;
      this.carryBytes = null;
      this.byteLine(b, 0, b.length);
    }
    this.st.danglingFrames = this.pname !== undefined ? this.seqLen : 0;
    this.st.lines = this.lineNo;
    this.st.event = this.eventFilter;
    return this.st;
  }

  get stats(): FoldStats {
    return this.st;
  }

  /** Folded stack → summed weight (built once, after end()). */
  get stacks(): Map<string, number> {
    if (this.built) return this.built;
    const m = new Map<string, number>();
    const counts = new Map<string, number>();
    const parts: string[] = [];
    for (let i = 0; i < this.sCount; i++) {
      const off = this.sOff[i]!;
      const n = this.sLen[i]!;
      parts.length = 0;
      parts.push(this.groupText[this.sArena[off]!]!);
      for (let k = n - 1; k >= 1; k--) parts.push(this.groupText[this.sArena[off + k]!]!);
      const key = parts.join(';');
      // Different group sequences can spell the same stack (inline chains): sum them.
      m.set(key, (m.get(key) ?? 0) + this.sWeight[i]!);
      counts.set(key, (counts.get(key) ?? 0) + this.sSamples[i]!);
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

  /** The folded lines, sorted byte-wise as the Perl script sorts them. */
  lines(): string[] {
    const st = this.stacks;
    const keys = [...st.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
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
    if (this.pname === undefined) return;
    const n = this.seqLen + 1;
    let h = 2166136261 ^ this.pnameId;
    h = Math.imul(h, 16777619);
    for (let i = 0; i < this.seqLen; i++) h = Math.imul(h ^ this.seq[i]!, 16777619);
    h >>>= 0;
    const mask = this.sSlots.length - 1;
    let slot = h & mask;
    for (;;) {
      const e = this.sSlots[slot]! - 1;
      if (e < 0) break;
      if (this.sHash[e] === h && this.sLen[e] === n) {
        const off = this.sOff[e]!;
        let same = this.sArena[off] === this.pnameId;
        for (let i = 0; same && i < this.seqLen; i++) same = this.sArena[off + 1 + i] === this.seq[i];
        if (same) {
          this.sWeight[e]! += this.period;
          this.sSamples[e]! += 1;
          this.finishSample();
          return;
        }
      }
      slot = (slot + 1) & mask;
    }
    const e = this.sCount++;
    if (e >= this.sHash.length) {
      this.sHash = grow(this.sHash, e + 1);
      this.sOff = grow(this.sOff, e + 1);
      this.sLen = grow(this.sLen, e + 1);
      this.sWeight = grow(this.sWeight, e + 1);
      this.sSamples = grow(this.sSamples, e + 1);
    }
    this.sArena = grow(this.sArena, this.sArenaUsed + n);
    const off = this.sArenaUsed;
    this.sArena[off] = this.pnameId;
    this.sArena.set(this.seq.subarray(0, this.seqLen), off + 1);
    this.sArenaUsed += n;
    this.sHash[e] = h;
    this.sOff[e] = off;
    this.sLen[e] = n;
    this.sWeight[e] = this.period;
    this.sSamples[e] = 1;
    this.sSlots[slot] = e + 1;
    if (this.sCount * 2 > this.sSlots.length) this.sSlots = this.rehash(this.sSlots, this.sHash, this.sCount);
    this.finishSample();
  }

  private finishSample(): void {
    this.st.samples++;
    this.built = null;
    this.seqLen = 0;
    this.pname = undefined;
    this.javaThread = 0;
  }

  private rehash(old: Int32Array, hashes: Uint32Array, count: number): Int32Array<ArrayBuffer> {
    const slots = new Int32Array(old.length * 2);
    const mask = slots.length - 1;
    for (let e = 0; e < count; e++) {
      let s = hashes[e]! & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = e + 1;
    }
    return slots;
  }

  private line(l: string): void {
    this.lineNo++;
    const len = l.length;
    if (len === 0) return this.endSample();
    const c0 = l.charCodeAt(0);
    if (c0 === 35 /* # */) return;
    if (!isWs(c0)) {
      const m = EVENT_RE.exec(l);
      if (m) {
        this.tids.add(Number(m[2]));
        if (m[3]) this.tids.add(Number(m[3]));
        this.event(l, m[1]!);
        return;
      }
    }
    this.frame(l);
  }

  private viewOf(buf: Uint8Array): DataView {
    if (buf !== this.lastBuf) {
      this.lastBuf = buf;
      this.lastView = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    return this.lastView!;
  }

  /** One line from start; returns the offset after its newline, or -1 when the line is incomplete. */
  private byteLine(buf: Uint8Array, start: number, len: number): number {
    const c0 = buf[start]!;
    if (c0 === 10) {
      this.lineNo++;
      this.endSample();
      return start + 1;
    }
    if (c0 === 35 /* # */ || !isWs(c0)) {
      const eol = buf.indexOf(10, start);
      if (eol < 0) return -1;
      if (c0 === 35) this.lineNo++;
      else this.line(latin1(buf, start, eol));
      return eol + 1;
    }
    // Frame line. The whole line is the cache key, address included: a few more distinct
    // keys than the text after the address would give, but no per-byte parsing on a hit.
    let i = start;
    let c = 0;
    const java = this.javaThread;
    let h = 2166136261 ^ java;
    // Four bytes at a time while no byte of the word is a newline (the classic has-zero-byte
    // test on word ^ 0x0a0a0a0a), then byte by byte up to the newline.
    const dv = this.viewOf(buf);
    while (i + 4 <= len) {
      const w = dv.getInt32(i, true);
      const x = w ^ 0x0a0a0a0a;
      if (((x - 0x01010101) & ~x & 0x80808080) !== 0) break;
      h = Math.imul(h ^ w, 16777619);
      i += 4;
    }
    while (i < len && (c = buf[i]!) !== 10) {
      h = Math.imul(h ^ c, 16777619);
      i++;
    }
    if (i === len) return -1;
    const eol = i;
    h >>>= 0;
    const s1 = start;
    const klen = eol - s1;
    const mask = this.bSlots.length - 1;
    let slot = h & mask;
    for (;;) {
      const e = this.bSlots[slot]! - 1;
      if (e < 0) break;
      if (this.bHash[e] === h && this.bLen[e] === klen && this.bJava[e] === java) {
        const off = this.bOff[e]!;
        const arena = this.bArena;
        const av = this.arenaView;
        let k = 0;
        while (k + 4 <= klen && av.getInt32(off + k, true) === dv.getInt32(s1 + k, true)) k += 4;
        while (k < klen && arena[off + k] === buf[s1 + k]) k++;
        if (k === klen) {
          const g = this.bGroup[e]!;
          if (g === NEEDS_REGEX) this.line(latin1(buf, start, eol));
          else {
            this.lineNo++;
            // Frames of a filtered sample (no process name) are skipped, as the Perl skips them.
            if (this.pname !== undefined) this.addGroup(g);
          }
          return eol + 1;
        }
      }
      slot = (slot + 1) & mask;
    }
    // Miss: decide through the text path, then remember the answer for these bytes.
    const text = latin1(buf, start, eol);
    this.line(text);
    const g = this.lastFrameGroup;
    const e = this.bCount++;
    if (e >= this.bHash.length) {
      this.bHash = grow(this.bHash, e + 1);
      this.bOff = grow(this.bOff, e + 1);
      this.bLen = grow(this.bLen, e + 1);
      this.bJava = grow(this.bJava, e + 1);
      this.bGroup = grow(this.bGroup, e + 1);
    }
    if (this.bArenaUsed + klen > this.bArena.length) {
      this.bArena = grow(this.bArena, this.bArenaUsed + klen);
      this.arenaView = new DataView(this.bArena.buffer);
    }
    this.bArena.set(buf.subarray(s1, eol), this.bArenaUsed);
    this.bHash[e] = h;
    this.bOff[e] = this.bArenaUsed;
    this.bLen[e] = klen;
    this.bJava[e] = java;
    this.bGroup[e] = g;
    this.bArenaUsed += klen;
    this.bSlots[slot] = e + 1;
    if (this.bCount * 2 > this.bSlots.length) this.bSlots = this.rehash(this.bSlots, this.bHash, this.bCount);
    return eol + 1;
  }

  private event(l: string, comm: string): void {
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
    this.pname = comm.includes(' ') ? comm.replaceAll(' ', '_') : comm;
    this.javaThread = isJavaName(this.pname) ? 1 : 0;
    this.pnameId = this.intern(this.pname);
  }

  private frame(l: string): void {
    this.lastFrameGroup = NEEDS_REGEX;
    // Fast split: ws, \w+ address, ws, then the function and ` (module)` found from the right.
    const len = l.length;
    let i = 0;
    while (i < len && isWs(l.charCodeAt(i))) i++;
    const pcStart = i;
    while (i < len && isWord(l.charCodeAt(i))) i++;
    if (i === pcStart) return this.bad(l);
    while (i < len && isWs(l.charCodeAt(i))) i++;
    const s1 = i;
    const key = l.slice(s1);
    const java = this.javaThread === 1;
    const cache = java ? this.javaCache : this.cache;
    let g = cache.get(key);
    if (g === undefined) {
      g = NEEDS_REGEX;
      // Perl: (.+) \((.*)\) — greedy both: the module ends at the line's last `)`, and starts
      // after the last ` (` before it; the function is the rest (at least one character).
      const close = l.lastIndexOf(')');
      const p = close >= 2 ? l.lastIndexOf(' (', close - 2) : -1;
      if (p >= s1 + 1) g = this.group(l.slice(s1, p), l.slice(p + 2, close), java);
      cache.set(key, g);
    }
    this.lastFrameGroup = g;
    if (g === NEEDS_REGEX) {
      // Rare: let the exact regex decide (it may backtrack into the address).
      const m = STACK_RE.exec(l);
      if (!m) return this.bad(l);
      if (this.pname === undefined) return;
      return this.addGroup(this.group(m[2]!, m[3]!, java));
    }
    if (this.pname === undefined) return;
    this.addGroup(g);
  }

  /** One frame line's function text → the id of its frames joined by `;` (inline chains give several). */
  private group(raw: string, mod: string, java: boolean): number {
    // Linux 4.8+ prints symbol offsets (`cpu_startup_entry+0x2ec`); the Perl strips /\+0x[\da-f]+$/.
    const off = raw.lastIndexOf('+0x');
    if (off >= 0 && off + 3 < raw.length) {
      let hex = true;
      for (let k = off + 3; k < raw.length; k++) {
        const c = raw.charCodeAt(k);
        if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) {
          hex = false;
          break;
        }
      }
      if (hex) raw = raw.slice(0, off);
    }
    if (raw.charCodeAt(0) === 40 /* ( */) return NO_FRAMES; // process names
    const parts = raw.includes('->') ? raw.split('->') : [raw];
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop(); // Perl's split drops trailing empties
    if (parts.length === 0) return NO_FRAMES;
    const out: string[] = [];
    for (let func of parts) {
      if (func === '[unknown]') {
        if (mod !== '[unknown]') {
          const slash = mod.lastIndexOf('/');
          func = '[' + (slash >= 0 ? mod.slice(slash + 1) : mod) + ']';
        } else func = '[unknown]';
      }
      if (func.includes(';')) func = func.replaceAll(';', ':');
      if (!isGoMethod(func)) func = cutParen(func);
      if (func.includes('"') || func.includes("'")) func = func.replace(/["']/g, '');
      if (java && func.charCodeAt(0) === 76 /* L */ && func.includes('/')) func = func.slice(1);
      if (out.length > 0 && !func.includes('_[i]')) func += '_[i]';
      if (!this.kinds.has(func)) this.kinds.set(func, classifyFrame(func, mod));
      out.push(func);
    }
    return this.intern(out.join(';'));
  }
}

/**
 * Bytes → a string of the same code units, as Perl sees them. (TextDecoder's 'latin1' is
 * windows-1252 in the WHATWG encoding spec and would remap 0x80–0x9f.)
 */
function latin1(buf: Uint8Array, start: number, end: number): string {
  const sub = buf.subarray(start, end);
  let s = '';
  for (let i = 0; i < sub.length; i += 8192) s += String.fromCharCode.apply(null, sub.subarray(i, i + 8192) as unknown as number[]);
  return s;
}

/** Perl's Java tidy applies to threads whose name (spaces made `_`) matches m/^java/. */
function isJavaName(pname: string | undefined): boolean {
  return pname !== undefined && pname.startsWith('java');
}

/** Perl: m/\.\(.*\)\./ — a Go method such as `net/http.(*Client).Do`. */
function isGoMethod(f: string): boolean {
  const a = f.indexOf('.(');
  if (a < 0) return false;
  return f.lastIndexOf(').') >= a + 2;
}

/** Perl: s/\((?!anonymous namespace\)).*// */
function cutParen(f: string): string {
  let k = f.indexOf('(');
  while (k >= 0) {
    if (!f.startsWith('anonymous namespace)', k + 1)) return f.slice(0, k);
    k = f.indexOf('(', k + 1);
  }
  return f;
}

/** Does this text look like `perf script` output? (an event line followed by a frame line) */
export function looksLikePerfScript(text: string): boolean {
  const head = text.slice(0, 64 * 1024).split('\n');
  for (let i = 0; i + 1 < head.length; i++) {
    const l = head[i]!;
    if (l === '' || l.startsWith('#') || isWs(l.charCodeAt(0))) continue;
    if (EVENT_RE.test(l) && EVENT_TYPE_RE.test(l)) return STACK_RE.test(head[i + 1]!) || head[i + 1] === '';
    return false;
  }
  return false;
}

/** Folded stacks (+ frame kinds from perf's modules) → Profile. */
export function profileFromStacks(name: string, unit: WeightUnit, stacks: ReadonlyMap<string, number>, kinds: ReadonlyMap<string, FrameKind>, counts?: ReadonlyMap<string, number>): Profile {
  const b = new ProfileBuilder(name, unit);
  for (const [key, w] of stacks) {
    const frames = key.split(';');
    const ks = frames.map((fr, i) => (i === 0 ? 'process' : (kinds.get(fr) ?? classifyFrame(fr))));
    b.add(frames, w, ks, counts?.get(key) ?? 0);
  }
  return b.build();
}

/** A folder's stacks → Profile. Weights are perf periods (ns for cpu-clock). */
export function profileFromFolder(name: string, f: PerfScriptFolder): Profile {
  const unit = f.stats.event.startsWith('cpu-clock') || f.stats.event.startsWith('task-clock') ? 'nanoseconds' : 'samples';
  return profileFromStacks(name, unit, f.stacks, f.kinds, f.sampleCounts);
}

/** importX(text) → Profile | null. Text must be latin1-decoded for byte-exact names. */
export function importPerfScript(text: string, name = 'perf'): Profile | null {
  if (!looksLikePerfScript(text)) return null;
  const f = new PerfScriptFolder();
  f.push(text);
  f.end();
  return profileFromFolder(name, f);
}
