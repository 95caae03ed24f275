/**
 * Chrome / Node `.cpuprofile` → Profile (`node --cpu-prof app.js` writes CPU.*.cpuprofile;
 * Chrome DevTools' "Save profile"). JSON of the V8 profiler, a flat node list:
 *
 *     {"nodes":[{"id":1,"callFrame":{"functionName":"(root)","url":"","lineNumber":-1,…},"children":[2]},…],
 *      "startTime":…,"endTime":…,"samples":[2,2,3],"timeDeltas":[0,1003,998]}
 *
 * and the older form Node ≤ 10 and v8-profiler wrote, a nested tree with absolute times:
 *
 *     {"head":{"functionName":"(root)","url":"","lineNumber":0,"id":1,"hitCount":0,"children":[{…}]},
 *      "startTime":163140.59 (seconds),"endTime":…,"samples":[5,5,7],"timestamps":[163140599286,…] (µs)}
 *
 * Each sample is weighted by the time to the next sample (microseconds), as speedscope does; the
 * samples in order become the profile's timeline (a flame chart). Walks are iterative: a stack
 * may be tens of thousands of frames deep, and a damaged file may hold a cycle.
 */
import { ProfileBuilder, type FrameKind, type NodeRef, type Profile, type ProfileTimeline } from '../model/profile.js';
import { ThawError } from '../errors.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
/** One node of either form, normalised: children as ids. */
interface CpuNode {
  id: unknown;
  callFrame: CallFrame;
  children: unknown[];
  hitCount: number;
}

/** Frames spelled out for the timeline, at most: beyond it the chart is left out (the graph is not). */
const TIMELINE_FRAMES_MAX = 20_000_000;

export function looksLikeCpuProfile(text: string): boolean {
  const head = text.slice(0, 4096).trimStart();
  if (!head.startsWith('{')) return false;
  return (head.includes('"nodes"') && head.includes('"callFrame"')) || (head.includes('"head"') && head.includes('"functionName"'));
}

function frameName(cf: CallFrame): string {
  const fn = cf.functionName || '(anonymous)';
  if (!cf.url) return fn;
  return `${fn} ${cf.url}:${cf.lineNumber + 1}:${cf.columnNumber + 1}`;
}

function kindOf(cf: CallFrame): FrameKind {
  if (cf.functionName === '(garbage collector)' || cf.functionName === '(program)' || cf.functionName === '(idle)') return 'native';
  if (!cf.url) return 'native';
  return 'jit-js';
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown, dflt: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : dflt);

/** A node id for a message: ids come from the file and may be any JSON value. */
const idText = (v: unknown): string => (typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v)).slice(0, 40));

function damaged(name: string, what: string): ThawError {
  return new ThawError('E_PROFILE_INPUT', `${name}: .cpuprofile ${what}`, { hint: 'the file is damaged; record it again with node --cpu-prof' });
}

function numbers(name: string, v: unknown, field: string): number[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw damaged(name, `"${field}" is not a list of numbers`);
  return v as number[];
}

/** Nodes of the flat form, checked. */
function flatNodes(name: string, raw: unknown[]): CpuNode[] {
  return raw.map((n, i) => {
    if (!isObj(n) || !isObj(n.callFrame)) throw damaged(name, `node #${i} has no callFrame`);
    const cf = n.callFrame;
    if (n.children !== undefined && !Array.isArray(n.children)) throw damaged(name, `node ${idText(n.id)}: "children" is not a list`);
    return {
      id: n.id,
      callFrame: { functionName: str(cf.functionName), url: str(cf.url), lineNumber: num(cf.lineNumber, -1), columnNumber: num(cf.columnNumber, -1) },
      children: (n.children as unknown[] | undefined) ?? [],
      hitCount: num(n.hitCount, 0),
    };
  });
}

/** Nodes of the old nested form, flattened without recursion (ids given where missing). */
function treeNodes(name: string, head: Record<string, unknown>): CpuNode[] {
  const out: CpuNode[] = [];
  const seen = new Set<unknown>();
  let nextId = -1;
  const work: Record<string, unknown>[] = [head];
  const ids = new Map<Record<string, unknown>, unknown>();
  const idOf = (o: Record<string, unknown>): unknown => {
    let id = ids.get(o);
    if (id === undefined) {
      id = o.id ?? nextId--;
      ids.set(o, id);
    }
    return id;
  };
  while (work.length > 0) {
    const o = work.pop()!;
    if (seen.has(o)) continue;
    seen.add(o);
    const kids = o.children === undefined ? [] : o.children;
    if (!Array.isArray(kids) || !kids.every(isObj)) throw damaged(name, `node ${idText(o.id)}: "children" is not a list of nodes`);
    // Lines count from 0 as in the flat form (speedscope reads both alike); there is no column.
    out.push({
      id: idOf(o),
      callFrame: { functionName: str(o.functionName), url: str(o.url), lineNumber: num(o.lineNumber, -1), columnNumber: num(o.columnNumber, 0) },
      children: (kids as Record<string, unknown>[]).map(idOf),
      hitCount: num(o.hitCount, 0),
    });
    for (let k = kids.length - 1; k >= 0; k--) work.push(kids[k] as Record<string, unknown>);
  }
  return out;
}

