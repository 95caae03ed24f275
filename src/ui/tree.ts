/**
 * The side panel: the process → category → mapping tree with virtual / RSS / touched sizes
 * (click to select, the arrow to open), the summary table, and the inputs' problems.
 */
import type { Panel, TreeOwner } from '../model/pages-view.js';
import { base, el, hex, kb } from './dom.js';
import { CATEGORY_PALETTE } from './colors.js';
import type { Selection } from './grid.js';

export interface TreeHost {
  /** The focused panel's selection. */
  selection(): Selection | null;
  select(owner: number, category?: number, mapping?: number): void;
  colorBy(): 'owner' | 'category';
}

function nums(virt: number, rss: number, touched: number): HTMLElement {
  return el('span', { class: 'nums' }, el('span', { title: 'virtual' }, virt ? kb(virt) : '–'), el('span', { title: 'resident (RSS)' }, kb(rss)), el('span', { title: 'touched during the trace' }, touched ? kb(touched) : '–'));
}

export class SidePanel {
  private readonly tree = el('div', { id: 'tree', 'data-testid': 'tree' });
  private readonly summary = el('div', { id: 'summary', hidden: '' });
  private readonly problems = el('div', { id: 'problems' });
  readonly el: HTMLElement;
  /** Open rows: "owner" and "owner/category". */
  private readonly expanded = new Set<string>();
  private panel: Panel | undefined;

  constructor(private readonly host: TreeHost) {
    const tabTree = el('button', { class: 'tab on' }, 'tree');
    const tabSummary = el('button', { class: 'tab' }, 'summary');
    const show = (treeOn: boolean): void => {
      this.tree.hidden = !treeOn;
      this.summary.hidden = treeOn;
      tabTree.classList.toggle('on', treeOn);
      tabSummary.classList.toggle('on', !treeOn);
    };
    tabTree.onclick = () => show(true);
    tabSummary.onclick = () => show(false);
    this.el = el('aside', { id: 'side' }, el('div', { class: 'tabs' }, tabTree, tabSummary), this.tree, this.summary, this.problems);
  }

  /**
   * What to show first: the mapping the trace touched most (else the largest resident one) in a
   * process, opened in the tree and highlighted among the rest, so the grid has contrast at once.
   */
  firstSelection(p: Panel | undefined): Selection | null {
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
    this.expanded.add(String(best.owner));
    this.expanded.add(`${best.owner}/${best.cat}`);
    return { owner: best.owner, mapping: best.m };
  }

  private isSel(owner: number, category?: number, mapping?: number): boolean {
    const s = this.host.selection();
    return !!s && s.owner === owner && s.category === category && s.mapping === mapping;
  }

  /** A row's arrow opens or closes it. */
  private toggle(row: HTMLElement, key: string): void {
    row.querySelector('.tog')!.addEventListener('click', (e) => {
      e.stopPropagation();
      if (!this.expanded.delete(key)) this.expanded.add(key);
      this.render();
    });
  }

  /** Draw the tree, summary and problems of a panel (the last one given, by default). */
  render(p: Panel | undefined = this.panel): void {
    if (!p) return;
    this.panel = p;
    const { tree, expanded, host } = this;
    tree.replaceChildren(el('div', { class: 'thead' }, el('span', {}, p.title), el('span', { class: 'nums' }, el('span', {}, 'virtual'), el('span', {}, 'rss'), el('span', {}, 'touched'))));
    const owners: TreeOwner[] = [...p.tree].sort((a, b) => (a.pid > 0 ? 0 : 1) - (b.pid > 0 ? 0 : 1) || b.rssKb - a.rssKb);
    for (const o of owners) {
      const key = `${o.owner}`;
      const open = expanded.has(key);
      const row = el('div', { class: `row l0${this.isSel(o.owner) ? ' sel' : ''}`, 'data-pid': String(o.pid), 'data-testid': `tree-pid-${o.pid}` },
        el('span', { class: 'tog' }, open ? '▾' : '▸'),
        el('span', { class: 'name', title: o.exe }, o.pid > 0 ? `${o.pid} ${base(o.exe)}` : o.exe),
        nums(o.pid === -1 ? 0 : o.virtualKb, o.rssKb, o.touchedKb));
      this.toggle(row, key);
      row.addEventListener('click', () => host.select(o.owner));
      tree.append(row);
      if (!open) continue;
      for (const c of o.categories) {
        const ckey = `${o.owner}/${c.cat}`;
        const copen = expanded.has(ckey);
        const chip = host.colorBy() === 'category' ? el('i', { class: 'cchip', style: `background:${CATEGORY_PALETTE[c.cat % CATEGORY_PALETTE.length]}` }) : '';
        const crow = el('div', { class: `row l1${this.isSel(o.owner, c.cat) ? ' sel' : ''}` }, el('span', { class: 'tog' }, copen ? '▾' : '▸'), el('span', { class: 'name' }, chip, c.name), nums(c.virtualKb, c.rssKb, c.touchedKb));
        this.toggle(crow, ckey);
        crow.addEventListener('click', () => host.select(o.owner, c.cat));
        tree.append(crow);
        if (!copen) continue;
        for (const m of c.mappings) {
          const mrow = el('div', { class: `row l2${this.isSel(o.owner, undefined, m.m) ? ' sel' : ''}`, title: `${hex(m.start)}-${hex(m.end)} ${m.perms ?? ''} ${m.name}` },
            el('span', { class: 'tog' }), el('span', { class: 'name' }, `${base(m.name) || m.name}${m.perms ? ` ${m.perms}` : ''}`), nums(m.virtualKb, m.rssKb, m.touchedKb));
          mrow.addEventListener('click', () => host.select(o.owner, undefined, m.m));
          tree.append(mrow);
        }
      }
    }
    // Summary: the table researchers write by hand.
    const t = el('table', {}, el('tr', {}, ...['pid', 'process', 'category', 'rss', 'touched', 'shared', 'page cache'].map((h) => el('th', {}, h))));
    for (const r of p.summary.rows) t.append(el('tr', {}, el('td', {}, String(r.pid)), el('td', {}, base(r.exe)), el('td', {}, r.category), el('td', {}, kb(r.rssKb)), el('td', {}, r.touchedKb ? kb(r.touchedKb) : '–'), el('td', {}, kb(r.sharedKb)), el('td', {}, kb(r.pageCacheKb))));
    const tot = p.summary.totals;
    this.summary.replaceChildren(t, el('p', {}, tot.faults ? `${tot.faults} faults, ${((100 * tot.attributedFaults) / tot.faults).toFixed(1)}% attributed to a named mapping, ${kb(tot.touchedKb)} touched` : 'no trace'));
    this.problems.replaceChildren(...p.problems.slice(0, 20).map((x) => el('div', {}, x)));
    if (p.problems.length > 20) this.problems.append(el('div', {}, `… and ${p.problems.length - 20} more`));
  }
}
