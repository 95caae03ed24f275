/**
 * thaw pages view: the browser page visualizer. Reads the view JSON embedded in the page
 * (src/model/pages-view.ts), draws each panel's page grid, the process → category → mapping tree,
 * hover details and fault playback. Two panels (two traces) play side by side on one clock.
 */
import { escapeHtml } from '../html.js';
import { plural } from '../model/pages-summary.js';
import { decodePanel, FF, type Panel, type TreeOwner, type ViewJson } from '../model/pages-view.js';
import { CATEGORY_PALETTE, COLORS, PanelGrid, type Layout, type Selection } from './grid.js';

// Marks for the benchmark (npm run bench:pages): script start, data decoded, first paint.
performance.mark('thaw:script');
const data = JSON.parse(document.getElementById('thaw-data')!.textContent!) as ViewJson;
performance.mark('thaw:parsed');
const panels: Panel[] = data.panels.map(decodePanel);
performance.mark('thaw:decoded');

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...kids: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
}
const hex = (v: number): string => '0x' + v.toString(16).padStart(12, '0');
function kb(v: number): string {
  if (v >= 10 * 1024 * 1024) return `${(v / 1024 / 1024).toFixed(1)} GB`;
  if (v >= 10 * 1024) return `${(v / 1024).toFixed(1)} MB`;
  return `${Math.round(v)} KB`;
}
const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

// ---- state ------------------------------------------------------------------------------
const state = {
  layout: 'physical' as Layout,
  scale: 2,
  gridWidth: 512,
  memMB: 0,
  colorBy: 'owner' as 'owner' | 'category',
  playing: false,
  speed: 1,
  /** The playhead on the trace clock; before the first fault (-1) nothing has been played. */
  tUs: -1,
  focus: 0,
};
const grids = panels.map((p) => new PanelGrid(p));
const hasPhysical = grids.some((g) => g.hasPhysical);
const maxPhys = Math.max(1, ...grids.map((g) => g.maxPhysPage + 1));
const ps = grids[0]?.ps ?? 4096;
// All of physical memory fits the screen of a microVM (fireCRaCer's 1 GB); a big host's would be
// mostly empty rows, so there the used pages are packed in address order instead.
if (!hasPhysical) state.layout = 'virtual';
else if (maxPhys * ps > 2 ** 31) state.layout = 'compact';
state.memMB = Math.max(64, Math.ceil((maxPhys * ps) / (64 << 20)) * 64);
// Start wide enough that the grid is roughly square-ish at scale 2 for the data at hand.
state.gridWidth = state.layout === 'physical' ? (maxPhys > 1 << 19 ? 1024 : 512) : panels.length > 1 ? 256 : 512;
const endUs = Math.max(1, ...panels.map((p) => (p.faults && p.faults.count ? p.faults.timeUs[p.faults.count - 1]! : 0)));
// Play the whole trace in about ten seconds by default.
const SPEEDS = [0.001, 0.01, 0.1, 1, 10, 100, 1000, 10000];
state.speed = SPEEDS.find((s) => endUs / s <= 10e6) ?? 10000;

// ---- layout -----------------------------------------------------------------------------
const app = document.getElementById('app')!;
const layoutSel = el('select', { id: 'layout', 'data-testid': 'layout', title: 'physical: all of physical memory; compact: used physical pages only; virtual: per process address order' },
  el('option', { value: 'physical' }, 'physical'), el('option', { value: 'compact' }, 'physical, used only'), el('option', { value: 'virtual' }, 'virtual'));
layoutSel.value = state.layout;
const colorSel = el('select', { id: 'color' }, el('option', { value: 'owner' }, 'owners'), el('option', { value: 'category' }, 'categories'));
const scaleIn = el('input', { id: 'scale', type: 'range', min: '1', max: '16', step: '1', value: String(state.scale) });
const widthSel = el('input', { id: 'width', type: 'number', min: '16', max: '16384', step: '16', value: String(state.gridWidth), title: 'pages per row' });
const memIn = el('input', { id: 'mem', type: 'number', min: '1', step: '64', value: String(state.memMB) });
const header = el('header', {},
  el('h1', {}, 'thaw pages'),
  el('span', { class: 'files', title: panels.map((p) => p.title).join('\n') }, panels.map((p) => p.title).join('  ·  ')),
  el('label', {}, 'layout ', layoutSel),
  el('label', {}, 'colour ', colorSel),
  el('label', {}, 'scale ', scaleIn),
  el('label', {}, 'pages per row ', widthSel),
  el('label', { title: 'physical memory shown (physical layout)' }, 'memory MB ', memIn),
);

