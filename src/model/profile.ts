/**
 * The profile model: a call tree of weighted stacks, built through a ProfileBuilder and then
 * frozen (after speedscope's CallTreeProfileBuilder). Pure: no `node:` or DOM imports,
 * so the CLI and the flame graph page share it.
 *
 * Weights are whatever the source counts: perf's sample period (nanoseconds of CPU for
 * cpu-clock), async-profiler's sample counts, a .cpuprofile's microseconds. `unit` says which.
 */

/** What ran a frame; the flame graph colours by it. */
export type FrameKind = 'root' | 'kernel' | 'native' | 'jit-js' | 'jit-java' | 'interpreted' | 'process' | 'unknown';

export type WeightUnit = 'nanoseconds' | 'microseconds' | 'samples';

export interface ProfileNode {
  readonly name: string;
  readonly kind: FrameKind;
  /** Weight of every stack passing through this node. */
  readonly total: number;
  /** Weight of stacks ending at this node. */
  readonly self: number;
  /** Samples through this node, when the source counts them apart from the weight (perf: weight = Σ periods). */
  readonly samples: number;
  readonly children: readonly ProfileNode[];
}

export interface Profile {
  readonly name: string;
  readonly unit: WeightUnit;
  readonly root: ProfileNode;
  /** Sum of all stack weights (= root.total). */
  readonly total: number;
  /** Number of stacks added (samples, or folded lines for folded input). */
  readonly stacks: number;
  /** Samples in the order they were taken, when the source timed them (drawn as a flame chart). */
  readonly timeline?: ProfileTimeline;
}

/** Samples in time order: sample i ran `stacks[i]` (root first) at `times[i]` with `weights[i]`. */
export interface ProfileTimeline {
  /** Seconds since the first sample, ascending. */
  readonly times: readonly number[];
  readonly weights: readonly number[];
  readonly stacks: readonly (readonly string[])[];
}

interface MutableNode {
  name: string;
  kind: FrameKind;
  total: number;
  self: number;
  samples: number;
  children: Map<string, MutableNode>;
}

function newNode(name: string, kind: FrameKind): MutableNode {
  return { name, kind, total: 0, self: 0, samples: 0, children: new Map() };
}

/**
 * Classifies a frame from its name (and its module when the source had one). Folded stacks
 * have lost the module, so names carry the hints: V8's perf map marks tiers with a prefix
 * (`JS:*` optimised by TurboFan, `JS:+` Maglev, `JS:^` Sparkplug, `JS:~` interpreted by Ignition;
 * older Nodes wrote `LazyCompile:`), async-profiler/stackcollapse annotate `_[j]` `_[i]` `_[k]`,
 * and HotSpot's perf map writes Java methods as `Lpkg/Cls;::m` or `pkg.Cls::m`.
 *
 * runtime: whose JIT wrote the perf map (`/tmp/perf-PID.map`) the module names, when the
 * caller knows it. `'v8'`: a Node process's map (its comm is `node`, or V8-prefixed names are in
 * it), so an entry without a V8 prefix or a `[perf-PID.map]` address is V8's code, not Java.
 */
export function classifyFrame(name: string, module?: string, runtime?: 'v8'): FrameKind {
  if (module !== undefined) {
    if (module === '[kernel.kallsyms]' || module.startsWith('[kernel') || module.endsWith('vmlinux') || /^\[[\w.-]+\]$/.test(module) && module !== '[unknown]' && module !== '[vdso]') return 'kernel';
  }
  if (name.endsWith('_[k]')) return 'kernel';
  const js = /^(?:JS|LazyCompile|Function|Script|Eval|RegExp|Builtin|BytecodeHandler|Handler|Stub|InterpretedFunction):([*~^+]?)/.exec(name);
  if (js) {
    if (name.startsWith('Builtin:') || name.startsWith('BytecodeHandler:') || name.startsWith('Stub:') || name.startsWith('Handler:')) return 'native';
    if (js[1] === '~' || name.startsWith('InterpretedFunction:')) return 'interpreted';
    return 'jit-js';
  }
  if (runtime === 'v8' && module !== undefined && /\/perf-\d+\.map$/.test(module)) return 'jit-js';
  if (name.endsWith('_[0]')) return 'interpreted';
  if (name.endsWith('_[j]') || name.endsWith('_[i]') || name.endsWith('_[1]')) return 'jit-java';
  if (/^L?[\w$]+(?:[/.][\w$]+)+[;:]*::?[\w$<>]+/.test(name) && (name.includes('::') || name.includes(';.'))) return 'jit-java';
  if (name === 'Interpreter' || name.startsWith('Interpreter ')) return 'interpreted';
  // HotSpot's own perf map (-XX:+DumpPerfMapAtExit, jcmd Compiler.perfmap): `double Hot.mathy(int)`.
  if (/^[\w$.\[\]<>]+ [\w$]+(?:\.[\w$<>]+)+$/.test(name)) return 'jit-java';
  // Anything else in a perf map that V8 did not prefix is the JVM's code (stubs, adapters).
  if (module !== undefined && /\/perf-\d+\.map$/.test(module)) return 'jit-java';
  if (name === '[unknown]' || name === 'unknown') return 'unknown';
  if (module !== undefined && module === '[unknown]') return 'unknown';
  return 'native';
}

