/** The colour legend in the footer: what each colour means in the current colouring. */
import type { Panel } from '../model/pages-view.js';
import { el } from './dom.js';
import { CATEGORY_PALETTE, COLORS } from './colors.js';

const OWNER_CHIPS = [['used', 'process'], ['shared', 'shared'], ['kernel', 'kernel'], ['pagecache', 'page cache'], ['selected', 'selected'], ['selectedShared', 'selected, shared'], ['faultSelected', 'fault (selection)'], ['fault', 'fault'], ['faultNew', 'fault, page not in map']] as const;

export function renderLegend(legend: HTMLElement, colorBy: 'owner' | 'category', panels: readonly Panel[], categories: readonly string[]): void {
  if (colorBy === 'category') {
    const used = new Set<number>();
    for (const p of panels) for (const o of p.tree) for (const c of o.categories) used.add(c.cat);
    legend.replaceChildren(...[...used].sort((a, b) => a - b).map((c) => el('span', { class: 'chip' }, el('i', { style: `background:${CATEGORY_PALETTE[c % CATEGORY_PALETTE.length]}` }), categories[c]!)),
      el('span', { class: 'chip' }, '(dim: not touched yet)'));
    return;
  }
  legend.replaceChildren(...OWNER_CHIPS.map(([k, label]) => el('span', { class: 'chip' }, el('i', { style: `background:${COLORS[k]}` }), label)));
}
