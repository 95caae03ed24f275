/**
 * JSON in hyperfine's shape (`hyperfine --export-json`, seconds):
 * `{ "results": [{ "command", "mean", "stddev", "median", "user", "system", "min", "max",
 * "times", "exit_codes" }] }`, so hyperfine's scripts (plot_whisker.py, plot_histogram.py,
 * advanced_statistics.py) read it unchanged. `command` carries the configuration's name (the
 * label those scripts print); thaw's own fields sit beside hyperfine's and under `thaw`.
 */
import type { BenchReport, ConfigResult } from '../types.js';

function result(r: ConfigResult) {
  const s = r.stats!;
  return {
    command: r.name,
    mean: s.mean,
    stddev: s.n > 1 ? s.stddev : null,
    median: s.median,
    user: r.userS?.mean ?? 0,
    system: r.systemS?.mean ?? 0,
    min: s.min,
    max: s.max,
    times: r.times,
    exit_codes: r.times.map(() => 0),
    // thaw's fields
    name: r.name,
    command_line: r.command,
    p90: s.p90,
    p95: s.p95,
    mad: s.mad,
    outliers: s.outliers,
    relative: r.relative,
    rss_kb: r.rssKb ? r.rssKb.median : null,
    pss_kb: r.pssKb ? r.pssKb.median : null,
    nth: r.nth ? { mean: r.nth.mean, stddev: r.nth.stddev, median: r.nth.median, min: r.nth.min, max: r.nth.max, times: r.samples.map((x) => x.nthS ?? null) } : null,
    warmup_curve: r.warmupCurve,
    // ms per phase, medians over the runs (--timeline); each sample has its own
    timeline: r.timeline,
    samples: r.samples,
    failure: r.failure,
  };
}

export function serialize(report: BenchReport): string {
  const { results, ...meta } = report;
  const out = {
    results: results.filter((r) => r.stats !== null).map(result),
    thaw: meta,
  };
  return JSON.stringify(out, null, 2) + '\n';
}

/** Read a saved export (thaw's or hyperfine's own): name → times in seconds. */
export function readTimes(text: string): Map<string, number[]> | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  const results = (doc as { results?: unknown }).results;
  if (!Array.isArray(results)) return null;
  const out = new Map<string, number[]>();
  for (const r of results as Array<{ command?: unknown; times?: unknown; mean?: unknown }>) {
    if (typeof r.command !== 'string') continue;
    const times = Array.isArray(r.times) ? r.times.filter((t): t is number => typeof t === 'number') : typeof r.mean === 'number' ? [r.mean] : [];
    if (times.length) out.set(r.command, times);
  }
  return out;
}