interface PanelView {
  root: HTMLElement;
  scroller: HTMLDivElement;
  spacer: HTMLDivElement;
  screen: HTMLCanvasElement;
  counter: HTMLElement;
  grid: PanelGrid;
  panel: Panel;
}
const panelsEl = el('section', { id: 'panels', class: panels.length > 1 ? 'two' : 'one' });
const views: PanelView[] = panels.map((panel, i) => {
  const screen = el('canvas', { class: 'screen', 'data-testid': `grid-${i}` });
  const spacer = el('div', { class: 'spacer' });
  const scroller = el('div', { class: 'scroller' }, spacer);
  const counter = el('span', { class: 'pcounter', 'data-testid': `counter-${i}` });
  const f = panel.faults;
  const stats = el('span', { class: 'pstats' },
    panel.map ? `${plural(panel.map.owners.filter((o) => o.pid > 0).length, 'process', 'processes')} · ${kb(panel.map.owners.reduce((s, o) => s + o.vaddr.length, 0) * ps / 1024)} mapped` : 'no page map',
    f ? ` · ${plural(f.count, 'fault')} (${panel.source})` : '');
  const root = el('div', { class: 'panel', 'data-panel': String(i) },
    el('div', { class: 'ptitle' }, el('b', { title: panel.title }, panel.title), stats, counter),
    el('div', { class: 'viewport' }, screen, scroller));
  panelsEl.append(root);
  root.addEventListener('mousedown', () => focusPanel(i));
  return { root, scroller, spacer, screen, counter, grid: grids[i]!, panel };
});

const tree = el('div', { id: 'tree', 'data-testid': 'tree' });
const summary = el('div', { id: 'summary', hidden: '' });
const tabTree = el('button', { class: 'tab on' }, 'tree');
const tabSummary = el('button', { class: 'tab' }, 'summary');
const problems = el('div', { id: 'problems' });
const side = el('aside', { id: 'side' }, el('div', { class: 'tabs' }, tabTree, tabSummary), tree, summary, problems);
tabTree.onclick = () => {
  tree.hidden = false;
  summary.hidden = true;
  tabTree.classList.add('on');
  tabSummary.classList.remove('on');
};
tabSummary.onclick = () => {
  tree.hidden = true;
  summary.hidden = false;
  tabSummary.classList.add('on');
  tabTree.classList.remove('on');
};

