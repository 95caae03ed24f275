/**
 * Flame graphs as self-contained HTML (one file, no network, a canvas drawn by the bundled
 * page script: zoom on click, search with the matched share, tooltips, flame/icicle toggle) or
 * as a static SVG with a <title> tooltip on every frame. Frames are coloured by kind or by one
 * of flamegraph.pl's palettes; diff graphs colour each frame by the change of its total or self
 * (shares of each side's total, or raw counts) and take widths from either side; flame charts
 * place frames in time order.
 */
import { browserBundle } from '../browser.js';
import { escapeHtml, scriptJson } from '../html.js';
import type { DiffNode, ProfileDiff } from '../model/profile-diff.js';
import type { ChartNode, FlameChart, FrameKind, Profile, ProfileNode } from '../model/profile.js';
import type { FlameData } from './flame-data.js';
import { frameColour, legend, type Palette } from './palette.js';

export type { FlameData } from './flame-data.js';

const KINDS: FrameKind[] = ['root', 'kernel', 'native', 'jit-js', 'jit-java', 'interpreted', 'process', 'unknown'];

/** flamegraph.pl's --minwidth: frames narrower than this are left out (pixels of a 1200-pixel graph, or a percentage of the total). */
export type MinWidth = { px: number } | { percent: number };

/** The drawable width of a 1200-pixel graph, what --minwidth pixels are measured on. */
const GRAPH_PX = 1180;

export interface FlameOptions {
  title?: string;
  subtitle?: string;
  palette?: Palette;
  hash?: boolean;
  inverted?: boolean;
  minWidth?: MinWidth;
}

/** Parses flamegraph.pl's --minwidth: `0.5` (pixels) or `0.1%`. */
export function parseMinWidth(v: string): MinWidth | undefined {
  const m = /^(\d+(?:\.\d*)?|\.\d+)(%?)$/.exec(v.trim());
  if (!m) return undefined;
  return m[2] ? { percent: Number(m[1]) } : { px: Number(m[1]) };
}

type AnyNode = (ProfileNode | DiffNode | ChartNode) & { baseTotal?: number; baseSelf?: number; start?: number; samples?: number };

function flatten(root: AnyNode, unit: FlameData['unit'], diff: boolean, chart: boolean, opts: FlameOptions): FlameData {
  const d: FlameData = {
    title: opts.title ?? '',
    ...(opts.subtitle !== undefined ? { subtitle: opts.subtitle } : {}),
    unit,
    diff,
    palette: opts.palette ?? 'kind',
    hash: opts.hash ?? false,
    inverted: opts.inverted ?? false,
    chart,
    names: [],
    kinds: KINDS,
    name: [],
    kind: [],
    parent: [],
    depth: [],
    total: [],
    self: [],
  };
  if (diff) {
    d.baseTotal = [];
    d.baseSelf = [];
  }
  if (chart) d.start = [];
  const full = Math.max(root.total, root.baseTotal ?? 0);
  const mw = opts.minWidth;
  const min = !mw ? 0 : 'percent' in mw ? (full * mw.percent) / 100 : (full * mw.px) / GRAPH_PX;
  let pruned = 0;
  const intern = new Map<string, number>();
  // Depth-first pre-order without recursion: the page reads subtrees as index ranges.
  const stack: Array<[AnyNode, number, number]> = [[root, -1, 0]];
  while (stack.length) {
    const [node, parent, depth] = stack.pop()!;
    if (parent >= 0 && min > 0 && Math.max(node.total, node.baseTotal ?? 0) < min) {
      pruned++;
      continue;
    }
    let id = intern.get(node.name);
    if (id === undefined) {
      id = d.names.length;
      d.names.push(node.name);
      intern.set(node.name, id);
    }
    const me = d.parent.length;
    d.name.push(id);
    d.kind.push(Math.max(0, KINDS.indexOf(node.kind)));
    d.parent.push(parent < 0 ? 0 : parent);
    d.depth.push(depth);
    d.total.push(node.total);
    d.self.push(node.self);
    if (chart) d.start!.push(node.start ?? 0);
    if (!diff) (d.count ??= []).push(node.samples ?? 0);
    if (diff) {
      d.baseTotal!.push(node.baseTotal ?? 0);
      d.baseSelf!.push(node.baseSelf ?? 0);
    }
    const kids = node.children as readonly AnyNode[];
    for (let k = kids.length - 1; k >= 0; k--) stack.push([kids[k]!, me, depth + 1]);
  }
  if (pruned) d.pruned = pruned;
  return d;
}

const options = (o: string | FlameOptions | undefined): FlameOptions => (typeof o === 'string' ? { title: o } : (o ?? {}));

export function flameData(p: Profile, opts?: string | FlameOptions): FlameData {
  const o = options(opts);
  const d = flatten(p.root, p.unit, false, false, { ...o, title: o.title ?? p.name });
  d.samples = p.stacks;
  // Weights that are sample counts already need no second number.
  if (p.unit === 'samples' || !(p.root.samples > 0)) delete d.count;
  return d;
}

