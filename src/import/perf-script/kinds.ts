/**
 * Frame kinds for a folder's frames, from the module of each frame's first occurrence. A perf
 * map (`/tmp/perf-PID.map`) is written by a JVM or by V8; its entries are only known to be V8's
 * once the map shows V8's names or a Node process, which may come after the frame, so the
 * kinds of map frames are settled when asked for.
 */
import { classifyFrame, type FrameKind } from '../../model/profile.js';

/** What a folder knows about JIT maps, for frame kinds: frames first seen in a map, and V8's maps. */
export interface PerfMapInfo {
  frames: Array<[string, string]>;
  v8: string[];
}

/** Frame names V8 writes into a perf map (--perf-basic-prof). */
const V8_NAME = /^(?:JS|LazyCompile|Function|Script|Eval|RegExp|Builtin|BytecodeHandler|Handler|Stub|InterpretedFunction|Code):/;
const PERF_MAP = /\/perf-\d+\.map$/;
/** Thread names of a Node process's JavaScript thread. */
const NODE_COMM = /^(?:node|nodejs)$/;

export class FrameKinds {
  private readonly first = new Map<string, FrameKind>();
  private readonly mapFrames = new Map<string, string>();
  private readonly v8Maps = new Set<string>();
  private settled: Map<string, FrameKind> | null = null;
  // Lines noted but not yet classified: `thaw fold` never asks for kinds, so the work waits
  // until something does (each argument of note(), in order).
  private pending: Array<readonly string[] | string> = [];

  /** The frames of one frame line, from module mod, in a thread named comm. */
  note(funcs: readonly string[], mod: string, comm: string): void {
    this.pending.push(funcs, mod, comm);
  }

  private settle(): void {
    const p = this.pending;
    if (p.length === 0) return;
    this.pending = [];
    for (let i = 0; i < p.length; i += 3) this.classify(p[i] as readonly string[], p[i + 1] as string, p[i + 2] as string);
  }

  private classify(funcs: readonly string[], mod: string, comm: string): void {
    const map = PERF_MAP.test(mod);
    if (map && NODE_COMM.test(comm)) this.v8Maps.add(mod);
    for (const func of funcs) {
      if (!this.first.has(func)) {
        this.first.set(func, classifyFrame(func, mod));
        this.settled = null;
        if (map) this.mapFrames.set(func, mod);
      }
      if (map && V8_NAME.test(func) && !this.v8Maps.has(mod)) {
        this.v8Maps.add(mod);
        this.settled = null;
      }
    }
  }

  /** Frame name → kind; an unnamed entry of a Node process's perf map is V8's code, not the JVM's. */
  get kinds(): Map<string, FrameKind> {
    this.settle();
    if (this.settled) return this.settled;
    const k = new Map(this.first);
    for (const [name, mod] of this.mapFrames) if (this.v8Maps.has(mod)) k.set(name, classifyFrame(name, mod, 'v8'));
    this.settled = k;
    return k;
  }

  get perfMaps(): PerfMapInfo {
    this.settle();
    return { frames: [...this.mapFrames], v8: [...this.v8Maps] };
  }

  /** Adds what another folder learnt (a part of the same input folded elsewhere). */
  merge(kinds: Iterable<[string, FrameKind]>, maps?: PerfMapInfo): void {
    this.settle();
    this.settled = null;
    for (const [k, v] of kinds) if (!this.first.has(k)) this.first.set(k, v);
    if (!maps) return;
    for (const [f, m] of maps.frames) if (!this.mapFrames.has(f)) this.mapFrames.set(f, m);
    for (const m of maps.v8) this.v8Maps.add(m);
  }
}
