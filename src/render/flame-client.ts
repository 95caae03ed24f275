/**
 * The flame graph page's script (bundled from render/flame-page.ts). It draws on a canvas the
 * height of the window and scrolls a tall box behind it, drawing only the rows in view: a stack
 * 10,000 frames deep is 180,000 CSS pixels, far past what one canvas can hold.
 *
 * Coordinate spaces: *weight space* is [0, root weight] along x and depth along y;
 * *view space* is the zoomed window [x of zoom, + its width] of weight space; *content space*
 * is CSS pixels in the tall box (#wrap); *canvas space* is CSS pixels on the canvas, content
 * space less the scroll offset. toCanvasX() is the one conversion from weight to canvas x.
 */
import type { FlameData } from './flame-data.js';
import { frameColour } from './palette.js';

export function flameClient(data: FlameData): void {
  const ROW = 18;
  const PAD_TOP = 4;
  const n = data.parent.length;
  const names = data.names;
  const kindNames = data.kinds;
  const children: number[][] = Array.from({ length: n }, () => []);
  let maxDepth = 0;
  for (let i = 1; i < n; i++) {
    children[data.parent[i]!]!.push(i);
    if (data.depth[i]! > maxDepth) maxDepth = data.depth[i]!;
  }
  const byDepth: number[][] = Array.from({ length: maxDepth + 1 }, () => []);
  for (let i = 0; i < n; i++) byDepth[data.depth[i]!]!.push(i);
  // Frames are in depth-first pre-order: a frame's subtree is the range [i, end[i]).
  const end = new Int32Array(n);
  for (let i = 0; i < n; i++) end[i] = i + 1;
  for (let i = n - 1; i > 0; i--) end[data.parent[i]!] = Math.max(end[data.parent[i]!]!, end[i]!);
  /** a is b or one of its ancestors. */
  const isAncestor = (a: number, b: number): boolean => a <= b && b < end[a]!;

  const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
  const canvas = $<HTMLCanvasElement>('flame');
  const wrap = $('wrap');
  const ctx = canvas.getContext('2d')!;
  const tip = $('tooltip');
  const details = $('details');
  const matchedEl = $('matched');
  const searchEl = $<HTMLInputElement>('search');
  const zoomEl = $('zoomed');
  const resetEl = $<HTMLButtonElement>('reset');
  const icicleEl = $<HTMLInputElement>('icicle');
  const colourByEl = $<HTMLSelectElement>('colour-by');
  const widthFromEl = $<HTMLSelectElement>('width-from');
  const header = document.querySelector('header')!;

  const state = {
    zoom: 0,
    icicle: data.inverted,
    colourBy: 'total' as 'total' | 'self',
    widthFrom: 'target' as 'target' | 'base',
    search: null as RegExp | null,
    hover: -1,
  };
  icicleEl.checked = state.icicle;
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  const matched = new Uint8Array(n);
  const colours: string[] = new Array(n);
  for (let i = 0; i < n; i++) colours[i] = frameColour(names[data.name[i]!]!, kindNames[data.kind[i]!]!, data.palette, data.hash);

  function layout(): void {
    const useBase = data.diff && state.widthFrom === 'base';
    for (let i = 0; i < n; i++) w[i] = useBase ? data.baseTotal![i]! : data.total[i]!;
    if (data.start) {
      for (let i = 0; i < n; i++) x[i] = data.start[i]!;
      return;
    }
    x[0] = 0;
    for (let i = 0; i < n; i++) {
      let cx = x[i]!;
      for (const c of children[i]!) {
        x[c] = cx;
        cx += w[c]!;
      }
    }
  }

  function fmtWeight(v: number): string {
    if (data.unit === 'nanoseconds') return v >= 1e9 ? (v / 1e9).toFixed(2) + ' s' : (v / 1e6).toFixed(v >= 1e8 ? 0 : 1) + ' ms';
    if (data.unit === 'microseconds') return v >= 1e6 ? (v / 1e6).toFixed(2) + ' s' : (v / 1e3).toFixed(1) + ' ms';
    if (data.unit === 'share') return (100 * v).toFixed(2) + '%';
    return v.toLocaleString('en-US', { maximumFractionDigits: 2 }) + ' samples';
  }
  const pct = (v: number, of: number): string => (of > 0 ? ((100 * v) / of).toFixed(2) : '0.00') + '%';

  let maxDelta = 0;
  function diffDelta(i: number): number {
    return state.colourBy === 'self' ? data.self[i]! - data.baseSelf![i]! : data.total[i]! - data.baseTotal![i]!;
  }
  function diffColour(i: number): string {
    const d = diffDelta(i);
    const t = maxDelta > 0 ? Math.min(1, Math.abs(d) / maxDelta) : 0;
    const k = Math.round(235 - 200 * Math.sqrt(t));
    return d > 0 ? `rgb(240,${k},${k})` : d < 0 ? `rgb(${k},${k},240)` : 'rgb(235,235,235)';
  }
  function computeMaxDelta(): void {
    maxDelta = 0;
    if (!data.diff) return;
    for (let i = 1; i < n; i++) maxDelta = Math.max(maxDelta, Math.abs(diffDelta(i)));
  }

  let cssW = 0;
  let cssH = 0;
  const contentH = (maxDepth + 1) * ROW + PAD_TOP * 2;
  function resize(): void {
    cssW = wrap.clientWidth;
    canvas.style.top = header.offsetHeight + 'px';
    cssH = Math.max(ROW, Math.min(contentH, window.innerHeight - header.offsetHeight));
    const dpr = window.devicePixelRatio || 1;
    wrap.style.height = contentH + 'px';
    canvas.style.width = cssW + 'px';
    canvas.style.height = cssH + 'px';
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }
  /** Content y at the canvas's top edge. */
  const scrollOffset = (): number => canvas.getBoundingClientRect().top - wrap.getBoundingClientRect().top;

  /** Weight space → canvas x; ancestors of the zoomed frame span the full width. */
  function toCanvasX(i: number): [number, number] {
    const z = state.zoom;
    if (z !== i && isAncestor(i, z)) return [0, cssW];
    const vw = w[z]! || 1;
    return [((x[i]! - x[z]!) / vw) * cssW, (w[i]! / vw) * cssW];
  }
  function rowY(depth: number): number {
    return state.icicle ? PAD_TOP + depth * ROW : PAD_TOP + (maxDepth - depth) * ROW;
  }
  /** The frames of one row that are drawn at this zoom, with their canvas x and width. */
  function* rowFrames(d: number): Generator<[number, number, number]> {
    const z = state.zoom;
    const zx = x[z]!;
    const zw = w[z]!;
    const zd = data.depth[z]!;
    for (const i of byDepth[d]!) {
      if (w[i]! <= 0) continue;
      if (d > zd) {
        if (x[i]! + w[i]! <= zx || x[i]! >= zx + zw) continue;
        if (!isAncestor(z, i)) continue;
      } else if (!isAncestor(i, z)) continue;
      const [cx, cw] = toCanvasX(i);
      if (cw < 0.4) continue;
      yield [i, cx, cw];
    }
  }

  const drawn: Array<{ i: number; x: number; y: number; w: number }> = [];
  function draw(): void {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.font = '12px system-ui, -apple-system, "Segoe UI", Verdana, sans-serif';
    ctx.textBaseline = 'middle';
    drawn.length = 0;
    const top = scrollOffset();
    const zd = data.depth[state.zoom]!;
    for (let d = 0; d <= maxDepth; d++) {
      const y = rowY(d) - top;
      if (y + ROW < 0 || y > cssH) continue;
      for (const [i, cx, cw] of rowFrames(d)) {
        ctx.fillStyle = matched[i] ? 'rgb(225,60,225)' : data.diff ? diffColour(i) : colours[i]!;
        ctx.globalAlpha = d < zd ? 0.55 : 1;
        ctx.fillRect(cx, y, Math.max(cw - 0.5, 0.4), ROW - 1);
        ctx.globalAlpha = 1;
        if (i === state.hover) {
          ctx.strokeStyle = '#222';
          ctx.strokeRect(cx + 0.5, y + 0.5, Math.max(cw - 1.5, 0.5), ROW - 2);
        }
        drawn.push({ i, x: cx, y, w: cw });
        if (cw > 28) {
          const label = names[data.name[i]!]!;
          const room = cw - 6;
          let text = label;
          if (ctx.measureText(text).width > room) {
            let lo = 0;
            let hi = label.length;
            while (lo < hi) {
              const mid = (lo + hi + 1) >> 1;
              if (ctx.measureText(label.slice(0, mid) + '…').width <= room) lo = mid;
              else hi = mid - 1;
            }
            text = lo > 1 ? label.slice(0, lo) + '…' : '';
          }
          if (text) {
            ctx.fillStyle = '#111';
            ctx.fillText(text, cx + 3, y + ROW / 2);
          }
        }
      }
    }
  }
  let pending = false;
  function drawSoon(): void {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  }

  function frameAt(px: number, py: number): number {
    for (let k = drawn.length - 1; k >= 0; k--) {
      const r = drawn[k]!;
      if (px >= r.x && px < r.x + r.w && py >= r.y && py < r.y + ROW) return r.i;
    }
    return -1;
  }

  function describe(i: number): string {
    const name = names[data.name[i]!]!;
    const kind = kindNames[data.kind[i]!];
    if (data.diff) {
      const bt = data.baseTotal![i]!;
      const t = data.total[i]!;
      const bs = data.baseSelf![i]!;
      const s = data.self[i]!;
      if (data.unit !== 'share') {
        const sign = (v: number): string => (v >= 0 ? '+' : '-') + fmtWeight(Math.abs(v));
        return `${name} (${kind})\ntotal: ${fmtWeight(bt)} → ${fmtWeight(t)} (${sign(t - bt)})\nself: ${fmtWeight(bs)} → ${fmtWeight(s)} (${sign(s - bs)})`;
      }
      const sign = (v: number): string => (v >= 0 ? '+' : '') + (100 * v).toFixed(2) + ' pp';
      return `${name} (${kind})\ntotal: ${(100 * bt).toFixed(2)}% → ${(100 * t).toFixed(2)}% (${sign(t - bt)})\nself: ${(100 * bs).toFixed(2)}% → ${(100 * s).toFixed(2)}% (${sign(s - bs)})`;
    }
    const t = data.total[i]!;
    const s = data.self[i]!;
    const cnt = data.count ? ` in ${data.count[i]!.toLocaleString('en-US')} samples` : '';
    const when = data.chart ? `\nfrom ${fmtWeight(x[i]!)} to ${fmtWeight(x[i]! + w[i]!)}` : '';
    return `${name} (${kind})\n${fmtWeight(t)}${cnt}, ${pct(t, data.total[0]!)} of all${state.zoom ? `, ${pct(t, data.total[state.zoom]!)} of zoom` : ''}\nself: ${fmtWeight(s)}, ${pct(s, data.total[0]!)}${when}`;
  }

  function updateSearch(): void {
    matched.fill(0);
    const re = state.search;
    let sum = 0;
    if (re) {
      // Count each matched subtree once (a matched frame below a matched frame adds nothing).
      const covered = new Uint8Array(n);
      for (let i = 1; i < n; i++) {
        const p = data.parent[i]!;
        if (re.test(names[data.name[i]!]!)) {
          matched[i] = 1;
          if (!covered[p]) sum += data.total[i]!;
          covered[i] = 1;
        } else if (covered[p]) covered[i] = 1;
      }
      matchedEl.textContent = `Matched: ${pct(sum, data.total[0]!)}`;
      matchedEl.hidden = false;
    } else {
      matchedEl.textContent = '';
      matchedEl.hidden = true;
    }
  }

  function setZoom(i: number): void {
    state.zoom = i;
    zoomEl.textContent = i ? `Zoomed: ${names[data.name[i]!]!} — ${pct(data.total[i]!, data.total[0]!)} of all` : '';
    resetEl.disabled = i === 0;
    draw();
  }

  function canvasPoint(e: MouseEvent): [number, number] {
    const r = canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }
  canvas.addEventListener('mousemove', (e) => {
    const i = frameAt(...canvasPoint(e));
    if (i !== state.hover) {
      state.hover = i;
      draw();
    }
    if (i < 0) {
      tip.hidden = true;
      details.textContent = '\u00a0';
      return;
    }
    const text = describe(i);
    tip.textContent = text;
    tip.hidden = false;
    const tx = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
    const ty = e.clientY + 18 + tip.offsetHeight > window.innerHeight ? e.clientY - tip.offsetHeight - 8 : e.clientY + 18;
    tip.style.left = tx + window.scrollX + 'px';
    tip.style.top = ty + window.scrollY + 'px';
    details.textContent = text.split('\n').join(' · ');
  });
  canvas.addEventListener('mouseleave', () => {
    tip.hidden = true;
    state.hover = -1;
    draw();
  });
  canvas.addEventListener('click', (e) => {
    const i = frameAt(...canvasPoint(e));
    if (i >= 0) setZoom(i === state.zoom ? data.parent[i]! : i);
  });
  resetEl.addEventListener('click', () => setZoom(0));
  searchEl.addEventListener('input', () => {
    const q = searchEl.value.trim();
    if (!q) state.search = null;
    else {
      try {
        state.search = new RegExp(q, 'i');
        searchEl.classList.remove('bad');
      } catch {
        state.search = new RegExp(q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
        searchEl.classList.add('bad');
      }
    }
    updateSearch();
    draw();
  });
  icicleEl.addEventListener('change', () => {
    state.icicle = icicleEl.checked;
    draw();
  });
  colourByEl?.addEventListener('change', () => {
    state.colourBy = colourByEl.value === 'self' ? 'self' : 'total';
    computeMaxDelta();
    draw();
  });
  widthFromEl?.addEventListener('change', () => {
    state.widthFrom = widthFromEl.value === 'base' ? 'base' : 'target';
    layout();
    draw();
  });
  window.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'f') {
      e.preventDefault();
      searchEl.focus();
    } else if (e.key === 'Escape') setZoom(0);
  });
  window.addEventListener('resize', () => {
    resize();
    draw();
  });
  window.addEventListener('scroll', drawSoon, { passive: true });

  // Read-only view for automation (the e2e tests find frames with it): every frame drawn at this
  // zoom, on screen or scrolled away, with y in content space (the top of #wrap), and the
  // colour it is filled with.
  (window as unknown as { flame: unknown }).flame = {
    frames: () => {
      const out: Array<Record<string, unknown>> = [];
      for (let d = 0; d <= maxDepth; d++) {
        for (const [i, cx, cw] of rowFrames(d)) {
          out.push({ name: names[data.name[i]!]!, kind: kindNames[data.kind[i]!], x: cx, y: rowY(d), width: cw, height: ROW - 1, depth: d, colour: data.diff ? diffColour(i) : colours[i] });
        }
      }
      return out;
    },
    redraw: draw,
  };

  layout();
  computeMaxDelta();
  resize();
  updateSearch();
  // A flame stands on its root: open the page at the bottom, where the base of the graph is.
  if (!state.icicle && document.documentElement.scrollHeight > window.innerHeight) window.scrollTo(0, document.documentElement.scrollHeight);
  setZoom(0);
}
