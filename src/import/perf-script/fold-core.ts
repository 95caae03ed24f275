/**
 * The per-line core of PerfScriptFolder in WebAssembly (fold-core.wat, assembled into
 * fold-core-wasm.ts): the table of frame lines seen before, the current sample's group ids and
 * the table of distinct samples, all in the module's own memory. JavaScript decides what each
 * distinct line means; the core settles every repeat of it without allocating anything, in
 * machine code from the first line (see the .wat for why).
 */
import { FOLD_CORE_WASM } from './fold-core-wasm.js';

/** What scan() stopped at (the line at answer()[0]). */
export const SCAN_END = 0;
export const SCAN_BLANK = 1;
/** An event line or a comment: any line that does not start with white space. */
export const SCAN_TEXT = 2;
/** A line cut by the end of the input. */
export const SCAN_INCOMPLETE = 3;
/** A frame line not seen before: decide it, then insert() its value. */
export const SCAN_MISS = 4;
/** A frame line whose stored value asks for the text path every time. */
export const SCAN_TEXT_FRAME = 5;

interface Exports {
  memory: WebAssembly.Memory;
  seqLen: WebAssembly.Global;
  samples: WebAssembly.Global;
  input(cap: number): number;
  seqPush(g: number): void;
  insert(start: number, eol: number, tag: number, value: number): void;
  scan(pos: number, end: number, tag: number, collect: number): number;
  sampleEnd(collect: number, head: number, weight: number): number;
  sampleIds(e: number): number;
  sampleLen(e: number): number;
  sampleWeight(e: number): number;
  sampleCount(e: number): number;
}

let compiled: WebAssembly.Module | undefined;

export class FoldCore {
  readonly x: Exports;
  private view: Buffer | null = null;
  private i32: Int32Array | null = null;

  constructor() {
    // Compiled once per thread (V8's baseline compiler: well under a millisecond).
    compiled ??= new WebAssembly.Module(Buffer.from(FOLD_CORE_WASM, 'base64'));
    this.x = new WebAssembly.Instance(compiled).exports as unknown as Exports;
  }

  /**
   * The module's memory as a Buffer. Growing the memory detaches the old one (its length reads
   * 0): only then is a new view made, since reading memory.buffer is a call into the engine.
   */
  bytes(): Buffer {
    if (this.view === null || this.view.length === 0) this.refresh();
    return this.view!;
  }

  /** scan()'s answer: [where the line starts, its newline, frame lines scan() settled in all]. */
  answer(): Int32Array {
    if (this.i32 === null || this.i32.length === 0) this.refresh();
    return this.i32!;
  }

  private refresh(): void {
    const ab = this.x.memory.buffer;
    this.view = Buffer.from(ab);
    this.i32 = new Int32Array(ab, 0, 3);
  }

  get seqLen(): number {
    return this.x.seqLen.value as number;
  }

  /** Distinct samples counted. */
  get size(): number {
    return this.x.samples.value as number;
  }

  /** Sample entry e's ids: the head, then the sequence as added (a view: read it at once). */
  ids(e: number): Int32Array {
    const p = this.x.sampleIds(e);
    return new Int32Array(this.bytes().buffer, p, this.x.sampleLen(e));
  }

  weightOf(e: number): number {
    return this.x.sampleWeight(e);
  }

  samplesOf(e: number): number {
    return this.x.sampleCount(e);
  }
}
