/**
 * Diff of two profiles: one merged tree whose nodes carry both sides' total and self weight as
 * shares of each side's own total (so a run with twice the samples is not "twice as slow").
 * The renderer colours by the change of total or of self — Gregg's difffolded.pl colours self
 * only, which paints a caller blue while everything below it grew — and sizes by either side.
 * Pure: no `node:` or DOM imports.
 */
import { freezeTree, type FrameKind, type Profile, type ProfileNode, type WeightUnit } from './profile.js';

export interface DiffNode {
  readonly name: string;
  readonly kind: FrameKind;
  /** The base profile's weight: shares (0..1) of its total, or raw weights in `counts` mode. */
  readonly baseTotal: number;
  readonly baseSelf: number;
  /** The target profile's weight: shares (0..1) of its total, or raw weights in `counts` mode. */
  readonly total: number;
  readonly self: number;
  readonly children: readonly DiffNode[];
}

/**
 * `shares`: each side normalised to its own total (a run with twice the samples is not "twice as
 * slow"). `counts`: raw weights, as flamegraph.pl compares difffolded.pl's two columns.
 */
export type DiffMode = 'shares' | 'counts';

export interface ProfileDiff {
  readonly base: string;
  readonly target: string;
  readonly mode: DiffMode;
  /** What the weights count in `counts` mode (both sides' unit). */
  readonly unit: WeightUnit;
  readonly root: DiffNode;
}

interface M {
  name: string;
  kind: FrameKind;
  baseTotal: number;
  baseSelf: number;
  total: number;
  self: number;
  children: Map<string, M>;
}

const newM = (name: string, kind: FrameKind): M => ({ name, kind, baseTotal: 0, baseSelf: 0, total: 0, self: 0, children: new Map() });

export function diffProfiles(base: Profile, target: Profile, mode: DiffMode = 'shares'): ProfileDiff {
  const root = newM('all', 'root');
  const merge = (from: ProfileNode, scale: number, side: 'base' | 'target'): void => {
    const work: Array<[M, ProfileNode]> = [[root, from]];
    while (work.length > 0) {
      const [into, n] = work.pop()!;
      if (side === 'base') {
        into.baseTotal += n.total * scale;
        into.baseSelf += n.self * scale;
      } else {
        into.total += n.total * scale;
        into.self += n.self * scale;
      }
      for (const c of n.children) {
        let m = into.children.get(c.name);
        if (!m) {
          m = newM(c.name, c.kind);
          into.children.set(c.name, m);
        }
        work.push([m, c]);
      }
    }
  };
  const scaleOf = (p: Profile): number => (mode === 'counts' ? 1 : p.total > 0 ? 1 / p.total : 0);
  merge(base.root, scaleOf(base), 'base');
  merge(target.root, scaleOf(target), 'target');
  const frozenRoot = freezeTree<M, DiffNode>(root, (m, _kids, children) => Object.freeze({ name: m.name, kind: m.kind, baseTotal: m.baseTotal, baseSelf: m.baseSelf, total: m.total, self: m.self, children: Object.freeze(children) }));
  const unit = base.unit === target.unit ? target.unit : 'samples';
  return Object.freeze({ base: base.name, target: target.name, mode, unit, root: frozenRoot });
}

/** Frames whose total (or self) changed most (positive: grew in target), largest first. */
export function topChanges(d: ProfileDiff, by: 'total' | 'self' = 'total', limit = 10): Array<{ path: string[]; delta: number }> {
  // Parent links instead of a path per node: a path is spelled out only for the frames returned.
  const nodes: DiffNode[] = [];
  const parent: number[] = [];
  const work: Array<[DiffNode, number]> = d.root.children.map((c) => [c, -1] as [DiffNode, number]).reverse();
  while (work.length > 0) {
    const [n, p] = work.pop()!;
    const me = nodes.length;
    nodes.push(n);
    parent.push(p);
    for (let k = n.children.length - 1; k >= 0; k--) work.push([n.children[k]!, me]);
  }
  const deltaOf = (n: DiffNode): number => (by === 'total' ? n.total - n.baseTotal : n.self - n.baseSelf);
  const order = nodes.map((_, i) => i).sort((a, b) => Math.abs(deltaOf(nodes[b]!)) - Math.abs(deltaOf(nodes[a]!)) || a - b).slice(0, limit);
  return order.map((i) => {
    const path: string[] = [];
    for (let k = i; k >= 0; k = parent[k]!) path.push(nodes[k]!.name);
    return { path: path.reverse(), delta: deltaOf(nodes[i]!) };
  });
}
