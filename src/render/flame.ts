/**
 * Flame graphs as self-contained HTML: one file, no network, a canvas drawn by the embedded
 * flameClient (zoom on click, search with the matched share, tooltips, flame/icicle toggle,
 * frames coloured by kind). Diff flame graphs colour each frame by the change of its total or
 * self share (selectable) and take widths from either side.
 */
import { escapeHtml, scriptJson } from '../html.js';
import type { DiffNode, ProfileDiff } from '../model/profile-diff.js';
import type { FrameKind, Profile, ProfileNode } from '../model/profile.js';
import { flameClient } from './flame-client.js';
import type { FlameData } from './flame-data.js';

export type { FlameData } from './flame-data.js';

const KINDS: FrameKind[] = ['root', 'kernel', 'native', 'jit-js', 'jit-java', 'interpreted', 'process', 'unknown'];

type AnyNode = (ProfileNode | DiffNode) & { baseTotal?: number; baseSelf?: number };

function flatten(root: AnyNode, title: string, unit: FlameData['unit'], diff: boolean): FlameData {
  const d: FlameData = { title, unit, diff, names: [], kinds: KINDS, name: [], kind: [], parent: [], depth: [], total: [], self: [] };
  if (diff) {
    d.baseTotal = [];
    d.baseSelf = [];
  }
  const intern = new Map<string, number>();
  const stack: Array<[AnyNode, number, number]> = [[root, -1, 0]];
  while (stack.length) {
    const [node, parent, depth] = stack.pop()!;
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
    if (!diff) (d.count ??= []).push((node as ProfileNode).samples ?? 0);
    if (diff) {
      d.baseTotal!.push(node.baseTotal ?? 0);
      d.baseSelf!.push(node.baseSelf ?? 0);
    }
    const kids = node.children as readonly AnyNode[];
    for (let k = kids.length - 1; k >= 0; k--) stack.push([kids[k]!, me, depth + 1]);
  }
  return d;
}

export function flameData(p: Profile, title = p.name): FlameData {
  const d = flatten(p.root, title, p.unit, false);
  d.samples = p.stacks;
  // Weights that are sample counts already need no second number.
  if (p.unit === 'samples' || !(p.root.samples > 0)) delete d.count;
  return d;
}

export function diffFlameData(diff: ProfileDiff, title = `${diff.target} vs ${diff.base}`): FlameData {
  const d = flatten(diff.root as AnyNode, title, 'share', true);
  d.baseName = diff.base;
  d.targetName = diff.target;
  return d;
}

const esc = escapeHtml;

const LEGEND: Array<[string, string, string]> = [
  ['kernel', 'rgb(248,180,50)', 'kernel'],
  ['native', 'rgb(230,85,70)', 'native'],
  ['jit-js', 'rgb(90,210,80)', 'JIT JS'],
  ['jit-java', 'rgb(60,200,210)', 'JIT Java'],
  ['interpreted', 'rgb(235,225,80)', 'interpreted'],
];

export function renderFlameHtml(d: FlameData): string {
  const legend = d.diff
    ? `<span class="key"><i style="background:rgb(240,60,60)"></i>more in ${esc(d.targetName ?? 'target')}</span><span class="key"><i style="background:rgb(60,60,240)"></i>less</span>`
    : LEGEND.map(([, c, label]) => `<span class="key"><i style="background:${c}"></i>${label}</span>`).join('');
  const diffControls = d.diff
    ? `<label>colour by <select id="colour-by"><option value="total">change of total</option><option value="self">change of self</option></select></label>
       <label>widths from <select id="width-from"><option value="target">${esc(d.targetName ?? 'target')}</option><option value="base">${esc(d.baseName ?? 'base')}</option></select></label>`
    : '';
  const subtitle = d.diff
    ? `${esc(d.targetName ?? '')} against ${esc(d.baseName ?? '')}: shares of each side's total`
    : `${d.samples ?? 0} stacks, ${d.unit === 'nanoseconds' ? ((d.total[0] ?? 0) / 1e6).toFixed(1) + ' ms CPU' : d.unit === 'microseconds' ? ((d.total[0] ?? 0) / 1e3).toFixed(1) + ' ms' : (d.total[0] ?? 0) + ' samples'}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(d.title)} — thaw flame graph</title>
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
canvas { display: block; cursor: pointer; }
#tooltip { position: absolute; z-index: 3; pointer-events: none; background: rgba(255,255,255,.97); border: 1px solid #999; border-radius: 4px; padding: 6px 8px; white-space: pre; font: 12px ui-monospace, monospace; box-shadow: 0 2px 8px rgba(0,0,0,.15); max-width: 70vw; overflow: hidden; text-overflow: ellipsis; }
#details { padding: 6px 14px; color: #333; min-height: 1.3em; font: 12px ui-monospace, monospace; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
</style></head>
<body>
<header>
  <h1>${esc(d.title)}</h1><span class="sub">${subtitle}</span>
  <span class="keys">${legend}</span>
  <span class="spacer"></span>
  ${diffControls}
  <label><input type="checkbox" id="icicle"> icicle</label>
  <button id="reset" disabled>Reset zoom</button>
  <span id="zoomed"></span>
  <input type="search" id="search" placeholder="Search (regex), Ctrl+F" aria-label="search frames">
  <span id="matched" hidden></span>
</header>
<div id="details">&nbsp;</div>
<main><div id="wrap"><canvas id="flame" aria-label="flame graph"></canvas></div></main>
<div id="tooltip" hidden></div>
<script>
"use strict";
(${flameClient.toString()})(${scriptJson(d)});
</script>
</body></html>
`;
}