const btnReset = el('button', { id: 'reset', title: 'back to the start', 'data-testid': 'reset' }, '◀◀');
const btnPlay = el('button', { id: 'play', title: 'play / pause (space)', 'data-testid': 'play' }, '▶');
const btnStep = el('button', { id: 'step', title: 'next fault (→)', 'data-testid': 'step' }, '▶|');
const speedSel = el('select', { id: 'speed', title: 'playback speed relative to the trace clock' }, ...SPEEDS.map((s) => el('option', { value: String(s) }, `${s}×`)));
speedSel.value = String(state.speed);
const scrub = el('input', { id: 'scrub', type: 'range', min: '0', max: '1000', value: '0' });
const counterEl = el('span', { id: 'counter', 'data-testid': 'counter' });
const timeEl = el('span', { id: 'time', 'data-testid': 'time' });
const legend = el('span', { class: 'legend' });
function renderLegend(): void {
  if (state.colorBy === 'category') {
    const used = new Set<number>();
    for (const p of panels) for (const o of p.tree) for (const c of o.categories) used.add(c.cat);
    legend.replaceChildren(...[...used].sort((a, b) => a - b).map((c) => el('span', { class: 'chip' }, el('i', { style: `background:${CATEGORY_PALETTE[c % CATEGORY_PALETTE.length]}` }), data.categories[c]!)),
      el('span', { class: 'chip' }, '(dim: not touched yet)'));
    return;
  }
  legend.replaceChildren(...([['used', 'process'], ['shared', 'shared'], ['kernel', 'kernel'], ['pagecache', 'page cache'], ['selected', 'selected'], ['selectedShared', 'selected, shared'], ['faultSelected', 'fault (selection)'], ['fault', 'fault'], ['faultNew', 'fault, page not in map']] as const)
    .map(([k, label]) => el('span', { class: 'chip' }, el('i', { style: `background:${COLORS[k]}` }), label)));
}
renderLegend();
const hasFaults = panels.some((p) => p.faults && p.faults.count);
const footer = el('footer', {}, btnReset, btnPlay, btnStep, el('label', {}, 'speed ', speedSel), scrub, counterEl, timeEl, legend);
if (!hasFaults) footer.classList.add('nofaults');
const tip = el('div', { id: 'tip', class: 'tip', hidden: '' });
// Fault density over the trace clock, one strip per panel, with ready markers and the playhead.
const timeline = el('canvas', { id: 'timeline', 'data-testid': 'timeline', title: 'faults over time (click to seek)' });
const timelineWrap = el('div', { id: 'timeline-wrap' }, timeline);
if (!hasFaults) timelineWrap.hidden = true;
app.append(header, el('main', {}, panelsEl, side), timelineWrap, footer, tip);
const PANEL_COLORS = ['#ffd166', '#4da3ff', '#7ee081', '#ff8fab'];
let histo: { width: number; bins: Float64Array[]; max: number } | null = null;
function drawTimeline(): void {
  const w = timelineWrap.clientWidth;
  const h = 34;
  if (w <= 0) return;
  if (timeline.width !== w || timeline.height !== h) {
    timeline.width = w;
    timeline.height = h;
    histo = null;
  }
  if (!histo) {
    const bins = panels.map((p) => {
      const b = new Float64Array(w);
      const f = p.faults;
      if (f) for (let i = 0; i < f.count; i++) b[Math.min(w - 1, Math.floor((Math.max(0, f.timeUs[i]!) / endUs) * w))]!++;
      return b;
    });
    histo = { width: w, bins, max: Math.max(1, ...bins.map((b) => Math.max(...b))) };
  }
  const ctx = timeline.getContext('2d')!;
  ctx.fillStyle = '#111318';
  ctx.fillRect(0, 0, w, h);
  const lane = h / Math.max(1, panels.length);
  histo.bins.forEach((b, pi) => {
    ctx.fillStyle = PANEL_COLORS[pi % PANEL_COLORS.length]!;
    ctx.globalAlpha = 0.8;
    for (let x = 0; x < w; x++) {
      if (!b[x]) continue;
      const bh = Math.max(1, Math.sqrt(b[x]! / histo!.max) * (lane - 2));
      ctx.fillRect(x, (pi + 1) * lane - bh, 1, bh);
    }
    ctx.globalAlpha = 1;
    const ready = panels[pi]!.faults?.readyUs;
    if (ready !== undefined) {
      const x = Math.round((ready / endUs) * w);
      ctx.fillRect(x, pi * lane, 2, lane);
    }
  });
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(Math.round((Math.max(0, state.tUs) / endUs) * (w - 1)), 0, 1, h);
}
function seek(e: MouseEvent): void {
  const r = timeline.getBoundingClientRect();
  state.tUs = Math.max(0, Math.min(1, (e.clientX - r.left) / r.width)) * endUs;
  applyPlayhead();
}
timeline.addEventListener('mousedown', (e) => {
  seek(e);
  const move = (m: MouseEvent): void => seek(m);
  window.addEventListener('mousemove', move);
  window.addEventListener('mouseup', () => window.removeEventListener('mousemove', move), { once: true });
});

// ---- drawing ----------------------------------------------------------------------------
/** Slots and image sizes for the current layout, without painting (fit() reads them). */
function layoutGrids(): void {
  const memPages = Math.max(1, Math.floor((state.memMB * 1024 * 1024) / ps));
  for (const v of views) {
    v.grid.setColorBy(state.colorBy);
    v.grid.setLayout(state.layout, state.gridWidth, memPages);
    v.spacer.style.width = `${v.grid.gridWidth * state.scale}px`;
    v.spacer.style.height = `${v.grid.rows * state.scale}px`;
  }
}
function relayout(): void {
  layoutGrids();
  applyPlayhead(true);
}

/** Pick pages per row and scale so the first panel's pages fill its viewport. */
function fit(): void {
  const v = views[0];
  if (!v) return;
  const memPages = Math.max(1, Math.floor((state.memMB * 1024 * 1024) / ps));
  const slots = state.layout === 'physical' && v.panel.map ? memPages : Math.max(1, v.grid.slotCount || v.grid.pageOwner.length);
  const w = Math.max(64, v.scroller.clientWidth - 16);
  const h = Math.max(64, v.scroller.clientHeight - 16);
  state.scale = Math.max(1, Math.min(16, Math.floor(Math.sqrt((w * h) / slots))));
  state.gridWidth = Math.max(16, Math.floor(w / state.scale));
  scaleIn.value = String(state.scale);
  widthSel.value = String(state.gridWidth);
}

