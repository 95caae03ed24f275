/**
 * `thaw bench --html`: one self-contained page (inline CSS and SVG, no script, no network) with
 * the summary table, each configuration's distribution of time to first response (every run as
 * a dot over a box of the quartiles and a whisker min…max, on one shared axis), the warm-up
 * curve (median latency of request 1…N), each start's phases (--timeline) and the ratios.
 *
 * Coordinate spaces: "value space" is seconds (or request index); "pixel space" is SVG user
 * units. Each chart converts through its own `x()` / `y()` helper and nothing else.
 */
import { escapeHtml } from '../../html.js';
import { quantile } from '../stats.js';
import { phaseColour, phaseLabel } from '../timeline.js';
import type { BenchReport, ConfigResult } from '../types.js';

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

const esc = escapeHtml;

const fmtMs = (s: number) => (s * 1000).toFixed(1);
/** Axis labels: no decimals unless the ticks need them. */
const fmtTick = (s: number) => {
  const v = Number((s * 1000).toPrecision(12));
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
};

/** "Nice" axis ticks over [lo, hi]. */
export function ticks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Deterministic jitter so a page renders identically for identical data. */
function jitter(i: number): number {
  const x = Math.sin(i * 12.9898) * 43758.5453;
  return x - Math.floor(x) - 0.5;
}

function distribution(results: ConfigResult[]): string {
  const rows = results.filter((r) => r.stats);
  if (!rows.length) return '<p>No configuration produced a sample.</p>';
  const all = rows.flatMap((r) => r.times);
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  const pad = (hi - lo) * 0.05 || hi * 0.05 || 0.001;
  lo = Math.max(0, lo - pad);
  hi = hi + pad;
  const left = 170;
  const width = 900;
  const rowH = 56;
  const top = 10;
  const height = top + rows.length * rowH + 40;
  const x = (s: number) => left + ((s - lo) / (hi - lo)) * (width - left - 20);
  const parts: string[] = [];
  for (const t of ticks(lo, hi)) {
    parts.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${top}" y2="${height - 30}" class="grid"/>`);
    parts.push(`<text x="${x(t)}" y="${height - 14}" text-anchor="middle" class="tick">${fmtTick(t)}</text>`);
  }
  parts.push(`<text x="${(left + width) / 2}" y="${height - 1}" text-anchor="middle" class="axis">time to first response [ms]</text>`);
  rows.forEach((r, i) => {
    const c = PALETTE[i % PALETTE.length]!;
    const cy = top + i * rowH + rowH / 2;
    const q1 = quantile(r.times, 0.25);
    const q3 = quantile(r.times, 0.75);
    const s = r.stats!;
    parts.push(`<text x="${left - 10}" y="${cy + 4}" text-anchor="end" class="label">${esc(r.name)}</text>`);
    parts.push(`<line x1="${x(s.min)}" x2="${x(s.max)}" y1="${cy}" y2="${cy}" stroke="${c}" stroke-width="1.5"/>`);
    parts.push(`<rect x="${x(q1)}" y="${cy - 12}" width="${Math.max(1, x(q3) - x(q1))}" height="24" fill="${c}" fill-opacity="0.18" stroke="${c}"/>`);
    parts.push(`<line x1="${x(s.median)}" x2="${x(s.median)}" y1="${cy - 14}" y2="${cy + 14}" stroke="${c}" stroke-width="3"><title>median ${fmtMs(s.median)} ms</title></line>`);
    r.times.forEach((t, k) => {
      const out = s.outliers.includes(k);
      parts.push(
        `<circle cx="${x(t).toFixed(2)}" cy="${(cy + jitter(k + i * 1000) * 18).toFixed(2)}" r="3.2" fill="${out ? '#d62728' : c}" fill-opacity="0.85" class="run"><title>${esc(r.name)} run ${k + 1}: ${fmtMs(t)} ms${out ? ' (outlier)' : ''}</title></circle>`,
      );
    });
  });
  return `<svg class="chart" id="distribution" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="distribution of time to first response">${parts.join('')}</svg>`;
}