export function importCpuProfile(text: string, name = 'cpuprofile'): Profile | null {
  if (!looksLikeCpuProfile(text)) return null;
  let p: unknown;
  try {
    p = JSON.parse(text);
  } catch (e) {
    // V8's message quotes the text around the fault, newlines and all: one line for the terminal.
    throw new ThawError('E_PROFILE_INPUT', `${name}: .cpuprofile is not valid JSON (${(e as Error).message.replace(/\s+/g, ' ')})`, { hint: 'the file may be truncated; record it again with node --cpu-prof' });
  }
  if (!isObj(p)) throw damaged(name, 'is not a JSON object');
  const old = !Array.isArray(p.nodes) && isObj(p.head);
  if (!old && !Array.isArray(p.nodes)) throw damaged(name, 'has no nodes array');
  const nodes = old ? treeNodes(name, p.head as Record<string, unknown>) : flatNodes(name, p.nodes as unknown[]);
  const samples = numbers(name, p.samples, 'samples') ?? [];

  // Microseconds since the start of the profile at which each sample was taken, and the end.
  let times: number[] | undefined;
  let end = 0;
  const warnings: string[] = [];
  if (old) {
    const stamps = numbers(name, p.timestamps, 'timestamps');
    if (stamps && stamps.length > 0) {
      const t0 = num(p.startTime, 0) * 1e6;
      times = stamps.map((t) => t - t0);
      end = num(p.endTime, 0) * 1e6 - t0;
    }
  } else {
    const deltas = numbers(name, p.timeDeltas, 'timeDeltas');
    if (deltas && deltas.length > 0) {
      times = [];
      let t = 0;
      for (const d of deltas) times.push((t += d));
      end = num(p.endTime, 0) - num(p.startTime, 0);
    }
  }
  let used = samples.length;
  if (times && times.length < samples.length) {
    used = times.length;
    warnings.push(`${samples.length - used} of ${samples.length} samples have no time (${old ? 'timestamps' : 'timeDeltas'} ends early) and were left out`);
  }

  // The tree: every node reached from the roots once; a node met twice is a cycle or has two parents.
  const byId = new Map<unknown, CpuNode>();
  for (const n of nodes) {
    if (byId.has(n.id)) throw damaged(name, `lists node ${idText(n.id)} twice`);
    byId.set(n.id, n);
  }
  const hasParent = new Set<unknown>();
  for (const n of nodes) for (const c of n.children) hasParent.add(c);
  const b = new ProfileBuilder(name, times ? 'microseconds' : 'samples');
  const ref = new Map<unknown, NodeRef>();
  const parentOf = new Map<unknown, unknown>();
  const work: Array<[CpuNode, NodeRef, unknown]> = [];
  for (let k = nodes.length - 1; k >= 0; k--) if (!hasParent.has(nodes[k]!.id)) work.push([nodes[k]!, b.rootRef(), undefined]);
  while (work.length > 0) {
    const [n, parentRef, parentId] = work.pop()!;
    if (ref.has(n.id)) throw damaged(name, `node ${idText(n.id)} is its own ancestor or has two parents`);
    // The V8 root node `(root)` is not a frame.
    const me = parentId === undefined && n.callFrame.functionName === '(root)' ? parentRef : b.child(parentRef, frameName(n.callFrame), kindOf(n.callFrame));
    ref.set(n.id, me);
    parentOf.set(n.id, parentId);
    for (let k = n.children.length - 1; k >= 0; k--) {
      const c = byId.get(n.children[k]);
      if (!c) throw damaged(name, `node ${idText(n.id)} lists a missing child ${idText(n.children[k])}`);
      work.push([c, me, n.id]);
    }
  }
  const refOf = (id: number): NodeRef => {
    const r = ref.get(id);
    if (r) return r;
    if (byId.has(id)) throw damaged(name, `node ${id} is its own ancestor (a cycle no root reaches)`);
    throw damaged(name, `sample refers to missing node ${id}`);
  };

  if (samples.length === 0) {
    for (const n of nodes) if (n.hitCount > 0) b.addAt(refOf(n.id as number), n.hitCount, n.hitCount);
    const prof = b.build();
    return warnings.length ? { ...prof, warnings } : prof;
  }
  let timeline: ProfileTimeline | undefined;
  const weights: number[] = [];
  for (let i = 0; i < used; i++) {
    let w = 1;
    if (times) {
      const next = i + 1 < used ? times[i + 1]! : end;
      w = next - times[i]!;
      // The last sample (and any out of order) weighs what a typical sample does.
      if (!(w > 0)) w = i > 0 && times[i]! - times[i - 1]! > 0 ? times[i]! - times[i - 1]! : 1;
    }
    weights.push(w);
    b.addAt(refOf(samples[i]!), w, 1);
  }
  if (times && used > 0) timeline = timelineOf(samples.slice(0, used), times.slice(0, used), weights, byId, parentOf);
  const prof = b.build();
  return { ...prof, ...(timeline ? { timeline } : {}), ...(warnings.length ? { warnings } : {}) };
}

/** Samples in time order, each stack spelled out root first (one array per distinct node, shared). */
function timelineOf(samples: number[], times: number[], weights: number[], byId: Map<unknown, CpuNode>, parentOf: Map<unknown, unknown>): ProfileTimeline | undefined {
  const stackOf = new Map<unknown, string[]>();
  let spelled = 0;
  const stacks: string[][] = [];
  for (const id of samples) {
    let s = stackOf.get(id);
    if (!s) {
      s = [];
      for (let k: unknown = id; k !== undefined; k = parentOf.get(k)) {
        const n = byId.get(k)!;
        if (parentOf.get(k) === undefined && n.callFrame.functionName === '(root)') break;
        s.push(frameName(n.callFrame));
      }
      s.reverse();
      spelled += s.length;
      if (spelled > TIMELINE_FRAMES_MAX) return undefined;
      stackOf.set(id, s);
    }
    stacks.push(s);
  }
  // Seconds since the first sample, never going back (a negative delta is clock noise).
  const t0 = times[0]!;
  let last = 0;
  return { times: times.map((t) => (last = Math.max(last, (t - t0) / 1e6))), weights, stacks };
}
