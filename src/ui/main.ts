/**
 * thaw pages view: the browser page visualizer. Reads the view JSON embedded in the page
 * (src/model/pages-view.ts), draws each panel's page grid (grid.ts, panel-view.ts), the
 * process → category → mapping tree (tree.ts), hover details (hover.ts) and fault playback over
 * a timeline (timeline.ts). Two panels (two traces) play side by side on one clock. This file
 * holds the state, the controls and the wiring.
 */
import { decodePanel, type Panel, type ViewJson } from '../model/pages-view.js';
import { el } from './dom.js';
import { PanelGrid, type Layout, type Selection } from './grid.js';
import { Tip } from './hover.js';
import { renderLegend } from './legend.js';
import { draw, panelView, sizeSpacer } from './panel-view.js';
import { Timeline } from './timeline.js';
import { SidePanel } from './tree.js';

// Marks for the benchmark (npm run bench:pages): script start, data decoded, first paint.
performance.mark('thaw:script');
const data = JSON.parse(document.getElementById('thaw-data')!.textContent!) as ViewJson;
performance.mark('thaw:parsed');
const panels: Panel[] = data.panels.map(decodePanel);
performance.mark('thaw:decoded');

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
const hasFaults = panels.some((p) => p.faults && p.faults.count);

// ---- the page -----------------------------------------------------------------------------
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

const views = panels.map((panel, i) => panelView(panel, grids[i]!, i));
const panelsEl = el('section', { id: 'panels', class: panels.length > 1 ? 'two' : 'one' }, ...views.map((v) => v.root));
views.forEach((v, i) => v.root.addEventListener('mousedown', () => focusPanel(i)));
const side = new SidePanel({
  selection: () => views[state.focus]!.grid.selection,
  select: (owner, category, mapping) => select(owner, category, mapping),
  colorBy: () => state.colorBy,
});

const btnReset = el('button', { id: 'reset', title: 'back to the start', 'data-testid': 'reset' }, '◀◀');
const btnPlay = el('button', { id: 'play', title: 'play / pause (space)', 'data-testid': 'play' }, '▶');
const btnStep = el('button', { id: 'step', title: 'next fault (→)', 'data-testid': 'step' }, '▶|');
const speedSel = el('select', { id: 'speed', title: 'playback speed relative to the trace clock' }, ...SPEEDS.map((s) => el('option', { value: String(s) }, `${s}×`)));
speedSel.value = String(state.speed);
const scrub = el('input', { id: 'scrub', type: 'range', min: '0', max: '1000', value: '0' });
const counterEl = el('span', { id: 'counter', 'data-testid': 'counter' });
const timeEl = el('span', { id: 'time', 'data-testid': 'time' });
const legend = el('span', { class: 'legend' });
renderLegend(legend, state.colorBy, panels, data.categories);
const footer = el('footer', {}, btnReset, btnPlay, btnStep, el('label', {}, 'speed ', speedSel), scrub, counterEl, timeEl, legend);
if (!hasFaults) footer.classList.add('nofaults');
const tip = new Tip(data.categories);
const timeline = new Timeline(panels, endUs, (tUs) => {
  state.tUs = tUs;
  applyPlayhead();
});
if (!hasFaults) timeline.wrap.hidden = true;
document.getElementById('app')!.append(header, el('main', {}, panelsEl, side.el), timeline.wrap, footer, tip.el);

// ---- drawing ----------------------------------------------------------------------------
/** Slots and image sizes for the current layout, without painting (fit() reads them). */
function layoutGrids(): void {
  const memPages = Math.max(1, Math.floor((state.memMB * 1024 * 1024) / ps));
  for (const v of views) {
    v.grid.setColorBy(state.colorBy);
    v.grid.setLayout(state.layout, state.gridWidth, memPages);
    sizeSpacer(v, state.scale);
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
/** Paint every panel up to the playhead (from the base again with force) and update the counters. */
function applyPlayhead(force = false): void {
  let shown = 0;
  let total = 0;
  for (const v of views) {
    const f = v.panel.faults;
    const idx = f ? upperBound(f.timeUs, f.count, state.tUs) : 0;
    if (force || idx !== v.grid.painted) v.grid.paintFaults(idx);
    v.grid.flush();
    draw(v, state.scale);
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
  if (hasFaults) timeline.draw(state.tUs);
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
  side.render();
  renderLegend(legend, state.colorBy, panels, data.categories);
};
scaleIn.oninput = () => {
  state.scale = Number(scaleIn.value);
  for (const v of views) {
    sizeSpacer(v, state.scale);
    draw(v, state.scale);
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
  v.scroller.addEventListener('scroll', () => draw(v, state.scale), { passive: true });
  tip.attach(v, () => state.scale);
}
window.addEventListener('resize', () => {
  for (const v of views) draw(v, state.scale);
  timeline.draw(state.tUs);
});

// ---- selection ----------------------------------------------------------------------------
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
/** Click on a tree row: select it (a second click clears), in every panel, and repaint. */
function select(owner: number, category?: number, mapping?: number): void {
  const next = selections(isSel(owner, category, mapping) ? null : { owner, category, mapping });
  views.forEach((v, i) => v.grid.select(next[i]!));
  applyPlayhead();
  side.render();
}
function focusPanel(i: number): void {
  if (state.focus === i) return;
  state.focus = i;
  views.forEach((v, j) => v.root.classList.toggle('focus', j === i));
  side.render(panels[i]);
}

// ---- start --------------------------------------------------------------------------------
views[0]?.root.classList.add('focus');
const first = selections(side.firstSelection(panels[0]));
views.forEach((v, i) => v.grid.select(first[i]!));
layoutGrids();
fit();
relayout();
side.render(panels[0]);

/** For tests and benchmarks: what is on screen, without reaching into closures. */
(window as unknown as { thawPages: unknown }).thawPages = {
  ready: true,
  frames: () => frames,
  state: () => ({ ...state, endUs, painted: views.map((v) => v.grid.painted), slots: views.map((v) => v.grid.slotCount) }),
  play: () => setPlaying(true),
  setSpeed: (s: number) => (state.speed = s),
};
