/**
 * The page grid of one panel: every page gets a slot (its physical page number, or its rank in
 * the virtual layout), slots are pixels of an offscreen image (one pixel per page, `gridWidth`
 * pages per row), and the visible part is drawn scaled onto the screen canvas (panel-view.ts).
 * Coordinate spaces: slot → grid (col, row) → image pixels → screen pixels via `scale` and the
 * scroll offset; slotAt() is the one inverse.
 */
import type { Panel } from '../model/pages-view.js';
import { C, CATEGORY_PALETTE, dim, rgb } from './colors.js';

/** physical: slot = physical page number; compact: used physical pages only, in address order; virtual: per process, in address order. */
export type Layout = 'physical' | 'compact' | 'virtual';

export interface Selection {
  owner: number;
  category?: number;
  mapping?: number;
}

/** Where page g of the panel sits: owner, index within the owner. Flattened over owners. */
export class PanelGrid {
  readonly ps: number;
  /** Global page id → owner index / page index / slot. */
  readonly pageOwner: Int32Array;
  readonly pageIndex: Int32Array;
  /** Global page id → physical page number, kind (1 process, 2 kernel, 3 page cache), category, mapping. */
  private readonly pagePpn: Float64Array;
  private readonly pageKind: Uint8Array;
  private readonly pageCat: Int32Array;
  private readonly pageMap: Int32Array;
  /** Global page id → 1 when the selection holds it. */
  private readonly pageSel: Uint8Array;
  /** Owner o's pages are the global ids ownerStart[o] … ownerStart[o + 1] - 1. */
  private readonly ownerStart: Int32Array;
  pageSlot = new Int32Array(0);
  /** Global page ids ordered by slot; slot s holds bySlot[slotStart[s] … slotStart[s + 1] - 1]. */
  bySlot = new Int32Array(0);
  slotStart = new Int32Array(1);
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
  private current: Selection | null = null;
  /** What is highlighted; select() changes it, repainting only what it changes. */
  get selection(): Selection | null {
    return this.current;
  }
  /** Faults painted so far (prefix of the trace). */
  painted = 0;
  image: ImageData | null = null;
  pixels = new Uint32Array(0);
  /** Base colour of every slot without faults (to repaint cheaply). */
  base = new Uint32Array(0);
  private dirty: [number, number] | null = null;
  /** The base colours are out of date (a new layout or colouring): repainted before the next faults. */
  private stale = true;
  readonly canvas = document.createElement('canvas');
  private readonly palette = CATEGORY_PALETTE.map(rgb);

  constructor(readonly panel: Panel) {
    const map = panel.map;
    this.ps = map?.pageSize ?? 4096;
    const owners = map?.owners ?? [];
    let total = 0;
    for (const o of owners) total += o.vaddr.length;
    this.pageOwner = new Int32Array(total);
    this.pageIndex = new Int32Array(total);
    this.pagePpn = new Float64Array(total);
    this.pageKind = new Uint8Array(total);
    this.pageCat = new Int32Array(total);
    this.pageMap = new Int32Array(total);
    this.pageSel = new Uint8Array(total);
    this.ownerStart = new Int32Array(owners.length + 1);
    let g = 0;
    owners.forEach((o, oi) => {
      this.ownerStart[oi] = g;
      const kind = o.pid > 0 ? 1 : o.pid === 0 ? 2 : 3;
      const cats = panel.pageCategory[oi]!;
      const maps = panel.pageMapping[oi]!;
      for (let i = 0; i < o.vaddr.length; i++, g++) {
        this.pageOwner[g] = oi;
        this.pageIndex[g] = i;
        this.pagePpn[g] = o.paddr[i]! / this.ps;
        this.pageKind[g] = kind;
        this.pageCat[g] = cats[i]!;
        this.pageMap[g] = maps[i]!;
      }
    });
    this.ownerStart[owners.length] = g;
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
    for (let g = 0; g < this.pagePpn.length; g++) if (this.pagePpn[g]! > max) max = this.pagePpn[g]!;
    const f = this.panel.faults;
    if (f) for (let i = 0; i < f.count; i++) if (f.ppage[i]! - 1 > max) max = f.ppage[i]! - 1;
    return Math.floor(max);
  }

