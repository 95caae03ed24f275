/**
 * CSV in hyperfine's column order (`--export-csv`: command,mean,stddev,median,user,system,min,max,
 * seconds) with thaw's columns appended, so spreadsheets made for hyperfine keep working.
 */
import type { BenchReport } from '../types.js';

function field(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const HEADER = ['command', 'mean', 'stddev', 'median', 'user', 'system', 'min', 'max', 'p90', 'p95', 'runs', 'nth_median', 'rss_kb', 'pss_kb', 'command_line'];

export function serialize(report: BenchReport): string {
  const rows = [HEADER.join(',')];
  for (const r of report.results) {
    if (!r.stats) continue;
    const s = r.stats;
    rows.push(
      [r.name, s.mean, s.stddev, s.median, r.userS?.mean ?? 0, r.systemS?.mean ?? 0, s.min, s.max, s.p90, s.p95, s.n, r.nth?.median, r.rssKb?.median, r.pssKb?.median, r.command]
        .map(field)
        .join(','),
    );
  }
  return rows.join('\n') + '\n';
}
