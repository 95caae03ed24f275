/**
 * One panel on screen: its title bar (title, processes, faults, the fault counter) and the
 * viewport where the grid's offscreen image is drawn scaled. Screen and grid spaces meet in two
 * places only: draw() (grid → screen) and slotAt() (screen → slot).
 */
import { plural } from '../model/pages-summary.js';
import type { Panel } from '../model/pages-view.js';
import { el, kb } from './dom.js';
import { COLORS } from './colors.js';
import type { PanelGrid } from './grid.js';

export interface PanelView {
  root: HTMLElement;
  scroller: HTMLDivElement;
  spacer: HTMLDivElement;
  screen: HTMLCanvasElement;
  counter: HTMLElement;
  grid: PanelGrid;
  panel: Panel;
}

export function panelView(panel: Panel, grid: PanelGrid, i: number): PanelView {
  const screen = el('canvas', { class: 'screen', 'data-testid': `grid-${i}` });
  const spacer = el('div', { class: 'spacer' });
  const scroller = el('div', { class: 'scroller' }, spacer);
  const counter = el('span', { class: 'pcounter', 'data-testid': `counter-${i}` });
  const f = panel.faults;
  const stats = el('span', { class: 'pstats' },
    panel.map ? `${plural(panel.map.owners.filter((o) => o.pid > 0).length, 'process', 'processes')} · ${kb(panel.map.owners.reduce((s, o) => s + o.vaddr.length, 0) * grid.ps / 1024)} mapped` : 'no page map',
    f ? ` · ${plural(f.count, 'fault')} (${panel.source})` : '');
  const root = el('div', { class: 'panel', 'data-panel': String(i) },
    el('div', { class: 'ptitle' }, el('b', { title: panel.title }, panel.title), stats, counter),
    el('div', { class: 'viewport' }, screen, scroller));
  return { root, scroller, spacer, screen, counter, grid, panel };
}

/** Size the scrollable area to the grid at this scale. */
export function sizeSpacer(v: PanelView, scale: number): void {
  v.spacer.style.width = `${v.grid.gridWidth * scale}px`;
  v.spacer.style.height = `${v.grid.rows * scale}px`;
}

/** Draw the visible part of the grid's image onto the screen canvas. */
export function draw(v: PanelView, scale: number): void {
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
  const s = scale;
  // screen = (grid - scroll/scale) * scale: the one conversion between the two spaces.
  const gx = Math.floor(v.scroller.scrollLeft / s);
  const gy = Math.floor(v.scroller.scrollTop / s);
  const gw = Math.min(v.grid.gridWidth - gx, Math.ceil(w / s) + 1);
  const gh = Math.min(v.grid.rows - gy, Math.ceil(h / s) + 1);
  if (gw > 0 && gh > 0) ctx.drawImage(v.grid.canvas, gx, gy, gw, gh, gx * s - v.scroller.scrollLeft, gy * s - v.scroller.scrollTop, gw * s, gh * s);
}

/** The slot under a point of the screen, or -1. */
export function slotAt(v: PanelView, scale: number, clientX: number, clientY: number): number {
  const r = v.scroller.getBoundingClientRect();
  // The canvas sits on whole pixels even where the layout puts its box at a fraction (a title
  // that wraps), and pointer coordinates are whole pixels: measure from the rounded edge.
  const col = Math.floor((clientX - Math.round(r.left) + v.scroller.scrollLeft) / scale);
  const row = Math.floor((clientY - Math.round(r.top) + v.scroller.scrollTop) / scale);
  if (col < 0 || col >= v.grid.gridWidth || row < 0 || row >= v.grid.rows) return -1;
  return row * v.grid.gridWidth + col;
}