export function chartData(c: FlameChart, opts?: string | FlameOptions): FlameData {
  const o = options(opts);
  const d = flatten(c.root, c.unit, false, true, { ...o, title: o.title ?? c.name });
  d.samples = c.samples;
  return d;
}

export function diffFlameData(diff: ProfileDiff, opts?: string | FlameOptions): FlameData {
  const o = options(opts);
  const d = flatten(diff.root as AnyNode, diff.mode === 'counts' ? diff.unit : 'share', true, false, { ...o, title: o.title ?? `${diff.target} vs ${diff.base}` });
  d.baseName = diff.base;
  d.targetName = diff.target;
  return d;
}

const esc = escapeHtml;

/** A weight as people read it, in the data's unit. */
function fmtWeight(d: FlameData, v: number): string {
  if (d.unit === 'nanoseconds') return v >= 1e9 ? (v / 1e9).toFixed(2) + ' s' : (v / 1e6).toFixed(1) + ' ms';
  if (d.unit === 'microseconds') return v >= 1e6 ? (v / 1e6).toFixed(2) + ' s' : (v / 1e3).toFixed(1) + ' ms';
  if (d.unit === 'share') return (100 * v).toFixed(2) + '%';
  return v.toLocaleString('en-US', { maximumFractionDigits: 2 }) + ' samples';
}

/** The line under the title: what the graph shows, unless --subtitle says otherwise. */
function summary(d: FlameData): string {
  if (d.subtitle !== undefined) return d.subtitle;
  if (d.diff) {
    const how = d.unit === 'share' ? "shares of each side's total" : `raw ${d.unit === 'samples' ? 'sample counts' : 'weights'}`;
    return `${d.targetName ?? ''} against ${d.baseName ?? ''}: ${how}`;
  }
  const total = d.total[0] ?? 0;
  const what = d.chart ? `flame chart over ${fmtWeight(d, total)}` : `${fmtWeight(d, total)}${d.unit === 'nanoseconds' ? ' CPU' : ''}`;
  const pruned = d.pruned ? `, ${d.pruned.toLocaleString('en-US')} narrow frames left out` : '';
  return `${(d.samples ?? 0).toLocaleString('en-US')} ${d.chart ? 'samples' : 'stacks'}, ${what}${pruned}`;
}

export function renderFlameHtml(d: FlameData): string {
  const keys = d.diff
    ? `<span class="key"><i style="background:rgb(240,60,60)"></i>more in ${esc(d.targetName ?? 'target')}</span><span class="key"><i style="background:rgb(60,60,240)"></i>less</span>`
    : legend(d.palette).map(([c, label]) => `<span class="key"><i style="background:${c}"></i>${esc(label)}</span>`).join('');
  const diffControls = d.diff
    ? `<label>colour by <select id="colour-by"><option value="total">change of total</option><option value="self">change of self</option></select></label>
       <label>widths from <select id="width-from"><option value="target">${esc(d.targetName ?? 'target')}</option><option value="base">${esc(d.baseName ?? 'base')}</option></select></label>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(d.title)} — thaw flame ${d.chart ? 'chart' : 'graph'}</title>
<style>
:root { color-scheme: light; }
body { margin: 0; font: 13px system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; background: #fafafa; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; padding: 10px 14px; background: #fff; border-bottom: 1px solid #ddd; position: sticky; top: 0; z-index: 2; }
h1 { font-size: 16px; margin: 0; font-weight: 600; }
.sub { color: #666; }
.keys { display: flex; gap: 10px; }
.key i { display: inline-block; width: 11px; height: 11px; margin-right: 4px; vertical-align: -1px; border-radius: 2px; }
.spacer { flex: 1; }
input[type=search] { width: 220px; padding: 4px 8px; border: 1px solid #bbb; border-radius: 4px; }
input.bad { border-color: #d33; }
button { padding: 3px 10px; }
#matched { font-weight: 600; color: #b0b; }
#zoomed { color: #333; }
main { padding: 8px 14px; }
#wrap { position: relative; }
canvas { display: block; cursor: pointer; position: sticky; top: 0; }
#tooltip { position: absolute; z-index: 3; pointer-events: none; background: rgba(255,255,255,.97); border: 1px solid #999; border-radius: 4px; padding: 6px 8px; white-space: pre; font: 12px ui-monospace, monospace; box-shadow: 0 2px 8px rgba(0,0,0,.15); max-width: 70vw; overflow: hidden; text-overflow: ellipsis; }
#details { padding: 6px 14px; color: #333; min-height: 1.3em; font: 12px ui-monospace, monospace; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
</style></head>
<body>
<header>
  <h1>${esc(d.title)}</h1><span class="sub">${esc(summary(d))}</span>
  <span class="keys">${keys}</span>
  <span class="spacer"></span>
  ${diffControls}
  <label><input type="checkbox" id="icicle"> icicle</label>
  <button id="reset" disabled>Reset zoom</button>
  <span id="zoomed"></span>
  <input type="search" id="search" placeholder="Search (regex), Ctrl+F" aria-label="search frames">
  <span id="matched" hidden></span>
</header>
<div id="details">&nbsp;</div>
<main><div id="wrap"><canvas id="flame" aria-label="flame ${d.chart ? 'chart' : 'graph'}"></canvas></div></main>
<div id="tooltip" hidden></div>
<script type="application/json" id="flame-data">${scriptJson(d)}</script>
<script>${browserBundle('render/flame-page.ts')}</script>
</body></html>
`;
}

