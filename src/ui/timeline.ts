/**
 * The fault-density strip under the panels: one lane per panel (faults per pixel column over
 * the trace clock, square-root scaled), each panel's ready marker, and the playhead. Clicking or
 * dragging seeks.
 */
import type { Panel } from '../model/pages-view.js';
import { el } from './dom.js';

const PANEL_COLORS = ['#ffd166', '#4da3ff', '#7ee081', '#ff8fab'];
const HEIGHT = 34;

export class Timeline {
  readonly canvas = el('canvas', { id: 'timeline', 'data-testid': 'timeline', title: 'faults over time (click to seek)' });
  readonly wrap = el('div', { id: 'timeline-wrap' }, this.canvas);
  private histo: { bins: Float64Array[]; max: number } | null = null;

  /** `seek(tUs)` is called with the trace time under the pointer. */
  constructor(
    private readonly panels: readonly Panel[],
    private readonly endUs: number,
    seek: (tUs: number) => void,
  ) {
    const at = (e: MouseEvent): void => {
      const r = this.canvas.getBoundingClientRect();
      seek(Math.max(0, Math.min(1, (e.clientX - r.left) / r.width)) * endUs);
    };
    this.canvas.addEventListener('mousedown', (e) => {
      at(e);
      window.addEventListener('mousemove', at);
      window.addEventListener('mouseup', () => window.removeEventListener('mousemove', at), { once: true });
    });
  }

  draw(tUs: number): void {
    const { canvas, panels, endUs } = this;
    const w = this.wrap.clientWidth;
    const h = HEIGHT;
    if (w <= 0) return;
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
      this.histo = null;
    }
    if (!this.histo) {
      const bins = panels.map((p) => {
        const b = new Float64Array(w);
        const f = p.faults;
        if (f) for (let i = 0; i < f.count; i++) b[Math.min(w - 1, Math.floor((Math.max(0, f.timeUs[i]!) / endUs) * w))]!++;
        return b;
      });
      this.histo = { bins, max: Math.max(1, ...bins.map((b) => Math.max(...b))) };
    }
    const histo = this.histo;
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#111318';
    ctx.fillRect(0, 0, w, h);
    const lane = h / Math.max(1, panels.length);
    histo.bins.forEach((b, pi) => {
      ctx.fillStyle = PANEL_COLORS[pi % PANEL_COLORS.length]!;
      ctx.globalAlpha = 0.8;
      for (let x = 0; x < w; x++) {
        if (!b[x]) continue;
        const bh = Math.max(1, Math.sqrt(b[x]! / histo.max) * (lane - 2));
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
    ctx.fillRect(Math.round((Math.max(0, tUs) / endUs) * (w - 1)), 0, 1, h);
  }
}
