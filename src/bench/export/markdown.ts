/**
 * Markdown table in hyperfine's layout (`--export-markdown`: Command | Mean [ms] | Min [ms] |
 * Max [ms] | Relative) with thaw's columns added (median, p95, PSS at ready), then the pairwise
 * ratios and any failures.
 */
import type { BenchReport } from '../types.js';
import { mb, ms } from './units.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function serialize(report: BenchReport): string {
  const lines: string[] = [];
  if (!report.complete) {
    const done = report.results.reduce((n, r) => n + r.samples.length, 0);
    lines.push(`**Partial**: the benchmark was interrupted (or is still running); ${done} of ${report.runs * report.results.length} runs recorded.`, '');
  }
  const withMem = report.results.some((r) => r.pssKb);
  const withNth = report.after > 1 && report.results.some((r) => r.nth);
  lines.push(
    `| Configuration | Mean [ms] | Median [ms] | Min [ms] | Max [ms] | p95 [ms] | Relative |${withNth ? ` Response ${report.after} [ms] |` : ''}${withMem ? ' RSS [MB] | PSS [MB] |' : ''}`,
  );
  lines.push(`|:---|---:|---:|---:|---:|---:|---:|${withNth ? '---:|' : ''}${withMem ? '---:|---:|' : ''}`);
  for (const r of report.results) {
    if (!r.stats) continue;
    const s = r.stats;
    const rel = r.relative ? (r.relative.ratio === 1 ? '1.00' : `${r.relative.ratio.toFixed(2)} ± ${r.relative.stddev.toFixed(2)}`) : '';
    let row = `| \`${cell(r.name)}\` | ${ms(s.mean)} ± ${ms(s.stddev)} | ${ms(s.median)} | ${ms(s.min)} | ${ms(s.max)} | ${ms(s.p95)} | ${rel} |`;
    if (withNth) row += ` ${r.nth ? ms(r.nth.median) : ''} |`;
    if (withMem) row += ` ${mb(r.rssKb?.median)} | ${mb(r.pssKb?.median)} |`;
    lines.push(row);
  }
  lines.push('', 'Relative: each mean over the lowest mean (hyperfine\'s definition). Which configuration answers first, and the ratios below, compare medians.');
  if (report.ratios.length) {
    lines.push('');
    for (const p of report.ratios) {
      const ci = `${p.median.lo.toFixed(2)} … ${p.median.hi.toFixed(2)}`;
      lines.push(
        p.distinguishable
          ? `- \`${cell(p.faster)}\` answers ${p.median.ratio.toFixed(2)}× sooner than \`${cell(p.slower)}\` (median ratio, ${Math.round(p.median.level * 100)}% CI ${ci})`
          : `- \`${cell(p.faster)}\` and \`${cell(p.slower)}\` are not distinguishable (median ratio ${p.median.ratio.toFixed(2)}, ${Math.round(p.median.level * 100)}% CI ${ci} includes 1)`,
      );
    }
  }
  for (const f of report.failures) lines.push('', `- **${cell(f.config)} failed** [${f.code}]: ${cell(f.message)}`);
  return lines.join('\n') + '\n';
}
