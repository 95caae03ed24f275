/** Small DOM and text helpers the visualizer's parts share. */

/** An element with attributes (`class` as className) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...kids: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
}

/** An address as 0x plus 12 hex digits (48-bit user space). */
export const hex = (v: number): string => '0x' + v.toString(16).padStart(12, '0');

/** Kilobytes as KB, MB or GB with one decimal past ten units. */
export function kb(v: number): string {
  if (v >= 10 * 1024 * 1024) return `${(v / 1024 / 1024).toFixed(1)} GB`;
  if (v >= 10 * 1024) return `${(v / 1024).toFixed(1)} MB`;
  return `${Math.round(v)} KB`;
}

/** The last component of a path. */
export const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
