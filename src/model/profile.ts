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
  /** What the importer read but could not use (lines skipped, samples left out), one line each. */
  readonly warnings?: readonly string[];
  /**
   * For differential input (flamegraph.pl's `stack before after`, what difffolded.pl writes):
   * the profile of the first column; this profile holds the second.
   */
  readonly base?: Profile;
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
  /** Weight and samples added at this node through addAt(), not yet carried up to its ancestors. */
  atWeight: number;
  atSamples: number;
  children: Map<string, MutableNode>;
}

/** A node of a profile under construction (see ProfileBuilder.child). */
export type NodeRef = { readonly __node: true };

function newNode(name: string, kind: FrameKind): MutableNode {
  return { name, kind, total: 0, self: 0, samples: 0, atWeight: 0, atSamples: 0, children: new Map() };
}

const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Freezes a mutable tree bottom-up without recursion (stacks may be tens of thousands of frames
 * deep): `make` gets a node, its children sorted by name (as flamegraph.pl orders them, so the
 * picture is stable run to run) and those children already frozen, in the same order.
 */
export function freezeTree<M extends { name: string; children: Map<string, M> }, F>(root: M, make: (node: M, kids: M[], children: F[]) => F): F {
  const frozen = new Map<M, F>();
  const work: Array<[M, boolean]> = [[root, false]];
  while (work.length > 0) {
    const [n, expanded] = work.pop()!;
    if (!expanded) {
      work.push([n, true]);
      for (const c of n.children.values()) work.push([c, false]);
      continue;
    }
    const kids = [...n.children.values()].sort(byName);
    const children = kids.map((c) => {
      const f = frozen.get(c)!;
      frozen.delete(c);
      return f;
    });
    frozen.set(n, make(n, kids, children));
  }
  return frozen.get(root)!;
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

  /** The root node, for child() and addAt(). */
  rootRef(): NodeRef {
    return this.root as unknown as NodeRef;
  }

  /** The child of `parent` called `name`, made when missing: building a tree node by node. */
  child(parent: NodeRef, name: string, kind: FrameKind): NodeRef {
    if (this.frozen) throw new Error('ProfileBuilder: child() after build()');
    const p = parent as unknown as MutableNode;
    let next = p.children.get(name);
    if (!next) {
      next = newNode(name, kind);
      p.children.set(name, next);
    }
    return next as unknown as NodeRef;
  }

  /** Adds a stack ending at `node` (made with child()); its ancestors' totals are summed in build(). */
  addAt(node: NodeRef, weight: number, samples = 0): void {
    if (this.frozen) throw new Error('ProfileBuilder: addAt() after build()');
    if (!(weight > 0)) return;
    const n = node as unknown as MutableNode;
    this.stacks++;
    n.self += weight;
    n.atWeight += weight;
    n.atSamples += samples;
  }

  /** Adds every stack of a frozen profile (used to build aggregates). */
  addProfile(p: Profile, scale = 1): void {
    const work: Array<[ProfileNode, MutableNode]> = [[p.root, this.root]];
    while (work.length > 0) {
      const [n, into] = work.pop()!;
      // A node's own samples: its samples less its children's.
      if (n.self > 0) {
        let childSamples = 0;
        for (const c of n.children) childSamples += c.samples;
        this.addAt(into as unknown as NodeRef, n.self * scale, n.samples - childSamples);
      }
      for (const c of n.children) work.push([c, this.child(into as unknown as NodeRef, c.name, c.kind) as unknown as MutableNode]);
    }
  }

  build(): Profile {
    this.frozen = true;
    // Weight added through addAt() is carried up: children are frozen before their parent.
    const root = freezeTree<MutableNode, ProfileNode>(this.root, (n, kids, children) => {
      for (const c of kids) {
        n.atWeight += c.atWeight;
        n.atSamples += c.atSamples;
      }
      return Object.freeze({ name: n.name, kind: n.kind, total: n.total + n.atWeight, self: n.self, samples: n.samples + n.atSamples, children: Object.freeze(children) });
    });
    return Object.freeze({ name: this.name, unit: this.unit, root, total: root.total, stacks: this.stacks });
  }
}

/** One stack of a profile: frames root first, their kinds, its self weight and samples. */
export interface ProfileStack {
  frames: string[];
  kinds: FrameKind[];
  weight: number;
  samples: number;
}

