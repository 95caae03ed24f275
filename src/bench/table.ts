/** The terminal report, in hyperfine's layout, for time to first response. */
import { formatError, ThawError } from '../errors.js';
import { mb, time } from './export/units.js';
import { formatTimelines } from './timeline.js';
import type { BenchReport } from './types.js';

const pad = (s: string, n: number) => s.padStart(n);

export function formatTable(report: BenchReport): string {
  const out: string[] = [];
  report.results.forEach((r, i) => {
    out.push(`Benchmark ${i + 1}: ${r.name}${r.command !== r.name ? `  (${r.command})` : ''}`);
    const s = r.stats;
    if (s) {
      out.push(`  Time to first response (mean ± σ):  ${pad(time(s.mean), 9)} ± ${pad(time(s.stddev), 9)}    [median ${time(s.median)}, p95 ${time(s.p95)}]`);
      out.push(`  Range (min … max):                  ${pad(time(s.min), 9)} … ${pad(time(s.max), 9)}    ${s.n} run${s.n === 1 ? '' : 's'}`);
      if (r.nth) out.push(`  Response ${report.after} (median):                ${pad(time(r.nth.median), 9)}    request ${report.after}: ${time(r.warmupCurve[r.warmupCurve.length - 1] ?? NaN)}, request 1: ${time(r.warmupCurve[0] ?? NaN)}`);
      if (r.rssKb) {
        const cpu = r.userS && r.systemS ? `, CPU ${(r.userS.median + r.systemS.median).toFixed(2)} s (user ${r.userS.median.toFixed(2)} s, system ${r.systemS.median.toFixed(2)} s)` : '';
        out.push(`  At ready (median):                  RSS ${mb(r.rssKb.median)} MB, PSS ${mb(r.pssKb?.median)} MB${cpu}`);
      }
      if (s.outliers.length) out.push(`  Warning: ${s.outliers.length} statistical outlier${s.outliers.length === 1 ? '' : 's'} (runs ${s.outliers.map((k) => k + 1).join(', ')}).`);
    }
    if (r.failure) {
      out.push(`  FAILED${r.failure.afterRuns ? ` after ${r.failure.afterRuns} run${r.failure.afterRuns === 1 ? '' : 's'}` : ''}: [${r.failure.code}] ${r.failure.message}`);
    }
    out.push('');
  });
  const fast = report.results.find((r) => r.name === report.fastest);
  if (fast && report.results.filter((r) => r.stats).length > 1) {
    out.push('Summary');
    out.push(`  ${fast.name} answered first`);
    for (const p of report.ratios.filter((x) => x.faster === fast.name)) {
      const ci = `${Math.round(p.median.level * 100)}% CI ${p.median.lo.toFixed(2)} … ${p.median.hi.toFixed(2)}`;
      out.push(
        p.distinguishable
          ? `  ${pad(p.meanRatio.toFixed(2), 8)} ± ${p.meanRatioStddev.toFixed(2)} times sooner than ${p.slower}   (median ratio ${p.median.ratio.toFixed(2)}, ${ci})`
          : `  not distinguishable from ${p.slower}   (median ratio ${p.median.ratio.toFixed(2)}, ${ci} includes 1)`,
      );
    }
    for (const p of report.ratios.filter((x) => x.faster !== fast.name && !x.distinguishable)) {
      out.push(`  ${p.faster} and ${p.slower} are not distinguishable (median ratio ${p.median.ratio.toFixed(2)}, CI ${p.median.lo.toFixed(2)} … ${p.median.hi.toFixed(2)})`);
    }
    out.push('');
  }
  for (const w of report.warnings.filter((x) => !x.includes('not distinguishable'))) out.push(`Warning: ${w}`, '');
  return out.join('\n');
}

/** One `thaw: error:` block per failed configuration (the CLI prints them on stderr). */
export function formatFailures(report: BenchReport): string {
  return report.failures.map((f) => formatError(new ThawError(f.code, f.message, { hint: f.hint, detail: f.detail }))).join('\n');
}

/** Where each configuration's start went, phase by phase (--timeline), or '' without. */
export function formatTimeline(report: BenchReport): string {
  const rows = report.results.flatMap((r) => (r.timeline && r.stats ? [{ name: r.name, runs: r.samples.filter((s) => s.timeline).length, totalMs: r.stats.median * 1000, phases: r.timeline }] : []));
  if (!rows.length) return '';
  // Node 20 reads NODE_EXTRA_CA_CERTS at every start, before V8 starts (~60 ms for a system
  // bundle); Node 22 and later read it on first TLS use. It shows in this phase.
  const slowStart = rows.some((r) => (r.phases.find((p) => p.mark === 'v8Start')?.ms ?? 0) > 20);
  const note = slowStart && process.env.NODE_EXTRA_CA_CERTS ? `  note: NODE_EXTRA_CA_CERTS is set; Node 20 reads it at every start, in "Node: options, platform, snapshot read", where Node 22+ wait for the first TLS connection\n` : '';
  return `\nWhere the time to first response goes:\n${formatTimelines(rows)}${note}`;
}