/** A static SVG (tooltips through <title>), flame orientation, for documents and issue trackers. */
export function renderFlameSvg(d: FlameData, widthPx = 1200): string {
  const ROW = 16;
  const n = d.parent.length;
  let maxDepth = 0;
  for (const dep of d.depth) maxDepth = Math.max(maxDepth, dep);
  const x = new Float64Array(n);
  const next = new Float64Array(n);
  for (let i = 1; i < n; i++) {
    const p = d.parent[i]!;
    x[i] = x[p]! + next[p]!;
    next[p]! += d.total[i]!;
  }
  const top = 30;
  const height = top + (maxDepth + 1) * ROW + 10;
  const scale = d.total[0]! > 0 ? (widthPx - 20) / d.total[0]! : 0;
  const colours: Record<string, [number, number, number]> = { kernel: [248, 180, 50], native: [230, 85, 70], 'jit-js': [90, 210, 80], 'jit-java': [60, 200, 210], interpreted: [235, 225, 80], root: [190, 190, 200], process: [180, 180, 190], unknown: [180, 180, 190] };
  const out: string[] = [];
  out.push(`<?xml version="1.0" standalone="no"?>`);
  out.push(`<svg version="1.1" xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${height}" viewBox="0 0 ${widthPx} ${height}" font-family="Verdana, sans-serif" font-size="11">`);
  out.push(`<rect x="0" y="0" width="${widthPx}" height="${height}" fill="#fafafa"/>`);
  out.push(`<text x="${widthPx / 2}" y="20" text-anchor="middle" font-size="15">${esc(d.title)}</text>`);
  for (let i = 0; i < n; i++) {
    const w = d.total[i]! * scale;
    if (w < 0.3) continue;
    const px = 10 + x[i]! * scale;
    const py = top + (maxDepth - d.depth[i]!) * ROW;
    const name = d.names[d.name[i]!]!;
    let fill: string;
    let tipText: string;
    if (d.diff) {
      const delta = d.total[i]! - d.baseTotal![i]!;
      const k = Math.round(235 - 200 * Math.sqrt(Math.min(1, Math.abs(delta) * 20)));
      fill = delta > 0 ? `rgb(240,${k},${k})` : delta < 0 ? `rgb(${k},${k},240)` : 'rgb(235,235,235)';
      tipText = `${name}: ${(100 * d.baseTotal![i]!).toFixed(2)}% → ${(100 * d.total[i]!).toFixed(2)}%`;
    } else {
      const [r, g, b] = colours[d.kinds[d.kind[i]!]!] ?? [200, 200, 200];
      fill = `rgb(${r},${g},${b})`;
      tipText = `${name} (${((100 * d.total[i]!) / d.total[0]!).toFixed(2)}%)`;
    }
    out.push(`<g><title>${esc(tipText)}</title><rect x="${px.toFixed(2)}" y="${py}" width="${Math.max(w - 0.5, 0.3).toFixed(2)}" height="${ROW - 1}" fill="${fill}" rx="1"/>`);
    const chars = Math.floor((w - 6) / 6.6);
    if (chars >= 3) out.push(`<text x="${(px + 3).toFixed(2)}" y="${py + 11.5}">${esc(name.length > chars ? name.slice(0, chars - 1) + '…' : name)}</text>`);
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
