/**
 * The flame graph page's own script. It runs in the browser and is embedded in the HTML with
 * Function.prototype.toString, so it must stay self-contained: no imports, no outer names.
 *
 * Coordinate spaces: *weight space* is [0, root weight] along x and depth along y;
 * *view space* is the zoomed window [viewX0, viewX0 + viewW] of weight space; *canvas space*
 * is CSS pixels. toCanvasX() is the one conversion from weight to canvas space.
 */
import type { FlameData } from './flame-data.js';

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

  const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
  const canvas = $<HTMLCanvasElement>('flame');
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

  const state = {
    zoom: 0,
    icicle: false,
    colourBy: 'total' as 'total' | 'self',
    widthFrom: 'target' as 'target' | 'base',
    search: null as RegExp | null,
    hover: -1,
  };
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  const matched = new Uint8Array(n);

  function layout(): void {
    const useBase = data.diff && state.widthFrom === 'base';
    for (let i = 0; i < n; i++) w[i] = useBase ? data.baseTotal![i]! : data.total[i]!;
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
    return Math.round(v).toLocaleString('en-US') + ' samples';
  }
  const pct = (v: number, of: number): string => (of > 0 ? ((100 * v) / of).toFixed(2) : '0.00') + '%';

  function hash(s: string): number {
    let h = 2166136261;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
    return ((h >>> 0) % 1000) / 1000;
  }
  /** Hue families by frame kind (legend in the page header). */
  function kindColour(i: number): string {
    const v = hash(names[data.name[i]!]!);
    switch (kindNames[data.kind[i]!]) {
      case 'kernel': return `rgb(${240 + 15 * v | 0},${160 + 40 * v | 0},${30 + 40 * v | 0})`;
      case 'jit-js': return `rgb(${60 + 60 * v | 0},${190 + 40 * v | 0},${60 + 40 * v | 0})`;
      case 'jit-java': return `rgb(${40 + 40 * v | 0},${175 + 50 * v | 0},${185 + 50 * v | 0})`;
      case 'interpreted': return `rgb(${220 + 30 * v | 0},${205 + 40 * v | 0},${60 + 40 * v | 0})`;
      case 'native': return `rgb(${215 + 40 * v | 0},${60 + 55 * v | 0},${55 + 30 * v | 0})`;
      case 'root': return 'rgb(190,190,200)';
      default: return `rgb(${170 + 30 * v | 0},${170 + 30 * v | 0},${175 + 30 * v | 0})`;
    }
  }
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
  function resize(): void {
    cssW = canvas.parentElement!.clientWidth;
    const cssH = (maxDepth + 1) * ROW + PAD_TOP * 2;
    const dpr = window.devicePixelRatio || 1;
    canvas.style.width = cssW + 'px';
    canvas.style.height = cssH + 'px';
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }

  function isAncestor(a: number, b: number): boolean {
    for (let p = b; p > 0; p = data.parent[p]!) if (p === a) return true;
    return a === 0;
  }
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
  function visible(i: number): boolean {
    const z = state.zoom;
    if (i === z || isAncestor(i, z)) return true;
    if (data.depth[i]! <= data.depth[z]!) return false;
    return isAncestor(z, i);
  }

  const drawn: Array<{ i: number; x: number; y: number; w: number }> = [];
  function draw(): void {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.font = '12px system-ui, -apple-system, "Segoe UI", Verdana, sans-serif';
    ctx.textBaseline = 'middle';
    drawn.length = 0;
    const z = state.zoom;
    const zx = x[z]!;
    const zw = w[z]!;
    for (let d = 0; d <= maxDepth; d++) {
      for (const i of byDepth[d]!) {
        if (w[i]! <= 0) continue;
        if (d > data.depth[z]!) {
          if (x[i]! + w[i]! <= zx || x[i]! >= zx + zw) continue;
          if (!visible(i)) continue;
        } else if (!(i === z || isAncestor(i, z))) continue;
        const [cx, cw] = toCanvasX(i);
        if (cw < 0.4) continue;
        const y = rowY(d);
        ctx.fillStyle = matched[i] ? 'rgb(225,60,225)' : data.diff ? diffColour(i) : kindColour(i);
        ctx.globalAlpha = d < data.depth[z]! ? 0.55 : 1;
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
      const sign = (v: number): string => (v >= 0 ? '+' : '') + (100 * v).toFixed(2) + ' pp';
      return `${name} (${kind})\ntotal: ${(100 * bt).toFixed(2)}% → ${(100 * t).toFixed(2)}% (${sign(t - bt)})\nself: ${(100 * bs).toFixed(2)}% → ${(100 * s).toFixed(2)}% (${sign(s - bs)})`;
    }
    const t = data.total[i]!;
    const s = data.self[i]!;
    const n = data.count ? ` in ${data.count[i]!.toLocaleString('en-US')} samples` : '';
    return `${name} (${kind})\n${fmtWeight(t)}${n}, ${pct(t, data.total[0]!)} of all${state.zoom ? `, ${pct(t, data.total[state.zoom]!)} of zoom` : ''}\nself: ${fmtWeight(s)}, ${pct(s, data.total[0]!)}`;
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
    const path: string[] = [];
    for (let p = i; p > 0; p = data.parent[p]!) path.unshift(names[data.name[p]!]!);
    zoomEl.textContent = i ? `Zoomed: ${path[path.length - 1]} — ${pct(data.total[i]!, data.total[0]!)} of all` : '';
    resetEl.disabled = i === 0;
    draw();
  }

  canvas.addEventListener('mousemove', (e) => {
    const r = canvas.getBoundingClientRect();
    const i = frameAt(e.clientX - r.left, e.clientY - r.top);
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
    const r = canvas.getBoundingClientRect();
    const i = frameAt(e.clientX - r.left, e.clientY - r.top);
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

  // Read-only view of what is on screen, for automation (the e2e test finds frames with it).
  (window as unknown as { flame: unknown }).flame = {
    frames: () => drawn.map((r) => ({ name: names[data.name[r.i]!]!, kind: kindNames[data.kind[r.i]!], x: r.x, y: r.y, width: r.w, height: ROW - 1, depth: data.depth[r.i] })),
  };

  layout();
  computeMaxDelta();
  resize();
  updateSearch();
  setZoom(0);
  // A flame stands on its root: open the page at the bottom, where the base of the graph is.
  if (!state.icicle && document.documentElement.scrollHeight > window.innerHeight) window.scrollTo(0, document.documentElement.scrollHeight);
}