function warmupChart(results: ConfigResult[]): string {
  const rows = results.filter((r) => r.warmupCurve.length > 0);
  if (!rows.length) return '';
  const n = Math.max(...rows.map((r) => r.warmupCurve.length));
  const all = rows.flatMap((r) => r.warmupCurve);
  const hi = Math.max(...all) * 1.08 || 0.001;
  const left = 70;
  const width = 900;
  const height = 320;
  const top = 10;
  const bottom = 50;
  const x = (i: number) => left + (n === 1 ? 0.5 : i / (n - 1)) * (width - left - 150);
  const y = (s: number) => top + (1 - s / hi) * (height - top - bottom);
  const parts: string[] = [];
  for (const t of ticks(0, hi, 5)) {
    parts.push(`<line x1="${left}" x2="${width - 150}" y1="${y(t)}" y2="${y(t)}" class="grid"/>`);
    parts.push(`<text x="${left - 6}" y="${y(t) + 4}" text-anchor="end" class="tick">${fmtTick(t)}</text>`);
  }
  for (let i = 0; i < n; i++) parts.push(`<text x="${x(i)}" y="${height - bottom + 16}" text-anchor="middle" class="tick">${i + 1}</text>`);
  parts.push(`<text x="${(left + width - 150) / 2}" y="${height - 12}" text-anchor="middle" class="axis">request number (median latency across runs, ms)</text>`);
  rows.forEach((r, ri) => {
    const c = PALETTE[results.indexOf(r) % PALETTE.length]!;
    const pts = r.warmupCurve.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="2" class="curve"/>`);
    r.warmupCurve.forEach((v, i) => parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${c}"><title>${esc(r.name)} request ${i + 1}: ${fmtMs(v)} ms</title></circle>`));
    parts.push(`<text x="${width - 140}" y="${top + 14 + ri * 18}" class="label" style="fill:${c}">■ ${esc(r.name)}</text>`);
  });
  return `<h2>Warm-up curve</h2><svg class="chart" id="warmup" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="warm-up curve">${parts.join('')}</svg>`;
}

/** Each configuration's start as one bar of its phases' medians, on one ms axis (--timeline). */
function timelineChart(results: ConfigResult[]): string {
  const rows = results.filter((r) => r.timeline?.length);
  if (!rows.length) return '';
  const total = (r: ConfigResult) => r.timeline!.reduce((n, p) => n + p.ms, 0);
  const hi = Math.max(...rows.map(total)) * 1.04 || 1;
  const left = 170;
  const width = 900;
  const rowH = 44;
  const top = 10;
  const chartBottom = top + rows.length * rowH;
  const x = (ms: number) => left + (ms / hi) * (width - left - 80);
  const parts: string[] = [];
  for (const t of ticks(0, hi / 1000)) {
    parts.push(`<line x1="${x(t * 1000)}" x2="${x(t * 1000)}" y1="${top}" y2="${chartBottom}" class="grid"/>`);
    parts.push(`<text x="${x(t * 1000)}" y="${chartBottom + 16}" text-anchor="middle" class="tick">${fmtTick(t)}</text>`);
  }
  parts.push(`<text x="${(left + width) / 2}" y="${chartBottom + 32}" text-anchor="middle" class="axis">ms since spawn (median of each phase)</text>`);
  const seen = new Map<string, string>();
  rows.forEach((r, i) => {
    const restored = r.timeline!.some((p) => p.mark.startsWith('thaw.'));
    const cy = top + i * rowH + rowH / 2;
    parts.push(`<text x="${left - 10}" y="${cy + 4}" text-anchor="end" class="label">${esc(r.name)}</text>`);
    let at = 0;
    for (const p of r.timeline!) {
      const name = phaseLabel(p.mark, restored);
      const colour = phaseColour(p.mark, restored);
      if (!seen.has(name)) seen.set(name, colour);
      parts.push(`<rect x="${x(at).toFixed(2)}" y="${cy - 13}" width="${Math.max(0.5, x(at + p.ms) - x(at)).toFixed(2)}" height="26" fill="${colour}" class="phase"><title>${esc(r.name)}: ${esc(name)}, ${p.ms.toFixed(1)} ms (${at.toFixed(1)} → ${(at + p.ms).toFixed(1)} ms)</title></rect>`);
      if (x(at + p.ms) - x(at) > 42) parts.push(`<text x="${((x(at) + x(at + p.ms)) / 2).toFixed(1)}" y="${cy + 4}" text-anchor="middle" class="seg">${p.ms.toFixed(0)}</text>`);
      at += p.ms;
    }
    parts.push(`<text x="${(x(at) + 6).toFixed(1)}" y="${cy + 4}" class="tick">${at.toFixed(1)} ms</text>`);
  });
  const legend = [...seen].map(([name, c]) => `<span class="key"><i style="background:${c}"></i>${esc(name)}</span>`).join('');
  const height = chartBottom + 40;
  return `<h2>Where the time goes</h2><svg class="chart" id="timeline" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="phases of each start">${parts.join('')}</svg><p class="legend">${legend}</p>`;
}

