/**
 * The page grid of one panel: every page gets a slot (its physical page number, or its rank in
 * the virtual layout), slots are pixels of an offscreen image (one pixel per page, `gridWidth`
 * pages per row), and the visible part is drawn scaled onto the screen canvas. Coordinate spaces
 *: slot → grid (col, row) → image pixels → screen pixels via `scale` and the scroll
 * offset; slotAt() is the one inverse.
 */
import type { Panel } from '../model/pages-view.js';

/** physical: slot = physical page number; compact: used physical pages only, in address order; virtual: per process, in address order. */
export type Layout = 'physical' | 'compact' | 'virtual';

export interface Selection {
  owner: number;
  category?: number;
  mapping?: number;
}

// Colours as 0xAABBGGRR (little-endian RGBA in a Uint32Array).
function rgb(hex: string): number {
  const v = parseInt(hex.slice(1), 16);
  return (0xff << 24) | ((v & 0xff) << 16) | (v & 0xff00) | ((v >> 16) & 0xff);
}
export const COLORS = {
  background: '#15171c',
  empty: '#1d2026',
  used: '#4a505c',
  shared: '#6c7584',
  kernel: '#7a5fb0',
  pagecache: '#2d7a72',
  selected: '#eceff4',
  selectedShared: '#4da3ff',
  faultSelected: '#ff9f1a',
  fault: '#ffe066',
  faultNew: '#ff5d73',
};
/** The same colour at 40% brightness (on the dark background). */
function dim(c: number): number {
  const r = c & 0xff, g = (c >> 8) & 0xff, b = (c >> 16) & 0xff;
  const k = 0.4;
  return (0xff << 24) | (Math.round(b * k) << 16) | (Math.round(g * k) << 8) | Math.round(r * k);
}
const C = Object.fromEntries(Object.entries(COLORS).map(([k, v]) => [k, rgb(v)])) as Record<keyof typeof COLORS, number>;
export const CATEGORY_PALETTE = ['#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#fabebe', '#008080', '#e6beff', '#9a6324', '#fffac8', '#800000', '#aaffc3', '#808000', '#ffd8b1'];

/** Where page g of the panel sits: owner, index within the owner. Flattened over owners. */
export class PanelGrid {
  readonly ps: number;
  /** Global page id → owner index / page index / slot. */
  readonly pageOwner: Int32Array;
  readonly pageIndex: Int32Array;
  pageSlot = new Float64Array(0);
  /** Global page ids sorted by slot, and the slots in that order (for lookups by slot). */
  bySlot = new Int32Array(0);
  sortedSlots = new Float64Array(0);
  /** Slot of each fault in the current layout, -1 when the page is not on the grid. */
  faultSlot = new Float64Array(0);
  /** First fault per slot (slot → fault index). */
  firstFault = new Map<number, number>();
  /** Compact layout: slot → physical page number. */
  compactPpn = new Float64Array(0);
  /** Virtual layout: slot → [pid, vpage]. */
  virtualKeys: Array<[number, number]> = [];
  slotCount = 0;
  gridWidth = 512;
  rows = 0;
  layout: Layout = 'physical';
  /** Physical memory shown, in pages (physical layout). */
  memPages = 0;
  colorBy: 'owner' | 'category' = 'owner';
  selection: Selection | null = null;
  /** Faults painted so far (prefix of the trace). */
  painted = 0;
  image: ImageData | null = null;
  pixels = new Uint32Array(0);
  /** Base colour of every slot without faults (to repaint cheaply). */
  base = new Uint32Array(0);
  private dirty: [number, number] | null = null;
  readonly canvas = document.createElement('canvas');
  private readonly palette = CATEGORY_PALETTE.map(rgb);

  constructor(readonly panel: Panel) {
    const map = panel.map;
    this.ps = map?.pageSize ?? 4096;
    let total = 0;
    for (const o of map?.owners ?? []) total += o.vaddr.length;
    this.pageOwner = new Int32Array(total);
    this.pageIndex = new Int32Array(total);
    let g = 0;
    (map?.owners ?? []).forEach((o, oi) => {
      for (let i = 0; i < o.vaddr.length; i++, g++) {
        this.pageOwner[g] = oi;
        this.pageIndex[g] = i;
      }
    });
  }