function draw(v: PanelView): void {
  const w = v.scroller.clientWidth;
  const h = v.scroller.clientHeight;
  if (v.screen.width !== w || v.screen.height !== h) {
    v.screen.width = w;
    v.screen.height = h;
  }
  const ctx = v.screen.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.fillStyle = COLORS.background;
  ctx.fillRect(0, 0, w, h);
  const s = state.scale;
  // screen = (grid - scroll/scale) * scale: the one conversion between the two spaces.
  const gx = Math.floor(v.scroller.scrollLeft / s);
  const gy = Math.floor(v.scroller.scrollTop / s);
  const gw = Math.min(v.grid.gridWidth - gx, Math.ceil(w / s) + 1);
  const gh = Math.min(v.grid.rows - gy, Math.ceil(h / s) + 1);
  if (gw > 0 && gh > 0) ctx.drawImage(v.grid.canvas, gx, gy, gw, gh, gx * s - v.scroller.scrollLeft, gy * s - v.scroller.scrollTop, gw * s, gh * s);
}

function slotAt(v: PanelView, clientX: number, clientY: number): number {
  const r = v.scroller.getBoundingClientRect();
  const col = Math.floor((clientX - r.left + v.scroller.scrollLeft) / state.scale);
  const row = Math.floor((clientY - r.top + v.scroller.scrollTop) / state.scale);
  if (col < 0 || col >= v.grid.gridWidth || row < 0 || row >= v.grid.rows) return -1;
  return row * v.grid.gridWidth + col;
}

