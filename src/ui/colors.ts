/** The visualizer's colours: named CSS colours, the same as pixels, and the category palette. */

// Colours as 0xAABBGGRR (little-endian RGBA in a Uint32Array).
export function rgb(hex: string): number {
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
export function dim(c: number): number {
  const r = c & 0xff, g = (c >> 8) & 0xff, b = (c >> 16) & 0xff;
  const k = 0.4;
  return (0xff << 24) | (Math.round(b * k) << 16) | (Math.round(g * k) << 8) | Math.round(r * k);
}
export const C = Object.fromEntries(Object.entries(COLORS).map(([k, v]) => [k, rgb(v)])) as Record<keyof typeof COLORS, number>;
export const CATEGORY_PALETTE = ['#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#fabebe', '#008080', '#e6beff', '#9a6324', '#fffac8', '#800000', '#aaffc3', '#808000', '#ffd8b1'];
