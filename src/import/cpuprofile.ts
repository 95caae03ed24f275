/**
 * Chrome / Node `.cpuprofile` → Profile (`node --cpu-prof app.js` writes CPU.*.cpuprofile;
 * Chrome DevTools' "Save profile"). JSON of the V8 profiler:
 *
 *     {"nodes":[{"id":1,"callFrame":{"functionName":"(root)","url":"","lineNumber":-1,…},"children":[2]},…],
 *      "startTime":…,"endTime":…,"samples":[2,2,3],"timeDeltas":[0,1003,998]}
 *
 * Each sample is weighted by the time to the next sample (microseconds), as speedscope does.
 */
import { ProfileBuilder, type FrameKind, type Profile } from '../model/profile.js';
import { ThawError } from '../errors.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface CpuNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
  hitCount?: number;
}
interface CpuProfile {
  nodes: CpuNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export function looksLikeCpuProfile(text: string): boolean {
  const head = text.slice(0, 4096).trimStart();
  return head.startsWith('{') && head.includes('"nodes"') && head.includes('"callFrame"');
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

export function importCpuProfile(text: string, name = 'cpuprofile'): Profile | null {
  if (!looksLikeCpuProfile(text)) return null;
  let p: CpuProfile;
  try {
    p = JSON.parse(text) as CpuProfile;
  } catch (e) {
    throw new ThawError('E_PROFILE_INPUT', `${name}: .cpuprofile is not valid JSON (${(e as Error).message})`, { hint: 'the file may be truncated; record it again with node --cpu-prof' });
  }
  if (!Array.isArray(p.nodes)) throw new ThawError('E_PROFILE_INPUT', `${name}: .cpuprofile has no nodes array`, { hint: 'record it with node --cpu-prof' });
  const byId = new Map<number, CpuNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const pathCache = new Map<number, { frames: string[]; kinds: FrameKind[] }>();
  const pathOf = (id: number): { frames: string[]; kinds: FrameKind[] } => {
    const hit = pathCache.get(id);
    if (hit) return hit;
    const node = byId.get(id);
    if (!node) throw new ThawError('E_PROFILE_INPUT', `${name}: sample refers to missing node ${id}`, { hint: 'the file is damaged; record it again' });
    const up = parent.get(id);
    const base = up === undefined ? { frames: [], kinds: [] } : pathOf(up);
    // The V8 root node `(root)` is not a frame.
    const r = up === undefined && node.callFrame.functionName === '(root)' ? base : { frames: [...base.frames, frameName(node.callFrame)], kinds: [...base.kinds, kindOf(node.callFrame)] };
    pathCache.set(id, r);
    return r;
  };
  const b = new ProfileBuilder(name, 'microseconds');
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  if (samples.length > 0) {
    for (let i = 0; i < samples.length; i++) {
      const w = i + 1 < deltas.length ? deltas[i + 1]! : Math.max(0, p.endTime - (p.startTime + deltas.slice(0, i + 1).reduce((a, x) => a + x, 0)));
      const { frames, kinds } = pathOf(samples[i]!);
      b.add(frames, w > 0 ? w : 1, kinds, 1);
    }
  } else {
    for (const n of p.nodes) if (n.hitCount) {
      const { frames, kinds } = pathOf(n.id);
      b.add(frames, n.hitCount, kinds, n.hitCount);
    }
  }
  return b.build();
}