// ---- playback ---------------------------------------------------------------------------
function upperBound(a: Float64Array, n: number, t: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

let frames = 0;
function applyPlayhead(force = false): void {
  let shown = 0;
  let total = 0;
  for (const v of views) {
    const f = v.panel.faults;
    const idx = f ? upperBound(f.timeUs, f.count, state.tUs) : 0;
    if (force || idx !== v.grid.painted) v.grid.paintFaults(idx);
    v.grid.flush();
    draw(v);
    shown += idx;
    total += f?.count ?? 0;
    if (f) {
      const ready = f.readyUs !== undefined ? (state.tUs >= f.readyUs ? ' · ready' : '') : '';
      v.counter.textContent = `${idx} / ${f.count} faults${ready}`;
    }
  }
  counterEl.textContent = `${shown} / ${total}`;
  const readyUs = panels[state.focus]?.faults?.readyUs;
  timeEl.textContent = `${(Math.max(0, state.tUs) / 1000).toFixed(3)} ms${readyUs !== undefined ? ` (ready at ${(readyUs / 1000).toFixed(1)} ms)` : ''}`;
  scrub.value = String(Math.max(0, Math.round((1000 * state.tUs) / endUs)));
  if (hasFaults) drawTimeline();
  frames++;
}

let lastFrame = 0;
function tick(now: number): void {
  if (!state.playing) return;
  const dt = lastFrame ? now - lastFrame : 0;
  lastFrame = now;
  state.tUs = Math.min(endUs, Math.max(state.tUs, 0) + dt * 1000 * state.speed);
  applyPlayhead();
  if (state.tUs >= endUs) setPlaying(false);
  else requestAnimationFrame(tick);
}
function setPlaying(on: boolean): void {
  state.playing = on;
  btnPlay.textContent = on ? '❙❙' : '▶';
  btnPlay.classList.toggle('on', on);
  if (on) {
    if (state.tUs >= endUs) state.tUs = -1;
    lastFrame = 0;
    requestAnimationFrame(tick);
  }
}
function step(): void {
  setPlaying(false);
  let next = Infinity;
  for (const v of views) {
    const f = v.panel.faults;
    if (f && v.grid.painted < f.count) next = Math.min(next, f.timeUs[v.grid.painted]!);
  }
  if (next !== Infinity) state.tUs = next;
  applyPlayhead();
}
btnPlay.onclick = () => setPlaying(!state.playing);
btnStep.onclick = step;
btnReset.onclick = () => {
  setPlaying(false);
  state.tUs = -1;
  applyPlayhead();
};
speedSel.onchange = () => (state.speed = Number(speedSel.value));
scrub.oninput = () => {
  state.tUs = (Number(scrub.value) / 1000) * endUs;
  applyPlayhead();
};
document.addEventListener('keydown', (e) => {
  if ((e.target as HTMLElement).tagName === 'INPUT' || (e.target as HTMLElement).tagName === 'SELECT') return;
  if (e.key === ' ') {
    e.preventDefault();
    setPlaying(!state.playing);
  } else if (e.key === 'ArrowRight') step();
});

// ---- controls ---------------------------------------------------------------------------
layoutSel.onchange = () => {
  state.layout = layoutSel.value as Layout;
  layoutGrids();
  fit();
  relayout();
};
colorSel.onchange = () => {
  state.colorBy = colorSel.value as 'owner' | 'category';
  relayout();
  renderTree();
  renderLegend();
};
scaleIn.oninput = () => {
  state.scale = Number(scaleIn.value);
  for (const v of views) {
    v.spacer.style.width = `${v.grid.gridWidth * state.scale}px`;
    v.spacer.style.height = `${v.grid.rows * state.scale}px`;
    draw(v);
  }
};
widthSel.onchange = () => {
  const w = Number(widthSel.value);
  if (w >= 16) {
    state.gridWidth = w;
    relayout();
  }
};
memIn.onchange = () => {
  const v = Number(memIn.value);
  if (v > 0) {
    state.memMB = v;
    relayout();
  }
};
for (const v of views) {
  v.scroller.addEventListener('scroll', () => draw(v), { passive: true });
  v.scroller.addEventListener('mousemove', (e) => hover(v, e));
  v.scroller.addEventListener('mouseleave', () => (tip.hidden = true));
}
window.addEventListener('resize', () => {
  views.forEach(draw);
  drawTimeline();
});

// ---- hover ------------------------------------------------------------------------------
function faultLine(p: Panel, i: number, painted: number): string {
  const f = p.faults!;
  const fl = f.flags[i]!;
  const access = fl & FF.EXEC ? 'exec' : fl & FF.WRITE ? 'write' : fl & FF.UNKNOWN ? 'access' : 'read';
  const kind = fl & FF.MAJOR ? 'major' : fl & FF.MINOR ? 'minor' : '';
  const action = fl & FF.LOAD ? 'loaded' : fl & FF.ZERO ? 'zeroed' : '';
  const name = f.mapping[i]! > 0 ? f.names[f.mapping[i]! - 1]! : 'unattributed';
  const who = f.pid[i] ? ` pid ${f.pid[i]}${f.tid[i] && f.tid[i] !== f.pid[i] ? `/${f.tid[i]}` : ''}` : f.tid[i] ? ` tid ${f.tid[i]}` : '';
  return `fault #${i + 1} at ${(f.timeUs[i]! / 1000).toFixed(3)} ms: ${[access, kind, action].filter(Boolean).join(' ')}${who} @ ${hex(f.vpage[i]! * ps + f.offset[i]!)} in ${name}${i >= painted ? ' (not played yet)' : ''}`;
}
function hover(v: PanelView, e: MouseEvent): void {
  const slot = slotAt(v, e.clientX, e.clientY);
  if (slot < 0 || slot >= v.grid.slotCount) {
    tip.hidden = true;
    return;
  }
  const lines: string[] = [];
  const map = v.panel.map;
  if (v.grid.layout === 'physical') lines.push(`<b>physical ${hex(slot * ps)}</b> (page ${slot})`);
  else {
    const [pid, vp] = v.grid.virtualKeys[slot] ?? [0, 0];
    lines.push(`<b>pid ${pid} ${hex(vp * ps)}</b>`);
  }
  for (const g of v.grid.pagesAt(slot)) {
    const oi = v.grid.pageOwner[g]!;
    const i = v.grid.pageIndex[g]!;
    const o = map!.owners[oi]!;
    const mi = v.panel.pageMapping[oi]![i]!;
    const cat = data.categories[v.panel.pageCategory[oi]![i]!] ?? '';
    if (o.pid > 0) {
      const m = o.mappings[mi];
      const bits = (o.flags[i]! & 1 ? 'exclusive' : 'shared') + (o.flags[i]! & 4 ? ', huge page' : '');
      lines.push(`${o.pid} ${esc(base(o.exe))} @ ${hex(o.vaddr[i]!)} ${m ? esc(m.name || '[anon]') : ''} <i>${cat}, ${bits}</i>`);
    } else {
      lines.push(`${o.pid === 0 ? 'kernel' : 'page cache'} <i>kpageflags 0x${o.flags[i]!.toString(16)}</i>${o.pid === 0 && o.mappings[mi] ? ' ' + esc(o.mappings[mi]!.name) : ''}`);
    }
  }
  const fi = v.grid.firstFault.get(slot);
  if (fi !== undefined) lines.push(esc(faultLine(v.panel, fi, v.grid.painted)));
  if (lines.length === 1) lines.push('<i>no page here</i>');
  if (v.grid.layout === 'compact') lines[0] = `<b>physical ${hex((v.grid.compactPpn[slot] ?? 0) * ps)}</b> (page ${v.grid.compactPpn[slot]})`;
  tip.innerHTML = lines.join('<br>');
  tip.hidden = false;
  const x = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
  const y = Math.min(e.clientY + 14, window.innerHeight - tip.offsetHeight - 8);
  tip.style.left = `${x}px`;
  tip.style.top = `${y}px`;
}
const esc = escapeHtml;

// ---- tree -------------------------------------------------------------------------------
const expanded = new Set<string>();
function nums(virt: number, rss: number, touched: number): HTMLElement {
  return el('span', { class: 'nums' }, el('span', { title: 'virtual' }, virt ? kb(virt) : '–'), el('span', { title: 'resident (RSS)' }, kb(rss)), el('span', { title: 'touched during the trace' }, touched ? kb(touched) : '–'));
}
function isSel(owner: number, category?: number, mapping?: number): boolean {
  const s = views[state.focus]!.grid.selection;
  return !!s && s.owner === owner && s.category === category && s.mapping === mapping;
}
/** The selection of every panel for one in the focused panel (null clears them all). */
function selections(sel: Selection | null): Array<Selection | null> {
  // The same process in the other panel (same pid, or the same executable) is selected too,
  // so two traces compare.
  const owners = panels[state.focus]!.map?.owners;
  const pid = sel ? owners?.[sel.owner]?.pid : undefined;
  return views.map((v, i) => {
    if (i === state.focus || !sel) return sel;
    const oi = v.panel.map?.owners.findIndex((o) => o.pid === pid || (pid !== undefined && pid > 0 && o.exe === owners![sel.owner]!.exe && o.pid > 0)) ?? -1;
    return oi >= 0 ? { owner: oi, category: sel.category } : null;
  });
}
function select(owner: number, category?: number, mapping?: number): void {
  const next = selections(isSel(owner, category, mapping) ? null : { owner, category, mapping });
  views.forEach((v, i) => v.grid.select(next[i]!));
  applyPlayhead();
  renderTree();
}
function renderTree(): void {
  const p = panels[state.focus]!;
  tree.replaceChildren(el('div', { class: 'thead' }, el('span', {}, p.title), el('span', { class: 'nums' }, el('span', {}, 'virtual'), el('span', {}, 'rss'), el('span', {}, 'touched'))));
  const owners: TreeOwner[] = [...p.tree].sort((a, b) => (a.pid > 0 ? 0 : 1) - (b.pid > 0 ? 0 : 1) || b.rssKb - a.rssKb);
  for (const o of owners) {
    const key = `${o.owner}`;
    const open = expanded.has(key);
    const row = el('div', { class: `row l0${isSel(o.owner) ? ' sel' : ''}`, 'data-pid': String(o.pid), 'data-testid': `tree-pid-${o.pid}` },
      el('span', { class: 'tog' }, open ? '▾' : '▸'),
      el('span', { class: 'name', title: o.exe }, o.pid > 0 ? `${o.pid} ${base(o.exe)}` : o.exe),
      nums(o.pid === -1 ? 0 : o.virtualKb, o.rssKb, o.touchedKb));
    row.querySelector('.tog')!.addEventListener('click', (e) => {
      e.stopPropagation();
      if (open) expanded.delete(key);
      else expanded.add(key);
      renderTree();
    });
    row.addEventListener('click', () => select(o.owner));
    tree.append(row);
    if (!open) continue;
    for (const c of o.categories) {
      const ckey = `${o.owner}/${c.cat}`;
      const copen = expanded.has(ckey);
      const chip = state.colorBy === 'category' ? el('i', { class: 'cchip', style: `background:${CATEGORY_PALETTE[c.cat % CATEGORY_PALETTE.length]}` }) : '';
      const crow = el('div', { class: `row l1${isSel(o.owner, c.cat) ? ' sel' : ''}` }, el('span', { class: 'tog' }, copen ? '▾' : '▸'), el('span', { class: 'name' }, chip, c.name), nums(c.virtualKb, c.rssKb, c.touchedKb));
      crow.querySelector('.tog')!.addEventListener('click', (e) => {
        e.stopPropagation();
        if (copen) expanded.delete(ckey);
        else expanded.add(ckey);
        renderTree();
      });
      crow.addEventListener('click', () => select(o.owner, c.cat));
      tree.append(crow);
      if (!copen) continue;
      for (const m of c.mappings) {
        const mrow = el('div', { class: `row l2${isSel(o.owner, undefined, m.m) ? ' sel' : ''}`, title: `${hex(m.start)}-${hex(m.end)} ${m.perms ?? ''} ${m.name}` },
          el('span', { class: 'tog' }), el('span', { class: 'name' }, `${base(m.name) || m.name}${m.perms ? ` ${m.perms}` : ''}`), nums(m.virtualKb, m.rssKb, m.touchedKb));
        mrow.addEventListener('click', () => select(o.owner, undefined, m.m));
        tree.append(mrow);
      }
    }
  }
  // Summary: the table researchers write by hand.
  const rows = p.summary.rows;
  const t = el('table', {}, el('tr', {}, ...['pid', 'process', 'category', 'rss', 'touched', 'shared', 'page cache'].map((h) => el('th', {}, h))));
  for (const r of rows) t.append(el('tr', {}, el('td', {}, String(r.pid)), el('td', {}, base(r.exe)), el('td', {}, r.category), el('td', {}, kb(r.rssKb)), el('td', {}, r.touchedKb ? kb(r.touchedKb) : '–'), el('td', {}, kb(r.sharedKb)), el('td', {}, kb(r.pageCacheKb))));
  const tot = p.summary.totals;
  summary.replaceChildren(t, el('p', {}, tot.faults ? `${tot.faults} faults, ${((100 * tot.attributedFaults) / tot.faults).toFixed(1)}% attributed to a named mapping, ${kb(tot.touchedKb)} touched` : 'no trace'));
  problems.replaceChildren(...p.problems.slice(0, 20).map((x) => el('div', {}, x)));
  if (p.problems.length > 20) problems.append(el('div', {}, `… and ${p.problems.length - 20} more`));
}
function focusPanel(i: number): void {
  if (state.focus === i) return;
  state.focus = i;
  views.forEach((v, j) => v.root.classList.toggle('focus', j === i));
  renderTree();
}

views[0]?.root.classList.add('focus');
/**
 * What to show first: the mapping the trace touched most (else the largest resident one) in a
 * process, opened in the tree and highlighted among the rest, so the grid has contrast at once.
 */
function firstSelection(p: Panel | undefined): Selection | null {
  let best: { owner: number; cat: number; m: number; score: number } | null = null;
  for (const o of p?.tree ?? []) {
    if (o.pid <= 0) continue;
    for (const c of o.categories) {
      for (const m of c.mappings) {
        // Touched first, then resident; a mapping as large as the whole process shows nothing new.
        const score = m.touchedKb * 1e9 + m.rssKb;
        if (m.rssKb + m.touchedKb > 0 && (m.rssKb < o.rssKb || o.categories.length === 1) && (!best || score > best.score)) best = { owner: o.owner, cat: c.cat, m: m.m, score };
      }
    }
  }
  if (!best) return null;
  expanded.add(String(best.owner));
  expanded.add(`${best.owner}/${best.cat}`);
  return { owner: best.owner, mapping: best.m };
}
const first = selections(firstSelection(panels[0]));
views.forEach((v, i) => v.grid.select(first[i]!));
layoutGrids();
fit();
relayout();
renderTree();

/** For tests and benchmarks: what is on screen, without reaching into closures. */
(window as unknown as { thawPages: unknown }).thawPages = {
  ready: true,
  frames: () => frames,
  state: () => ({ ...state, endUs, painted: views.map((v) => v.grid.painted), slots: views.map((v) => v.grid.slotCount) }),
  play: () => setPlaying(true),
  setSpeed: (s: number) => (state.speed = s),
};