function table(report: BenchReport): string {
  const head = '<tr><th>configuration</th><th>mean ± σ [ms]</th><th>median</th><th>min</th><th>max</th><th>p95</th><th title="each mean over the lowest mean, as hyperfine defines it">relative (means)</th><th>RSS [MB]</th><th>PSS [MB]</th><th>runs</th></tr>';
  const rows = report.results
    .filter((r) => r.stats)
    .map((r) => {
      const s = r.stats!;
      const rel = r.relative ? `${r.relative.ratio.toFixed(2)} ± ${r.relative.stddev.toFixed(2)}` : '';
      const mem = (kb?: number) => (kb === undefined ? '' : (kb / 1024).toFixed(1));
      return `<tr><td><b>${esc(r.name)}</b><br><code>${esc(r.command)}</code></td><td>${fmtMs(s.mean)} ± ${fmtMs(s.stddev)}</td><td>${fmtMs(s.median)}</td><td>${fmtMs(s.min)}</td><td>${fmtMs(s.max)}</td><td>${fmtMs(s.p95)}</td><td>${rel}</td><td>${mem(r.rssKb?.median)}</td><td>${mem(r.pssKb?.median)}</td><td>${s.n}</td></tr>`;
    });
  return `<table>${head}${rows.join('')}</table>`;
}

export function serialize(report: BenchReport): string {
  const ratios = report.ratios
    .map((p) => {
      const ci = `${Math.round(p.median.level * 100)}% CI ${p.median.lo.toFixed(2)} … ${p.median.hi.toFixed(2)}`;
      return p.distinguishable
        ? `<li><b>${esc(p.faster)}</b> answers <b>${p.median.ratio.toFixed(2)}×</b> sooner than <b>${esc(p.slower)}</b> (median ratio, ${ci}; mean ratio ${p.meanRatio.toFixed(2)} ± ${p.meanRatioStddev.toFixed(2)})</li>`
        : `<li><b>${esc(p.faster)}</b> and <b>${esc(p.slower)}</b> are <b>not distinguishable</b> (median ratio ${p.median.ratio.toFixed(2)}, ${ci} includes 1)</li>`;
    })
    .join('');
  const failures = report.failures
    .map((f) => `<li class="fail"><b>${esc(f.config)}</b> [${esc(f.code)}] ${esc(f.message)}${f.detail ? `<pre>${esc(f.detail)}</pre>` : ''}</li>`)
    .join('');
  const warnings = report.warnings.map((w) => `<li>${esc(w)}</li>`).join('');
  const m = report.machine;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>thaw bench — time to first response</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:960px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:12px 0}td,th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:right;vertical-align:top}
td,th{white-space:nowrap}td:first-child,th:first-child{text-align:left;white-space:normal}code{font-size:12px;color:#555}
.grid{stroke:#eee}.tick{font-size:11px;fill:#666}.axis{font-size:12px;fill:#333}.label{font-size:13px;fill:#222}
.seg{font-size:11px;fill:#fff}.legend{font-size:12px;color:#333}.key{display:inline-block;margin:0 14px 4px 0}.key i{display:inline-block;width:11px;height:11px;margin-right:5px;vertical-align:-1px}
.fail{color:#a00}pre{background:#f6f6f6;padding:6px;color:#333;white-space:pre-wrap}.meta{color:#666;font-size:12px}
</style></head><body>
<h1>thaw bench — time to first response</h1>
<p class="meta">probe: ${esc(report.probe)} · ${report.runs} runs${report.warmup ? ` after ${report.warmup} warm-up` : ''} · ${report.interleave ? 'interleaved' : 'one configuration after another'} · ${esc(m.cpu)}, ${m.nproc} CPUs, Linux ${esc(m.kernel)}, Node ${esc(m.node)} · ${esc(report.startedAt)}${report.complete ? '' : ' · <b>incomplete (still running or interrupted)</b>'}</p>
${table(report)}
<h2>Distribution</h2>
${distribution(report.results)}
${timelineChart(report.results)}
${warmupChart(report.results)}
${ratios ? `<h2>Ratios</h2><ul>${ratios}</ul>` : ''}
${failures ? `<h2>Failures</h2><ul>${failures}</ul>` : ''}
${warnings ? `<h2>Warnings</h2><ul>${warnings}</ul>` : ''}
</body></html>
`;
}