/** Kernel entry points: in folded input every frame from one of these to the leaf is the kernel's. */
const KERNEL_ENTRY = /^(?:entry_SYSCALL|asm_(?:exc|sysvec|common_interrupt)|__x64_sys_|do_syscall_64|ret_from_fork|__sysvec_|irqentry_|error_entry|page_fault|async_page_fault)/;

/** Kinds for a folded stack without modules: the first frame is the process, kernel frames end it. */
export function classifyFoldedStack(frames: readonly string[]): FrameKind[] {
  const kinds: FrameKind[] = new Array(frames.length);
  let kernel = false;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    if (!kernel && KERNEL_ENTRY.test(f)) kernel = true;
    kinds[i] = kernel ? 'kernel' : classifyFrame(f);
  }
  return kinds;
}

/** Accumulates stacks (root first), then freezes them into a Profile. */
export class ProfileBuilder {
  private readonly root = newNode('all', 'root');
  private stacks = 0;
  private frozen = false;

  constructor(
    readonly name: string,
    readonly unit: WeightUnit = 'samples',
  ) {}

  /**
   * Adds one stack, root frame first. kinds, when given, is parallel to frames; samples is how
   * many samples the weight sums (0 when the source does not say).
   */
  add(frames: readonly string[], weight: number, kinds?: readonly FrameKind[], samples = 0): void {
    if (this.frozen) throw new Error('ProfileBuilder: add() after build()');
    if (!(weight > 0)) return;
    this.stacks++;
    let node = this.root;
    node.total += weight;
    node.samples += samples;
    for (let i = 0; i < frames.length; i++) {
      const name = frames[i]!;
      let next = node.children.get(name);
      if (!next) {
        next = newNode(name, kinds ? kinds[i]! : classifyFrame(name));
        node.children.set(name, next);
      }
      next.total += weight;
      next.samples += samples;
      node = next;
    }
    node.self += weight;
  }

  /** Adds every stack of a frozen profile (used to build aggregates). */
  addProfile(p: Profile, scale = 1): void {
    const walk = (n: ProfileNode, path: string[], kinds: FrameKind[]): void => {
      // A node's own samples: its samples less its children's.
      if (n.self > 0) this.add(path, n.self * scale, kinds, n.samples - n.children.reduce((a, c) => a + c.samples, 0));
      for (const c of n.children) walk(c, [...path, c.name], [...kinds, c.kind]);
    };
    walk(p.root, [], []);
  }

  build(): Profile {
    this.frozen = true;
    const freeze = (n: MutableNode): ProfileNode => {
      // Children sorted by name, as flamegraph.pl does: the picture is stable run to run.
      const children = [...n.children.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(freeze);
      return Object.freeze({ name: n.name, kind: n.kind, total: n.total, self: n.self, samples: n.samples, children: Object.freeze(children) });
    };
    const root = freeze(this.root);
    return Object.freeze({ name: this.name, unit: this.unit, root, total: root.total, stacks: this.stacks });
  }
}

/** Every root-to-leaf path with its self weight, the way folded files list them. */
export function* stacksOf(p: Profile): Generator<{ frames: string[]; weight: number }> {
  const path: string[] = [];
  function* walk(n: ProfileNode): Generator<{ frames: string[]; weight: number }> {
    if (n.self > 0 && path.length > 0) yield { frames: [...path], weight: n.self };
    for (const c of n.children) {
      path.push(c.name);
      yield* walk(c);
      path.pop();
    }
  }
  yield* walk(p.root);
}

