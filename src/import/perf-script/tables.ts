/**
 * The two hash tables that make folding fast: frame lines seen before (their bytes → the id of
 * the frames they gave) and distinct samples (a sequence of ids → summed weight). Both are
 * open-addressing tables over typed arrays, so a repeat costs a hash and a compare, no string.
 */

export function grow<T extends Int32Array | Uint32Array | Float64Array | Uint8Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let len = a.length * 2;
  while (len < need) len *= 2;
  const b = new (a.constructor as new (n: number) => T)(len);
  b.set(a);
  return b;
}

function rehash(old: Int32Array, hashes: Uint32Array, count: number): Int32Array<ArrayBuffer> {
  const slots = new Int32Array(old.length * 2);
  const mask = slots.length - 1;
  for (let e = 0; e < count; e++) {
    let s = hashes[e]! & mask;
    while (slots[s] !== 0) s = (s + 1) & mask;
    slots[s] = e + 1;
  }
  return slots;
}

/** find() found no complete line: the chunk ends before its newline. */
export const INCOMPLETE = -1000;
/** find() found the line, not its value: insert() it after deciding. */
export const MISS = -1001;

/** Frame line bytes (with one tag byte: Java tidy-up on or off) → a value. */
export class LineTable {
  /** After find(): the offset of the line's newline. */
  eol = 0;
  private slots = new Int32Array(1 << 14);
  private hash = new Uint32Array(1024);
  private off = new Int32Array(1024);
  private len = new Int32Array(1024);
  private tag = new Uint8Array(1024);
  private value = new Int32Array(1024);
  private arena = new Uint8Array(1 << 16);
  private arenaView = new DataView(this.arena.buffer);
  private used = 0;
  private count = 0;
  private lastBuf: Uint8Array | null = null;
  private lastView: DataView | null = null;
  private missSlot = 0;
  private missHash = 0;
  // The line that followed each entry last time (+1; 0: none), and the last entry found. Stacks
  // repeat, so the next line is usually the one that followed this one before: it is compared
  // first, with no scan for the newline and no hash.
  private follower = new Int32Array(1024);
  private firstFollower = 0;
  private last = -1;