  /** Are physical addresses known: a page map, or faults that carry them (uffd logs)? */
  get hasPhysical(): boolean {
    if (this.panel.map && this.panel.map.owners.length > 0) return true;
    const f = this.panel.faults;
    if (f) for (let i = 0; i < f.count; i++) if (f.ppage[i]! > 0) return true;
    return false;
  }

  get maxPhysPage(): number {
    let max = 0;
    for (const o of this.panel.map?.owners ?? []) for (const p of o.paddr) if (p > max) max = p;
    const f = this.panel.faults;
    if (f) for (let i = 0; i < f.count; i++) if (f.ppage[i]! - 1 > max / this.ps) max = (f.ppage[i]! - 1) * this.ps;
    return Math.floor(max / this.ps);
  }

  /** Assign slots for a layout; physical memory size (pages) applies to the physical layout. */
  private computeSlots(layout: Layout, memPages: number): void {
    const map = this.panel.map;
    const n = this.pageOwner.length;
    this.pageSlot = new Float64Array(n);
    const f = this.panel.faults;
    this.faultSlot = new Float64Array(f?.count ?? 0).fill(-1);
    if (layout === 'compact') {
      // Used physical pages, sorted and deduplicated with typed arrays (a Set/Map of a million
      // numbers costs seconds in the browser); slots by binary search.
      const faultPpn = new Float64Array(f?.count ?? 0);
      const all = new Float64Array(n + (f?.count ?? 0));
      let k = 0;
      for (let g = 0; g < n; g++) all[k++] = map!.owners[this.pageOwner[g]!]!.paddr[this.pageIndex[g]!]! / this.ps;
      if (f) for (let i = 0; i < f.count; i++) {
        faultPpn[i] = f.ppage[i]! > 0 ? f.ppage[i]! - 1 : this.lookupPhys(f.pid[i]!, f.vpage[i]!);
        if (faultPpn[i]! >= 0) all[k++] = faultPpn[i]!;
      }
      const sorted = all.subarray(0, k).sort();
      let u = 0;
      for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[u++] = sorted[i]!;
      this.compactPpn = sorted.slice(0, u);
      const ppns = this.compactPpn;
      const slotOf = (ppn: number): number => {
        let lo = 0;
        let hi = ppns.length - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          if (ppns[mid]! < ppn) lo = mid + 1;
          else if (ppns[mid]! > ppn) hi = mid - 1;
          else return mid;
        }
        return -1;
      };
      for (let g = 0; g < n; g++) this.pageSlot[g] = slotOf(map!.owners[this.pageOwner[g]!]!.paddr[this.pageIndex[g]!]! / this.ps);
      if (f) for (let i = 0; i < f.count; i++) this.faultSlot[i] = faultPpn[i]! >= 0 ? slotOf(faultPpn[i]!) : -1;
      this.slotCount = this.compactPpn.length;
    } else if (layout === 'physical') {
      for (let g = 0; g < n; g++) this.pageSlot[g] = map!.owners[this.pageOwner[g]!]!.paddr[this.pageIndex[g]!]! / this.ps;
      if (f) for (let i = 0; i < f.count; i++) this.faultSlot[i] = f.ppage[i]! > 0 ? f.ppage[i]! - 1 : this.lookupPhys(f.pid[i]!, f.vpage[i]!);
      this.memPages = memPages;
      this.slotCount = memPages;
    } else {
      // Virtual: every process page (from the map and the faults), by pid then address, packed.
      const keys = new Map<string, [number, number]>();
      for (let g = 0; g < n; g++) {
        const o = map!.owners[this.pageOwner[g]!]!;
        if (o.pid <= 0) continue;
        const v = o.vaddr[this.pageIndex[g]!]! / this.ps;
        keys.set(`${o.pid}:${v}`, [o.pid, v]);
      }
      if (f) for (let i = 0; i < f.count; i++) keys.set(`${f.pid[i]}:${f.vpage[i]}`, [f.pid[i]!, f.vpage[i]!]);
      this.virtualKeys = [...keys.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      const slotOf = new Map<string, number>();
      this.virtualKeys.forEach(([p, v], i) => slotOf.set(`${p}:${v}`, i));
      for (let g = 0; g < n; g++) {
        const o = map!.owners[this.pageOwner[g]!]!;
        this.pageSlot[g] = o.pid > 0 ? slotOf.get(`${o.pid}:${o.vaddr[this.pageIndex[g]!]! / this.ps}`)! : -1;
      }
      if (f) for (let i = 0; i < f.count; i++) this.faultSlot[i] = slotOf.get(`${f.pid[i]}:${f.vpage[i]}`) ?? -1;
      this.slotCount = this.virtualKeys.length;
    }
    // Sort page ids by slot with one numeric typed-array sort on slot * 2^k + id (a comparator
    // sort of a million pages takes seconds; this takes ~100 ms).
    const k = 2 ** Math.ceil(Math.log2(n + 1));
    let m = 0;
    const keys = new Float64Array(n);
    for (let g = 0; g < n; g++) {
      const s = this.pageSlot[g]!;
      if (s >= 0 && s < this.slotCount) keys[m++] = s * k + g;
    }
    const sortedKeys = keys.subarray(0, m).sort();
    this.bySlot = new Int32Array(m);
    this.sortedSlots = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const key = sortedKeys[i]!;
      const g = key % k;
      this.bySlot[i] = g;
      this.sortedSlots[i] = (key - g) / k;
    }
    this.firstFault = new Map();
    if (f) for (let i = 0; i < f.count; i++) if (this.faultSlot[i]! >= 0 && !this.firstFault.has(this.faultSlot[i]!)) this.firstFault.set(this.faultSlot[i]!, i);
  }

  /** Slots depend on the layout (and memory size) only; pages per row only re-cut the image. */
  private slotKey = '';
  setLayout(layout: Layout, gridWidth: number, memPages: number): void {
    this.gridWidth = Math.max(16, Math.floor(gridWidth));
    if (layout !== 'virtual' && !this.hasPhysical) layout = 'virtual'; // no physical addresses: no map, no uffd log
    const key = `${layout}:${layout === 'physical' ? memPages : 0}`;
    if (key !== this.slotKey) {
      this.layout = layout;
      this.computeSlots(layout, memPages);
      this.slotKey = key;
    }
    this.rows = Math.max(1, Math.ceil(this.slotCount / this.gridWidth));
    this.canvas.width = this.gridWidth;
    this.canvas.height = this.rows;
    const ctx = this.canvas.getContext('2d')!;
    this.image = ctx.createImageData(this.gridWidth, this.rows);
    this.pixels = new Uint32Array(this.image.data.buffer);
    this.base = new Uint32Array(this.pixels.length);
    this.paintBase();
  }

  private v2p: Map<number, Map<number, number>> | null = null;
  private lookupPhys(pid: number, vpage: number): number {
    if (!this.v2p) {
      this.v2p = new Map();
      for (const o of this.panel.map?.owners ?? []) {
        if (o.pid <= 0) continue;
        const m = new Map<number, number>();
        for (let i = 0; i < o.vaddr.length; i++) m.set(o.vaddr[i]! / this.ps, o.paddr[i]! / this.ps);
        this.v2p.set(o.pid, m);
      }
    }
    return this.v2p.get(pid)?.get(vpage) ?? -1;
  }

  /** Global page ids at a slot. */
  pagesAt(slot: number): number[] {
    let lo = 0;
    let hi = this.sortedSlots.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sortedSlots[mid]! < slot) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let i = lo; i < this.sortedSlots.length && this.sortedSlots[i] === slot; i++) out.push(this.bySlot[i]!);
    return out;
  }

  private isSelected(g: number): boolean {
    const s = this.selection;
    if (!s || this.pageOwner[g] !== s.owner) return false;
    const i = this.pageIndex[g]!;
    if (s.category !== undefined && this.panel.pageCategory[s.owner]![i] !== s.category) return false;
    if (s.mapping !== undefined && this.panel.pageMapping[s.owner]![i] !== s.mapping) return false;
    return true;
  }

  /** Colour every slot from its owners and the selection, then replay painted faults. */
  paintBase(): void {
    const px = this.base;
    px.fill(C.background);
    const emptyUpTo = Math.min(px.length, this.slotCount);
    px.fill(C.empty, 0, emptyUpTo);
    const map = this.panel.map;
    const sorted = this.sortedSlots;
    const palette = this.palette;
    let i = 0;
    while (i < sorted.length) {
      const slot = sorted[i]!;
      let procs = 0;
      let kernel = false;
      let cache = false;
      let sel = false;
      let cat = -1;
      let j = i;
      for (; j < sorted.length && sorted[j] === slot; j++) {
        const g = this.bySlot[j]!;
        const pid = map!.owners[this.pageOwner[g]!]!.pid;
        if (pid > 0) {
          procs++;
          if (cat < 0) cat = this.panel.pageCategory[this.pageOwner[g]!]![this.pageIndex[g]!]!;
        } else if (pid === 0) kernel = true;
        else cache = true;
        if (!sel && this.isSelected(g)) sel = true;
      }
      let c: number;
      if (this.colorBy === 'category') {
        // Categories: pages dimmed until a fault lights them up; outside the selection, grey.
        if (this.selection && !sel) c = C.empty + 0x00030303;
        else c = cat >= 0 ? dim(palette[cat % palette.length]!) : kernel ? dim(C.kernel) : dim(C.pagecache);
      } else if (sel) c = procs > 1 ? C.selectedShared : C.selected;
      else if (procs > 1) c = C.shared;
      else if (procs === 1) c = C.used;
      else if (kernel) c = C.kernel;
      else c = cache ? C.pagecache : C.used;
      if (slot < px.length) px[slot] = c;
      i = j;
    }
    this.pixels.set(px);
    this.painted = 0;
    this.dirty = [0, this.rows];
  }

  /** Slots changed since the last flush (painted one by one with fillRect: cheap per frame). */
  private pending: number[] = [];

  /** Paint faults [painted, upTo) on top; going backwards repaints from the base. */
  paintFaults(upTo: number): void {
    const f = this.panel.faults;
    if (!f) return;
    upTo = Math.max(0, Math.min(upTo, f.count));
    if (upTo < this.painted) {
      this.pixels.set(this.base);
      this.painted = 0;
      this.pending = [];
      this.dirty = [0, this.rows];
    }
    const sel = this.selection;
    for (let i = this.painted; i < upTo; i++) {
      const slot = this.faultSlot[i]!;
      if (slot < 0 || slot >= this.pixels.length) continue;
      let c: number;
      if (!this.panel.map) {
        // No page map to compare with: colour by category, or plain.
        const cat = f.category[i]! - 1;
        c = this.colorBy === 'category' && cat >= 0 ? this.palette[cat % this.palette.length]! : C.fault;
      } else {
        const pages = this.pagesAt(slot);
        c = C.faultNew;
        if (pages.length && this.colorBy === 'category') {
          const g = pages.find((x) => this.isSelected(x)) ?? (sel ? undefined : pages[0]);
          const cat = g !== undefined ? this.panel.pageCategory[this.pageOwner[g]!]![this.pageIndex[g]!]! : -1;
          c = g === undefined ? C.shared : cat >= 0 ? this.palette[cat % this.palette.length]! : C.fault;
        } else if (pages.length) c = sel && pages.some((g) => this.isSelected(g)) ? C.faultSelected : C.fault;
      }
      this.pixels[slot] = c;
      if (!this.dirty) this.pending.push(slot);
    }
    this.painted = upTo;
  }

  /** Push changes to the offscreen canvas: whole image after a repaint, else single pixels. */
  flush(): void {
    if (!this.image) return;
    const ctx = this.canvas.getContext('2d')!;
    if (this.dirty) {
      ctx.putImageData(this.image, 0, 0);
      this.dirty = null;
      this.pending = [];
      return;
    }
    if (this.pending.length === 0) return;
    let last = -1;
    for (const slot of this.pending) {
      const c = this.pixels[slot]!;
      if (c !== last) {
        ctx.fillStyle = `rgb(${c & 0xff},${(c >> 8) & 0xff},${(c >> 16) & 0xff})`;
        last = c;
      }
      ctx.fillRect(slot % this.gridWidth, Math.floor(slot / this.gridWidth), 1, 1);
    }
    this.pending = [];
  }
}
