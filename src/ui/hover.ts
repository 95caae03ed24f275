/**
 * The tooltip over a page: the slot's physical (or virtual) address, every page that lives there
 * with its owner, virtual address, mapping, category and flags, and the first fault on it.
 */
import { escapeHtml as esc } from '../html.js';
import { FF, type Panel } from '../model/pages-view.js';
import { base, el, hex } from './dom.js';
import { slotAt, type PanelView } from './panel-view.js';

/** One fault as a line: when, what access, who, where. */
function faultLine(p: Panel, ps: number, i: number, painted: number): string {
  const f = p.faults!;
  const fl = f.flags[i]!;
  const access = fl & FF.PREFETCH ? 'prefetch' : fl & FF.EXEC ? 'exec' : fl & FF.WRITE ? 'write' : fl & FF.UNKNOWN ? 'access' : 'read';
  const kind = fl & FF.MAJOR ? 'major' : fl & FF.MINOR ? 'minor' : '';
  const action = fl & FF.LOAD ? 'loaded' : fl & FF.ZERO ? 'zeroed' : '';
  const name = f.mapping[i]! > 0 ? f.names[f.mapping[i]! - 1]! : 'unattributed';
  const who = f.pid[i] ? ` pid ${f.pid[i]}${f.tid[i] && f.tid[i] !== f.pid[i] ? `/${f.tid[i]}` : ''}` : f.tid[i] ? ` tid ${f.tid[i]}` : '';
  return `fault #${i + 1} at ${(f.timeUs[i]! / 1000).toFixed(3)} ms: ${[access, kind, action].filter(Boolean).join(' ')}${who} @ ${hex(f.vpage[i]! * ps + f.offset[i]!)} in ${name}${i >= painted ? ' (not played yet)' : ''}`;
}

/** The tooltip's lines (HTML) for a slot, or null where there is no slot. */
export function slotLines(v: PanelView, slot: number, categories: readonly string[]): string[] | null {
  if (slot < 0 || slot >= v.grid.slotCount) return null;
  const ps = v.grid.ps;
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
    const cat = categories[v.panel.pageCategory[oi]![i]!] ?? '';
    if (o.pid > 0) {
      const m = o.mappings[mi];
      const bits = (o.flags[i]! & 1 ? 'exclusive' : 'shared') + (o.flags[i]! & 4 ? ', huge page' : '');
      lines.push(`${o.pid} ${esc(base(o.exe))} @ ${hex(o.vaddr[i]!)} ${m ? esc(m.name || '[anon]') : ''} <i>${cat}, ${bits}</i>`);
    } else {
      lines.push(`${o.pid === 0 ? 'kernel' : 'page cache'} <i>kpageflags 0x${o.flags[i]!.toString(16)}</i>${o.pid === 0 && o.mappings[mi] ? ' ' + esc(o.mappings[mi]!.name) : ''}`);
    }
  }
  const fi = v.grid.firstFault.get(slot);
  if (fi !== undefined) lines.push(esc(faultLine(v.panel, ps, fi, v.grid.painted)));
  if (lines.length === 1) lines.push('<i>no page here</i>');
  if (v.grid.layout === 'compact') lines[0] = `<b>physical ${hex((v.grid.compactPpn[slot] ?? 0) * ps)}</b> (page ${v.grid.compactPpn[slot]})`;
  return lines;
}

/** The tooltip element, shown by every panel's pointer. */
export class Tip {
  readonly el = el('div', { id: 'tip', class: 'tip', hidden: '' });

  constructor(private readonly categories: readonly string[]) {}

  /** Follow the pointer over a panel drawn at this scale. */
  attach(v: PanelView, scale: () => number): void {
    v.scroller.addEventListener('mousemove', (e) => this.show(v, scale(), e));
    v.scroller.addEventListener('mouseleave', () => (this.el.hidden = true));
  }

  private show(v: PanelView, scale: number, e: MouseEvent): void {
    const lines = slotLines(v, slotAt(v, scale, e.clientX, e.clientY), this.categories);
    const tip = this.el;
    if (!lines) {
      tip.hidden = true;
      return;
    }
    tip.innerHTML = lines.join('<br>');
    tip.hidden = false;
    const x = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
    const y = Math.min(e.clientY + 14, window.innerHeight - tip.offsetHeight - 8);
    tip.style.left = `${x}px`;
    tip.style.top = `${y}px`;
  }
}
