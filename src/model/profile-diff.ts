/**
 * Diff of two profiles: one merged tree whose nodes carry both sides' total and self weight as
 * shares of each side's own total (so a run with twice the samples is not "twice as slow").
 * The renderer colours by the change of total or of self — Gregg's difffolded.pl colours self
 * only, which paints a caller blue while everything below it grew — and sizes by either side.
 * Pure: no `node:` or DOM imports.
 */
import type { FrameKind, Profile, ProfileNode } from './profile.js';

export interface DiffNode {
  readonly name: string;
  readonly kind: FrameKind;
  /** Shares (0..1) of the base profile's total. */
  readonly baseTotal: number;
  readonly baseSelf: number;
  /** Shares (0..1) of the target profile's total. */
  readonly total: number;
  readonly self: number;
  readonly children: readonly DiffNode[];
}

export interface ProfileDiff {
  readonly base: string;
  readonly target: string;
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

export function diffProfiles(base: Profile, target: Profile): ProfileDiff {
  const root: M = { name: 'all', kind: 'root', baseTotal: 0, baseSelf: 0, total: 0, self: 0, children: new Map() };
  const merge = (into: M, n: ProfileNode, scale: number, side: 'base' | 'target'): void => {
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
        m = { name: c.name, kind: c.kind, baseTotal: 0, baseSelf: 0, total: 0, self: 0, children: new Map() };
        into.children.set(c.name, m);
      }
      merge(m, c, scale, side);
    }
  };
  merge(root, base.root, base.total > 0 ? 1 / base.total : 0, 'base');
  merge(root, target.root, target.total > 0 ? 1 / target.total : 0, 'target');
  const freeze = (m: M): DiffNode => {
    const children = [...m.children.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(freeze);
    return Object.freeze({ name: m.name, kind: m.kind, baseTotal: m.baseTotal, baseSelf: m.baseSelf, total: m.total, self: m.self, children: Object.freeze(children) });
  };
  return Object.freeze({ base: base.name, target: target.name, root: freeze(root) });
}

/** Frames whose total share changed most (positive: grew in target), largest first. */
export function topChanges(d: ProfileDiff, by: 'total' | 'self' = 'total', limit = 10): Array<{ path: string[]; delta: number }> {
  const out: Array<{ path: string[]; delta: number }> = [];
  const walk = (n: DiffNode, path: string[]): void => {
    for (const c of n.children) {
      const p = [...path, c.name];
      const delta = by === 'total' ? c.total - c.baseTotal : c.self - c.baseSelf;
      out.push({ path: p, delta });
      walk(c, p);
    }
  };
  walk(d.root, []);
  return out.sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta)).slice(0, limit);
}