/** Every root-to-leaf path with its self weight, the way folded files list them (depth-first, children in order). */
export function* stacksOf(p: Profile): Generator<ProfileStack> {
  const path: string[] = [];
  const kinds: FrameKind[] = [];
  // Each entry: a node and its depth (the root is depth 0 and is not a frame).
  const work: Array<[ProfileNode, number]> = [[p.root, 0]];
  while (work.length > 0) {
    const [n, depth] = work.pop()!;
    if (depth > 0) {
      path.length = kinds.length = depth - 1;
      path.push(n.name);
      kinds.push(n.kind);
    }
    if (n.self > 0 && depth > 0) {
      let childSamples = 0;
      for (const c of n.children) childSamples += c.samples;
      yield { frames: [...path], kinds: [...kinds], weight: n.self, samples: n.samples - childSamples };
    }
    for (let k = n.children.length - 1; k >= 0; k--) work.push([n.children[k]!, depth + 1]);
  }
}

/** The profile with every stack turned around (leaf first): flamegraph.pl's --reverse, merging from the leaves. */
export function reverseProfile(p: Profile): Profile {
  const b = new ProfileBuilder(p.name, p.unit);
  for (const s of stacksOf(p)) b.add(s.frames.reverse(), s.weight, s.kinds.reverse(), s.samples);
  const r = b.build();
  const timeline = p.timeline && { ...p.timeline, stacks: p.timeline.stacks.map((st) => [...st].reverse()) };
  return { ...r, ...(timeline ? { timeline } : {}), ...(p.warnings ? { warnings: p.warnings } : {}) };
}

/** A node of a flame chart: where it starts on the time axis, in the chart's weight unit. */
export interface ChartNode extends ProfileNode {
  readonly start: number;
  readonly children: readonly ChartNode[];
}

/** A flame chart: samples in time order, neighbours with the same stack prefix merged, nothing else. */
export interface FlameChart {
  readonly name: string;
  /** Wall time, in this unit, along x. */
  readonly unit: WeightUnit;
  readonly root: ChartNode;
  readonly samples: number;
}

/**
 * The flame chart of a profile's timeline. Each sample lasts until the next one (the last as long
 * as the median gap), so x is wall time since the first sample; frame kinds come from the profile.
 */
export function flameChart(p: Profile): FlameChart | undefined {
  const tl = p.timeline;
  if (!tl || tl.times.length === 0) return undefined;
  const unit: WeightUnit = p.unit === 'nanoseconds' ? 'nanoseconds' : 'microseconds';
  const perSecond = unit === 'nanoseconds' ? 1e9 : 1e6;
  const n = tl.times.length;
  const gaps: number[] = [];
  for (let i = 0; i + 1 < n; i++) gaps.push(Math.max(0, tl.times[i + 1]! - tl.times[i]!) * perSecond);
  const sorted = gaps.filter((g) => g > 0).sort((a, b) => a - b);
  const typical = sorted.length ? sorted[sorted.length >> 1]! : 1;
  type M = { name: string; kind: FrameKind; start: number; total: number; self: number; samples: number; children: M[]; agg: ProfileNode | undefined };
  const root: M = { name: 'all', kind: 'root', start: 0, total: 0, self: 0, samples: 0, children: [], agg: p.root };
  const open: M[] = [root];
  let x = 0;
  let used = 0;
  for (let i = 0; i < n; i++) {
    const w = i + 1 < n ? gaps[i]! : typical;
    if (!(w > 0)) continue;
    used++;
    const stack = tl.stacks[i]!;
    let k = 0;
    while (k < stack.length && k + 1 < open.length && open[k + 1]!.name === stack[k]) k++;
    open.length = k + 1;
    for (let d = k; d < stack.length; d++) {
      const parent = open[d]!;
      const agg = parent.agg && childNamed(parent.agg, stack[d]!);
      const m: M = { name: stack[d]!, kind: agg ? agg.kind : classifyFrame(stack[d]!), start: x, total: 0, self: 0, samples: 0, children: [], agg };
      parent.children.push(m);
      open.push(m);
    }
    for (const m of open) {
      m.total += w;
      m.samples++;
    }
    open[open.length - 1]!.self += w;
    x += w;
  }
  return { name: p.name, unit, root: root as unknown as ChartNode, samples: used };
}

/** A frozen node's child by name (children are sorted by name). */
function childNamed(n: ProfileNode, name: string): ProfileNode | undefined {
  let lo = 0;
  let hi = n.children.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = n.children[mid]!;
    if (c.name === name) return c;
    if (c.name < name) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** Calls `visit` for every node in depth-first pre-order with its depth (root 0) and parent, without recursion. */
export function walkProfile(root: ProfileNode, visit: (n: ProfileNode, depth: number, parent: ProfileNode | undefined) => void): void {
  const work: Array<[ProfileNode, number, ProfileNode | undefined]> = [[root, 0, undefined]];
  while (work.length > 0) {
    const [n, depth, parent] = work.pop()!;
    visit(n, depth, parent);
    for (let k = n.children.length - 1; k >= 0; k--) work.push([n.children[k]!, depth + 1, n]);
  }
}
