/**
 * The data a flame graph page reads (the wire format between render/flame.ts, which writes it
 * into the page, and render/flame-client.ts, the page's script).
 */
import type { WeightUnit } from '../model/profile.js';

/** The tree flattened in depth-first order, names interned: what the page script reads. */
export interface FlameData {
  title: string;
  unit: WeightUnit | 'share';
  diff: boolean;
  names: string[];
  kinds: string[];
  name: number[];
  kind: number[];
  parent: number[];
  depth: number[];
  /** Weights, or for a diff the target side's shares. */
  total: number[];
  self: number[];
  baseTotal?: number[];
  baseSelf?: number[];
  /** Samples per node, when the source counts them apart from the weight. */
  count?: number[];
  samples?: number;
  baseName?: string;
  targetName?: string;
}
