/**
 * The coverage metric of `thaw profile` (defined in README, section "thaw profile"): which
 * distinct stacks each configuration reaches, and how alike two configurations spend CPU.
 *
 * A stack is *normalised* before counting so that the same code path counts once however it
 * was reached in a given run: the process-name frame is dropped, V8's tier marker is removed
 * (`JS:*f`, `JS:~f`, `JS:^f`, `JS:+f` are all `JS:f`: one function, whichever tier ran it),
 * perf-map names lose their pid (`[perf-1234.map]` → `[perf-map]`), and runs of one frame
 * repeated are collapsed (recursion depth varies from sample to sample).
 *
 * Pure: no `node:` imports.
 */

export function normaliseStack(folded: string): string {
  const frames = folded.split(';');
  const out: string[] = [];
  for (let i = 1; i < frames.length; i++) {
    let f = frames[i]!;
    f = f.replace(/^(JS|LazyCompile|Function|Script|Eval):[*~^+]/, '$1:');
    f = f.replace(/\[perf-\d+\.map\]/, '[perf-map]');
    if (out.length > 0 && out[out.length - 1] === f) continue;
    out.push(f);
  }
  return out.join(';');
}

export interface ConfigCoverage {
  name: string;
  /** Distinct normalised stacks of this configuration. */
  distinct: number;
  /** distinct / distinct stacks of the aggregate (all configurations together). */
  share: number;
  /** Stacks no other configuration has. */
  unique: number;
  /** Sum of weights (ns of CPU for cpu-clock). */
  weight: number;
}

export interface PairSimilarity {
  a: string;
  b: string;
  /**
   * Weighted overlap: Σ over normalised stacks of min(share in a, share in b). 1 when both
   * spend CPU in the same stacks in the same proportions, 0 when they share no stack.
   */
  similarity: number;
  /** |A ∩ B| / |A ∪ B| of the distinct stack sets, unweighted. */
  jaccard: number;
}

export interface CoverageMetric {
  /** Distinct normalised stacks of all configurations together. */
  aggregateDistinct: number;
  configs: ConfigCoverage[];
  pairs: PairSimilarity[];
}

/** stacks: configuration name → folded stack → weight. */
export function coverageMetric(stacks: ReadonlyMap<string, ReadonlyMap<string, number>>): CoverageMetric {
  const norm = new Map<string, Map<string, number>>();
  for (const [name, m] of stacks) {
    const n = new Map<string, number>();
    for (const [k, w] of m) {
      const key = normaliseStack(k);
      n.set(key, (n.get(key) ?? 0) + w);
    }
    norm.set(name, n);
  }
  const owners = new Map<string, number>();
  for (const n of norm.values()) for (const k of n.keys()) owners.set(k, (owners.get(k) ?? 0) + 1);
  const aggregateDistinct = owners.size;
  const configs: ConfigCoverage[] = [];
  for (const [name, n] of norm) {
    let unique = 0;
    let weight = 0;
    for (const [k, w] of n) {
      if (owners.get(k) === 1) unique++;
      weight += w;
    }
    configs.push({ name, distinct: n.size, share: aggregateDistinct ? n.size / aggregateDistinct : 0, unique, weight });
  }
  const pairs: PairSimilarity[] = [];
  const names = [...norm.keys()];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const a = norm.get(names[i]!)!;
      const b = norm.get(names[j]!)!;
      const ta = [...a.values()].reduce((x, y) => x + y, 0);
      const tb = [...b.values()].reduce((x, y) => x + y, 0);
      let overlap = 0;
      let both = 0;
      for (const [k, w] of a) {
        const v = b.get(k);
        if (v !== undefined) {
          both++;
          if (ta > 0 && tb > 0) overlap += Math.min(w / ta, v / tb);
        }
      }
      const union = a.size + b.size - both;
      pairs.push({ a: names[i]!, b: names[j]!, similarity: overlap, jaccard: union ? both / union : 0 });
    }
  }
  return { aggregateDistinct, configs, pairs };
}

/** The metric as a text table, for the terminal. */
export function formatMetric(m: CoverageMetric): string {
  const w = Math.max(6, ...m.configs.map((c) => c.name.length));
  const lines: string[] = [];
  lines.push(`${'config'.padEnd(w)}  distinct  share   unique  cpu`);
  for (const c of m.configs) {
    lines.push(`${c.name.padEnd(w)}  ${String(c.distinct).padStart(8)}  ${(100 * c.share).toFixed(1).padStart(5)}%  ${String(c.unique).padStart(6)}  ${(c.weight / 1e6).toFixed(1)} ms`);
  }
  lines.push(`${'all'.padEnd(w)}  ${String(m.aggregateDistinct).padStart(8)}  100.0%`);
  if (m.pairs.length) {
    lines.push('');
    lines.push('similarity (weighted overlap of normalised stacks; jaccard of the sets)');
    for (const p of m.pairs) lines.push(`  ${p.a} ~ ${p.b}: ${p.similarity.toFixed(3)} (jaccard ${p.jaccard.toFixed(3)})`);
  }
  return lines.join('\n');
}
