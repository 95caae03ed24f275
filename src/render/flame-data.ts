/**
 * The data a flame graph page reads (the wire format between render/flame.ts, which writes it
 * into the page, and render/flame-client.ts, the page's script).
 */
import type { WeightUnit } from '../model/profile.js';
import type { Palette } from './palette.js';

/** The tree flattened in depth-first pre-order, names interned: what the page script reads. */
export interface FlameData {
  title: string;
  /** A second heading line; the page writes its own summary when absent. */
  subtitle?: string;
  /** What the weights count; `share` for a diff of shares (0..1 of each side's total). */
  unit: WeightUnit | 'share';
  diff: boolean;
  /** Colour scheme for frames (diffs colour by change). */
  palette: Palette;
  /** flamegraph.pl's --hash shading instead of a shade per name. */
  hash: boolean;
  /** Open as an icicle (root on top). */
  inverted: boolean;
  /** A flame chart: x is time, `start` places each frame. */
  chart: boolean;
  names: string[];
  kinds: string[];
  name: number[];
  kind: number[];
  parent: number[];
  depth: number[];
  /** Weights, or for a diff the target side's. */
  total: number[];
  self: number[];
  /** For a flame chart: where each frame starts, in weight units from the left edge. */
  start?: number[];
  baseTotal?: number[];
  baseSelf?: number[];
  /** Samples per node, when the source counts them apart from the weight. */
  count?: number[];
  samples?: number;
  baseName?: string;
  targetName?: string;
  /** Frames left out as narrower than --minwidth. */
  pruned?: number;
}
