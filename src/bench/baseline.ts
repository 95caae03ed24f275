/**
 * --baseline OLD.json: compare each configuration's median with a saved run (thaw's JSON or
 * hyperfine's own, matched by `command`). A regression is a median ratio above 1 + threshold
 * whose bootstrap interval also lies wholly above 1, so noise alone does not fail a build.
 */
import { bootstrapMedianRatio, median, type RatioInterval } from './stats.js';
import type { BenchReport } from './types.js';

export interface BaselineRow {
  name: string;
  oldMedianS: number;
  newMedianS: number;
  /** new/old median with its interval. */
  ratio: RatioInterval;
  regression: boolean;
}

export function compareBaseline(report: BenchReport, old: Map<string, number[]>, thresholdPct: number): { rows: BaselineRow[]; missing: string[] } {
  const rows: BaselineRow[] = [];
  const missing: string[] = [];
  for (const r of report.results) {
    if (!r.stats) continue;
    const before = old.get(r.name);
    if (!before) {
      missing.push(r.name);
      continue;
    }
    const ratio = bootstrapMedianRatio(r.times, before);
    rows.push({ name: r.name, oldMedianS: median(before), newMedianS: r.stats.median, ratio, regression: ratio.ratio > 1 + thresholdPct / 100 && ratio.lo > 1 });
  }
  return { rows, missing };
}

export function formatBaseline(rows: BaselineRow[], missing: string[], thresholdPct: number): string {
  const out = [`Baseline (regression: median more than ${thresholdPct}% slower, 95% CI above 1)`];
  for (const b of rows) {
    const pct = (b.ratio.ratio - 1) * 100;
    out.push(
      `  ${b.regression ? 'REGRESSION' : 'ok        '} ${b.name}: ${(b.oldMedianS * 1000).toFixed(1)} ms → ${(b.newMedianS * 1000).toFixed(1)} ms ` +
        `(${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%, ratio CI ${b.ratio.lo.toFixed(3)} … ${b.ratio.hi.toFixed(3)})`,
    );
  }
  for (const m of missing) out.push(`  (not in the baseline: ${m})`);
  return out.join('\n') + '\n';
}