  /**
   * Slots of the used physical pages in address order (compact layout): a presence bitmap over
   * the page numbers where they are few enough (a million pages in ~20 ms), else a sort.
   */
  private compactSlots(faultPpn: Float64Array): (ppn: number) => number {
    const n = this.pagePpn.length;
    let max = 0;
    for (let g = 0; g < n; g++) if (this.pagePpn[g]! > max) max = this.pagePpn[g]!;
    for (const p of faultPpn) if (p > max) max = p;
    if (max < 2 ** 25) {
      const slotOfPpn = new Int32Array(max + 1);
      for (let g = 0; g < n; g++) slotOfPpn[this.pagePpn[g]!] = 1;
      for (const p of faultPpn) if (p >= 0) slotOfPpn[p] = 1;
      let used = 0;
      for (let p = 0; p <= max; p++) if (slotOfPpn[p]) used++;
      this.compactPpn = new Float64Array(used);
      let k = 0;
      for (let p = 0; p <= max; p++) {
        if (!slotOfPpn[p]) slotOfPpn[p] = -1;
        else {
          this.compactPpn[k] = p;
          slotOfPpn[p] = k++;
        }
      }
      return (ppn) => (ppn >= 0 ? slotOfPpn[ppn]! : -1);
    }
    const all = new Float64Array(n + faultPpn.length);
    all.set(this.pagePpn);
    let k = n;
    for (const p of faultPpn) if (p >= 0) all[k++] = p;
    const sorted = all.subarray(0, k).sort();
    let u = 0;
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[u++] = sorted[i]!;
    const ppns = (this.compactPpn = sorted.slice(0, u));
    return (ppn) => {
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
  }

  /** Assign slots for a layout; physical memory size (pages) applies to the physical layout. */
  private computeSlots(layout: Layout, memPages: number): void {
    const map = this.panel.map;
    const n = this.pageOwner.length;
    this.pageSlot = new Int32Array(n);
    const f = this.panel.faults;
    this.faultSlot = new Float64Array(f?.count ?? 0).fill(-1);
    if (layout === 'compact') {
      const faultPpn = new Float64Array(f?.count ?? 0);
      if (f) for (let i = 0; i < f.count; i++) faultPpn[i] = f.ppage[i]! > 0 ? f.ppage[i]! - 1 : this.lookupPhys(f.pid[i]!, f.vpage[i]!);
      const slotOf = this.compactSlots(faultPpn);
      for (let g = 0; g < n; g++) this.pageSlot[g] = slotOf(this.pagePpn[g]!);
      for (let i = 0; i < faultPpn.length; i++) this.faultSlot[i] = slotOf(faultPpn[i]!);
      this.slotCount = this.compactPpn.length;
    } else if (layout === 'physical') {
      for (let g = 0; g < n; g++) this.pageSlot[g] = this.pagePpn[g]! < memPages ? this.pagePpn[g]! : -1;
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
    // Page ids grouped by slot with a counting sort (linear; a comparator sort of a million
    // pages takes seconds in the browser).
    const start = new Int32Array(this.slotCount + 1);
    for (let g = 0; g < n; g++) {
      const s = this.pageSlot[g]!;
      if (s >= 0 && s < this.slotCount) start[s + 1]!++;
      else this.pageSlot[g] = -1;
    }
    for (let s = 0; s < this.slotCount; s++) start[s + 1]! += start[s]!;
    const cursor = start.slice(0, this.slotCount);
    this.bySlot = new Int32Array(start[this.slotCount]!);
    for (let g = 0; g < n; g++) {
      const s = this.pageSlot[g]!;
      if (s >= 0) this.bySlot[cursor[s]!++] = g;
    }
    this.slotStart = start;
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
    this.stale = true;
    this.painted = 0;
  }

  /** A new colouring: the base is repainted before the next faults. */
  setColorBy(by: 'owner' | 'category'): void {
    if (by === this.colorBy) return;
    this.colorBy = by;
    this.stale = true;
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
  pagesAt(slot: number): Int32Array {
    if (!(slot >= 0 && slot < this.slotCount)) return this.bySlot.subarray(0, 0);
    return this.bySlot.subarray(this.slotStart[slot]!, this.slotStart[slot + 1]!);
  }

  private isSelected(g: number): boolean {
    return this.pageSel[g] === 1;
  }

  /** Mark the pages of the selection (and unmark the previous one's). */
  private markSelection(prev: Selection | null, next: Selection | null): void {
    if (prev) this.pageSel.fill(0, this.ownerStart[prev.owner]!, this.ownerStart[prev.owner + 1]!);
    if (!next) return;
    for (let g = this.ownerStart[next.owner]!; g < this.ownerStart[next.owner + 1]!; g++) {
      if ((next.category === undefined || this.pageCat[g] === next.category) && (next.mapping === undefined || this.pageMap[g] === next.mapping)) this.pageSel[g] = 1;
    }
  }

  /** The base colour of a slot holding pages bySlot[a … b - 1]. */
  private slotColor(a: number, b: number): number {
    let procs = 0;
    let kernel = false;
    let cache = false;
    let sel = false;
    let cat = -1;
    for (let j = a; j < b; j++) {
      const g = this.bySlot[j]!;
      const kind = this.pageKind[g]!;
      if (kind === 1) {
        procs++;
        if (cat < 0) cat = this.pageCat[g]!;
      } else if (kind === 2) kernel = true;
      else cache = true;
      if (this.pageSel[g]) sel = true;
    }
    const palette = this.palette;
    if (this.colorBy === 'category') {
      // Categories: pages dimmed until a fault lights them up; outside the selection, grey.
      if (this.selection && !sel) return C.empty + 0x00030303;
      return cat >= 0 ? dim(palette[cat % palette.length]!) : kernel ? dim(C.kernel) : dim(C.pagecache);
    }
    if (sel) return procs > 1 ? C.selectedShared : C.selected;
    if (procs > 1) return C.shared;
    if (procs === 1) return C.used;
    if (kernel) return C.kernel;
    return cache ? C.pagecache : C.used;
  }

  /** Colour every slot from its owners and the selection; faults are replayed on top next. */
  paintBase(): void {
    const px = this.base;
    px.fill(C.background);
    const slots = Math.min(px.length, this.slotCount);
    px.fill(C.empty, 0, slots);
    const start = this.slotStart;
    for (let s = 0; s < slots; s++) if (start[s + 1]! > start[s]!) px[s] = this.slotColor(start[s]!, start[s + 1]!);
    this.pixels.set(px);
    this.painted = 0;
    this.stale = false;
    this.dirty = [0, this.rows];
  }

  /**
   * Select (or, with null, clear): only the slots of the pages whose highlight changes are
   * repainted (those of the old and the new selection's process), and the faults already
   * played on them painted again.
   */
  select(next: Selection | null): void {
    const prev = this.current;
    this.current = next;
    this.markSelection(prev, next);
    // Categories grey out everything outside a selection: none ↔ some changes every slot.
    if (this.stale || (this.colorBy === 'category' && !prev !== !next)) {
      const painted = this.painted;
      this.paintBase();
      this.paintFaults(painted);
      return;
    }
    const touched = new Uint8Array(this.pixels.length);
    let changed = 0;
    for (const owner of new Set([prev?.owner, next?.owner])) {
      if (owner === undefined) continue;
      for (let g = this.ownerStart[owner]!; g < this.ownerStart[owner + 1]!; g++) {
        const s = this.pageSlot[g]!;
        if (s < 0 || s >= this.pixels.length || touched[s]) continue;
        touched[s] = 1;
        changed++;
        this.base[s] = this.slotColor(this.slotStart[s]!, this.slotStart[s + 1]!);
        this.pixels[s] = this.base[s]!;
      }
    }
    if (!changed) return;
    const f = this.panel.faults;
    for (let i = 0; f && i < this.painted; i++) {
      const s = this.faultSlot[i]!;
      if (s >= 0 && touched[s]) this.pixels[s] = this.faultColor(i, s);
    }
    this.dirty = [0, this.rows];
  }

  /** The colour of fault i drawn on slot s. */
  private faultColor(i: number, slot: number): number {
    const f = this.panel.faults!;
    if (!this.panel.map) {
      // No page map to compare with: colour by category, or plain.
      const cat = f.category[i]! - 1;
      return this.colorBy === 'category' && cat >= 0 ? this.palette[cat % this.palette.length]! : C.fault;
    }
    const pages = this.pagesAt(slot);
    if (!pages.length) return C.faultNew;
    const sel = this.selection;
    if (this.colorBy === 'category') {
      const g = pages.find((x) => this.isSelected(x)) ?? (sel ? undefined : pages[0]);
      const cat = g !== undefined ? this.pageCat[g]! : -1;
      return g === undefined ? C.shared : cat >= 0 ? this.palette[cat % this.palette.length]! : C.fault;
    }
    return sel && pages.some((g) => this.isSelected(g)) ? C.faultSelected : C.fault;
  }

  /** Slots changed since the last flush (painted one by one with fillRect: cheap per frame). */
  private pending: number[] = [];

  /** Paint faults [painted, upTo) on top; going backwards repaints from the base. */
  paintFaults(upTo: number): void {
    if (this.stale) this.paintBase();
    const f = this.panel.faults;
    if (!f) return;
    upTo = Math.max(0, Math.min(upTo, f.count));
    if (upTo < this.painted) {
      this.pixels.set(this.base);
      this.painted = 0;
      this.pending = [];
      this.dirty = [0, this.rows];
    }
    for (let i = this.painted; i < upTo; i++) {
      const slot = this.faultSlot[i]!;
      if (slot < 0 || slot >= this.pixels.length) continue;
      this.pixels[slot] = this.faultColor(i, slot);
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
