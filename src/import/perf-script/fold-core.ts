/**
 * The per-line core of PerfScriptFolder in WebAssembly (fold-core.wat, assembled into
 * fold-core-wasm.ts): the table of frame lines seen before, the current sample's group ids and
 * the table of distinct samples, all in the module's own memory. JavaScript decides what each
 * distinct line means; the core settles every repeat of it without allocating anything, in
 * machine code from the first line (see the .wat for why).
 */
import { FOLD_CORE_WASM } from './fold-core-wasm.js';

/** What scan() stopped at (the line at `pos`). */
export const SCAN_END = 0;
export const SCAN_BLANK = 1;
/** An event line or a comment: any line that does not start with white space. */
export const SCAN_TEXT = 2;
/** A frame line cut by the end of the input. */
export const SCAN_INCOMPLETE = 3;
/** A frame line not seen before: decide it, then insert() its value. */
export const SCAN_MISS = 4;
/** A frame line whose stored value asks for the text path every time. */
export const SCAN_TEXT_FRAME = 5;

interface Exports {
  memory: WebAssembly.Memory;
  pos: WebAssembly.Global;
  eol: WebAssembly.Global;
  lines: WebAssembly.Global;
  seqLen: WebAssembly.Global;
  samples: WebAssembly.Global;
  input(cap: number): number;
  seqPush(g: number): void;
  seqClear(): void;
  restart(): void;
  insert(start: number, eol: number, tag: number, value: number): void;
  scan(pos: number, end: number, tag: number, collect: number): number;
  lineEnd(pos: number, end: number): number;
  sampleAdd(head: number, weight: number): number;
  sampleIds(e: number): number;
  sampleLen(e: number): number;
  sampleWeight(e: number): number;
  sampleCount(e: number): number;
}

let compiled: WebAssembly.Module | undefined;

export class FoldCore {
  readonly x: Exports;
  private ab: ArrayBuffer | null = null;
  private view: Buffer | null = null;

  constructor() {
    // Compiled once per thread (V8's baseline compiler: well under a millisecond).
    compiled ??= new WebAssembly.Module(Buffer.from(FOLD_CORE_WASM, 'base64'));
    this.x = new WebAssembly.Instance(compiled).exports as unknown as Exports;
  }

  /** The module's memory as a Buffer (a new view after the memory grew). */
  bytes(): Buffer {
    const ab = this.x.memory.buffer;
    if (ab !== this.ab) {
      this.ab = ab;
      this.view = Buffer.from(ab);
    }
    return this.view!;
  }

  /** Frame lines settled by scan() since the last call. */
  takeLines(): number {
    const n = this.x.lines.value as number;
    if (n !== 0) this.x.lines.value = 0;
    return n;
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