  private viewOf(buf: Uint8Array): DataView {
    if (buf !== this.lastBuf) {
      this.lastBuf = buf;
      this.lastView = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    return this.lastView!;
  }

  /** The next line starts a new sample (its first frame line follows no line of this one). */
  restart(): void {
    this.last = -1;
  }

  /** The value stored for the line at buf[start…newline), MISS, or INCOMPLETE. */
  find(buf: Uint8Array, start: number, len: number, tag: number): number {
    const guess = (this.last < 0 ? this.firstFollower : this.follower[this.last]!) - 1;
    if (guess >= 0 && this.tag[guess] === tag) {
      const klen = this.len[guess]!;
      const end = start + klen;
      if (end < len && buf[end] === 10 && this.same(buf, start, guess, klen)) {
        this.eol = end;
        this.last = guess;
        return this.value[guess]!;
      }
    }
    let i = start;
    let c = 0;
    let h = 2166136261 ^ tag;
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
    if (i === len) return INCOMPLETE;
    this.eol = i;
    h >>>= 0;
    const klen = i - start;
    const mask = this.slots.length - 1;
    let slot = h & mask;
    for (;;) {
      const e = this.slots[slot]! - 1;
      if (e < 0) break;
      if (this.hash[e] === h && this.len[e] === klen && this.tag[e] === tag && this.same(buf, start, e, klen)) {
        this.follow(e);
        return this.value[e]!;
      }
      slot = (slot + 1) & mask;
    }
    this.missSlot = slot;
    this.missHash = h;
    return MISS;
  }

  /** buf[start, start + klen) holds entry e's bytes. */
  private same(buf: Uint8Array, start: number, e: number, klen: number): boolean {
    const off = this.off[e]!;
    const arena = this.arena;
    const av = this.arenaView;
    const dv = this.viewOf(buf);
    let k = 0;
    while (k + 4 <= klen && av.getInt32(off + k, true) === dv.getInt32(start + k, true)) k += 4;
    while (k < klen && arena[off + k] === buf[start + k]) k++;
    return k === klen;
  }

  /** Entry e was found after the last one: guess it after that one next time. */
  private follow(e: number): void {
    if (this.last < 0) this.firstFollower = e + 1;
    else this.follower[this.last] = e + 1;
    this.last = e;
  }

  /** Stores the value of the line the last find() missed (buf[start…eol)). */
  insert(buf: Uint8Array, start: number, eol: number, tag: number, value: number): void {
    const klen = eol - start;
    const e = this.count++;
    if (e >= this.hash.length) {
      this.hash = grow(this.hash, e + 1);
      this.off = grow(this.off, e + 1);
      this.len = grow(this.len, e + 1);
      this.tag = grow(this.tag, e + 1);
      this.value = grow(this.value, e + 1);
      this.follower = grow(this.follower, e + 1);
    }
    if (this.used + klen > this.arena.length) {
      this.arena = grow(this.arena, this.used + klen);
      this.arenaView = new DataView(this.arena.buffer);
    }
    this.arena.set(buf.subarray(start, eol), this.used);
    this.hash[e] = this.missHash;
    this.off[e] = this.used;
    this.len[e] = klen;
    this.tag[e] = tag;
    this.value[e] = value;
    this.used += klen;
    this.slots[this.missSlot] = e + 1;
    if (this.count * 2 > this.slots.length) this.slots = rehash(this.slots, this.hash, this.count);
    this.follow(e);
  }
}

/** Distinct samples: (head id, ids…) sequences → summed weight and sample count. */
export class SampleTable {
  private slots = new Int32Array(1 << 12);
  private hash = new Uint32Array(256);
  private off = new Int32Array(256);
  private len = new Int32Array(256);
  private weight = new Float64Array(256);
  private samples = new Float64Array(256);
  private arena = new Int32Array(1 << 14);
  private used = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Counts one sample; returns its entry (the same for every sample of the same sequence). */
  add(head: number, seq: Int32Array, n: number, w: number): number {
    let h = 2166136261 ^ head;
    h = Math.imul(h, 16777619);
    for (let i = 0; i < n; i++) h = Math.imul(h ^ seq[i]!, 16777619);
    h >>>= 0;
    const total = n + 1;
    const mask = this.slots.length - 1;
    let slot = h & mask;
    for (;;) {
      const e = this.slots[slot]! - 1;
      if (e < 0) break;
      if (this.hash[e] === h && this.len[e] === total) {
        const off = this.off[e]!;
        let same = this.arena[off] === head;
        for (let i = 0; same && i < n; i++) same = this.arena[off + 1 + i] === seq[i];
        if (same) {
          this.weight[e]! += w;
          this.samples[e]! += 1;
          return e;
        }
      }
      slot = (slot + 1) & mask;
    }
    const e = this.count++;
    if (e >= this.hash.length) {
      this.hash = grow(this.hash, e + 1);
      this.off = grow(this.off, e + 1);
      this.len = grow(this.len, e + 1);
      this.weight = grow(this.weight, e + 1);
      this.samples = grow(this.samples, e + 1);
    }
    this.arena = grow(this.arena, this.used + total);
    const off = this.used;
    this.arena[off] = head;
    this.arena.set(seq.subarray(0, n), off + 1);
    this.used += total;
    this.hash[e] = h;
    this.off[e] = off;
    this.len[e] = total;
    this.weight[e] = w;
    this.samples[e] = 1;
    this.slots[slot] = e + 1;
    if (this.count * 2 > this.slots.length) this.slots = rehash(this.slots, this.hash, this.count);
    return e;
  }

  /** Entry e's ids: the head, then the sequence as added. */
  ids(e: number): Int32Array {
    const off = this.off[e]!;
    return this.arena.subarray(off, off + this.len[e]!);
  }

  weightOf(e: number): number {
    return this.weight[e]!;
  }

  samplesOf(e: number): number {
    return this.samples[e]!;
  }
}