/** Text for SVG: escaped, without the control characters XML forbids. */
function xml(s: string): string {
  // eslint-disable-next-line no-control-regex
  return esc(s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd'));
}

/** The tooltip of one SVG frame: flamegraph.pl's `name (N samples, P%)`, with time and the change for diffs. */
function svgTip(d: FlameData, i: number, name: string): string {
  if (d.diff) {
    const b = d.baseTotal![i]!;
    const t = d.total[i]!;
    const change = d.unit === 'share' ? `${t - b >= 0 ? '+' : ''}${(100 * (t - b)).toFixed(2)} pp` : `${t - b >= 0 ? '+' : '-'}${fmtWeight(d, Math.abs(t - b))}`;
    return `${name} (${fmtWeight(d, b)} → ${fmtWeight(d, t)}, ${change})`;
  }
  const share = `${((100 * d.total[i]!) / (d.total[0]! || 1)).toFixed(2)}%`;
  if (d.unit === 'samples') return `${name} (${fmtWeight(d, d.total[i]!)}, ${share})`;
  const samples = d.count ? `, ${d.count[i]!.toLocaleString('en-US')} samples` : '';
  return `${name} (${fmtWeight(d, d.total[i]!)}${samples}, ${share})`;
}

/** A static SVG (tooltips through <title>), for documents and issue trackers. */
export function renderFlameSvg(d: FlameData, widthPx = 1200): string {
  const ROW = 16;
  const n = d.parent.length;
  let maxDepth = 0;
  for (const dep of d.depth) maxDepth = Math.max(maxDepth, dep);
  const x = new Float64Array(n);
  if (d.start) for (let i = 0; i < n; i++) x[i] = d.start[i]!;
  else {
    const next = new Float64Array(n);
    for (let i = 1; i < n; i++) {
      const p = d.parent[i]!;
      x[i] = x[p]! + next[p]!;
      next[p]! += d.total[i]!;
    }
  }
  const subtitle = summary(d);
  const top = subtitle ? 48 : 30;
  const height = top + (maxDepth + 1) * ROW + 10;
  const scale = d.total[0]! > 0 ? (widthPx - 20) / d.total[0]! : 0;
  let maxDelta = 0;
  if (d.diff) for (let i = 1; i < n; i++) maxDelta = Math.max(maxDelta, Math.abs(d.total[i]! - d.baseTotal![i]!));
  const out: string[] = [];
  out.push(`<?xml version="1.0" standalone="no"?>`);
  out.push(`<svg version="1.1" xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${height}" viewBox="0 0 ${widthPx} ${height}" font-family="Verdana, sans-serif" font-size="11">`);
  out.push(`<rect x="0" y="0" width="${widthPx}" height="${height}" fill="#fafafa"/>`);
  out.push(`<text x="${widthPx / 2}" y="20" text-anchor="middle" font-size="15">${xml(d.title)}</text>`);
  if (subtitle) out.push(`<text x="${widthPx / 2}" y="38" text-anchor="middle" fill="#666">${xml(subtitle)}</text>`);
  for (let i = 0; i < n; i++) {
    const w = d.total[i]! * scale;
    if (w < 0.3) continue;
    const px = 10 + x[i]! * scale;
    const py = top + (d.inverted ? d.depth[i]! : maxDepth - d.depth[i]!) * ROW;
    const name = d.names[d.name[i]!]!;
    let fill: string;
    if (d.diff) {
      const delta = d.total[i]! - d.baseTotal![i]!;
      const k = Math.round(235 - 200 * Math.sqrt(maxDelta > 0 ? Math.min(1, Math.abs(delta) / maxDelta) : 0));
      fill = delta > 0 ? `rgb(240,${k},${k})` : delta < 0 ? `rgb(${k},${k},240)` : 'rgb(235,235,235)';
    } else {
      fill = frameColour(name, d.kinds[d.kind[i]!]!, d.palette, d.hash);
    }
    out.push(`<g><title>${xml(svgTip(d, i, name))}</title><rect x="${px.toFixed(2)}" y="${py}" width="${Math.max(w - 0.5, 0.3).toFixed(2)}" height="${ROW - 1}" fill="${fill}" rx="1"/>`);
    const chars = Math.floor((w - 6) / 6.6);
    if (chars >= 3) out.push(`<text x="${(px + 3).toFixed(2)}" y="${py + 11.5}">${xml(name.length > chars ? name.slice(0, chars - 1) + '…' : name)}</text>`);
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
