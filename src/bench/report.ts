/**
 * Summarise: raw samples → BenchReport (pure; the runner measures, exporters serialise).
 */
import { bootstrapMedianRatio, distinguishable, median, ratioWithError, summarize, type Summary } from './stats.js';
import { medianTimeline } from './timeline.js';
import type { BenchFailure, BenchReport, ConfigResult, PairRatio, RawResult, RunSample } from './types.js';

/** What a report says about the run itself: BenchReport's own fields, minus the results. */
export type ReportMeta = Pick<BenchReport, 'version' | 'startedAt' | 'machine' | 'probe' | 'runs' | 'warmup' | 'after' | 'interleave' | 'complete'>;

function summaryOf(samples: RunSample[], pick: (s: RunSample) => number | undefined): Summary | null {
  const xs = samples.map(pick).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return xs.length ? summarize(xs) : null;
}

/** Median latency of request i across runs (runs shorter than i+1 requests are skipped). */
export function warmupCurve(samples: RunSample[]): number[] {
  const len = Math.max(0, ...samples.map((s) => s.latenciesS?.length ?? 0));
  const out: number[] = [];
  for (let i = 0; i < len; i++) {
    const xs = samples.map((s) => s.latenciesS?.[i]).filter((x): x is number => typeof x === 'number');
    out.push(median(xs));
  }
  return out;
}

export const OUTLIER_HINT =
  'Statistical outliers were detected. Consider re-running this benchmark on a quiet system without any interferences from other programs; --warmup or --prepare may help.';

export function buildReport(raw: RawResult[], meta: ReportMeta): BenchReport {
  const results: ConfigResult[] = raw.map((r) => {
    const times = r.samples.map((s) => s.firstS);
    return {
      name: r.name,
      command: r.command,
      samples: r.samples,
      times,
      stats: times.length ? summarize(times) : null,
      nth: summaryOf(r.samples, (s) => s.nthS),
      rssKb: summaryOf(r.samples, (s) => s.rssKb),
      pssKb: summaryOf(r.samples, (s) => s.pssKb),
      userS: summaryOf(r.samples, (s) => s.userS),
      systemS: summaryOf(r.samples, (s) => s.systemS),
      warmupCurve: warmupCurve(r.samples),
      timeline: r.samples.some((s) => s.timeline) ? medianTimeline(r.samples.flatMap((s) => (s.timeline ? [s.timeline] : []))) : null,
      relative: null,
      failure: r.failure,
    };
  });
  const measured = results.filter((r) => r.stats !== null);
  let fastest: ConfigResult | null = null;
  for (const r of measured) if (!fastest || r.stats!.median < fastest.stats!.median) fastest = r;
  // The Relative column is hyperfine's: each mean over the lowest mean (never below 1.00).
  // Which configuration answered first is decided by medians, as the ratios below are.
  let lowestMean: ConfigResult | null = null;
  for (const r of measured) if (!lowestMean || r.stats!.mean < lowestMean.stats!.mean) lowestMean = r;
  if (lowestMean) for (const r of measured) r.relative = ratioWithError(r.stats!, lowestMean.stats!);

  const ratios: PairRatio[] = [];
  for (let i = 0; i < measured.length; i++) {
    for (let j = i + 1; j < measured.length; j++) {
      let a = measured[i]!;
      let b = measured[j]!;
      if (a.stats!.median < b.stats!.median) [a, b] = [b, a];
      const m = ratioWithError(a.stats!, b.stats!);
      const ci = bootstrapMedianRatio(a.times, b.times);
      ratios.push({ slower: a.name, faster: b.name, meanRatio: m.ratio, meanRatioStddev: m.stddev, median: ci, distinguishable: distinguishable(ci) });
    }
  }

  const warnings: string[] = [];
  const withOutliers = measured.filter((r) => r.stats!.outliers.length > 0);
  if (withOutliers.length) warnings.push(`${withOutliers.map((r) => r.name).join(', ')}: ${OUTLIER_HINT}`);
  for (const p of ratios) {
    if (!p.distinguishable) {
      warnings.push(
        `${p.slower} and ${p.faster} are not distinguishable: the ${Math.round(p.median.level * 100)}% interval of their median ratio, ` +
          `${p.median.lo.toFixed(3)} … ${p.median.hi.toFixed(3)}, includes 1.`,
      );
    }
  }
  const failures: BenchFailure[] = results.flatMap((r) => (r.failure ? [r.failure] : []));
  return { tool: 'thaw', ...meta, results, ratios, fastest: fastest?.name ?? null, failures, warnings };
}
