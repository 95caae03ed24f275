/**
 * Frame colours, one place for the HTML page, the SVG and their legends. Pure: it runs in the
 * CLI and, bundled, in the page.
 *
 * `kind` (the default) colours by what ran a frame (kernel, native, JIT JS, JIT Java,
 * interpreted). The others are flamegraph.pl's palettes with its rules: `hot` `mem` `io`
 * themes; `java` `js` `perl` choose a hue from the frame's name; `red` `green` `blue` `aqua`
 * `yellow` `purple` `orange` are one hue each. Within a hue the shade is derived from the name
 * alone, so one function has one colour in every graph (what flamegraph.pl's --cp keeps in a
 * palette.map file, without the file); `hash` switches to flamegraph.pl's --hash shading, which
 * gives similar names similar shades.
 */

export const PALETTES = ['kind', 'hot', 'mem', 'io', 'java', 'js', 'perl', 'red', 'green', 'blue', 'aqua', 'yellow', 'purple', 'orange'] as const;
export type Palette = (typeof PALETTES)[number];

/** A stable number in [0, 1) from a name (FNV-1a). */
function nameRandom(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return ((h >>> 0) % 1000) / 1000;
}

/** flamegraph.pl's namehash: early characters weigh most; a module prefix (`mod`func) is cut to its first character. */
function nameHash(name: string): number {
  const tick = name.indexOf('`', 1);
  const s = tick >= 0 ? name.slice(0, 1) + name.slice(tick + 1) : name;
  let vector = 0;
  let weight = 1;
  let max = 1;
  let mod = 10;
  for (const ch of s) {
    const i = ch.codePointAt(0)! % mod;
    vector += (i / (mod - 1)) * weight;
    mod++;
    max += weight;
    weight *= 0.7;
    if (mod > 12) break;
  }
  return 1 - vector / max;
}

const rgb = (r: number, g: number, b: number): string => `rgb(${r | 0},${g | 0},${b | 0})`;

function hue(type: string, v1: number): string {
  switch (type) {
    case 'red': return rgb(200 + 55 * v1, 50 + 80 * v1, 50 + 80 * v1);
    case 'green': return rgb(50 + 60 * v1, 200 + 55 * v1, 50 + 60 * v1);
    case 'blue': return rgb(80 + 60 * v1, 80 + 60 * v1, 205 + 50 * v1);
    case 'yellow': return rgb(175 + 55 * v1, 175 + 55 * v1, 50 + 20 * v1);
    case 'purple': return rgb(190 + 65 * v1, 80 + 60 * v1, 190 + 65 * v1);
    case 'aqua': return rgb(50 + 60 * v1, 165 + 55 * v1, 165 + 55 * v1);
    case 'orange': return rgb(190 + 65 * v1, 90 + 65 * v1, 0);
    default: return 'rgb(0,0,0)';
  }
}

/** flamegraph.pl's multi-hue palettes: the hue from the name. */
function hueOf(palette: 'java' | 'js' | 'perl', name: string): string {
  if (palette === 'java') {
    if (name.endsWith('_[j]')) return 'green';
    if (name.endsWith('_[i]')) return 'aqua';
    if (/^L?(java|javax|jdk|net|org|com|io|sun)\//.test(name)) return 'green';
    if (name.includes(':::')) return 'green';
    if (name.includes('::')) return 'yellow';
    if (name.endsWith('_[k]')) return 'orange';
    return 'red';
  }
  if (palette === 'perl') {
    if (name.includes('::')) return 'yellow';
    if (name.includes('Perl') || name.includes('.pl')) return 'green';
    if (name.endsWith('_[k]')) return 'orange';
    return 'red';
  }
  if (name.endsWith('_[j]')) return name.includes('/') ? 'green' : 'aqua';
  if (name.includes('::')) return 'yellow';
  if (/\/.*\.js/.test(name)) return 'green';
  if (name.includes(':')) return 'aqua';
  if (name === ' ') return 'green';
  if (name.includes('_[k]')) return 'orange';
  return 'red';
}

/** thaw's own palette: a hue family per frame kind. */
function kindColour(kind: string, v: number): string {
  switch (kind) {
    case 'kernel': return rgb(240 + 15 * v, 160 + 40 * v, 30 + 40 * v);
    case 'jit-js': return rgb(60 + 60 * v, 190 + 40 * v, 60 + 40 * v);
    case 'jit-java': return rgb(40 + 40 * v, 175 + 50 * v, 185 + 50 * v);
    case 'interpreted': return rgb(220 + 30 * v, 205 + 40 * v, 60 + 40 * v);
    case 'native': return rgb(215 + 40 * v, 60 + 55 * v, 55 + 30 * v);
    case 'root': return 'rgb(190,190,200)';
    default: return rgb(170 + 30 * v, 170 + 30 * v, 175 + 30 * v);
  }
}

/** The colour of a frame called `name` of kind `kind`. */
export function frameColour(name: string, kind: string, palette: Palette, hash = false): string {
  const v1 = hash ? nameHash(name) : nameRandom(name);
  const v2 = hash ? nameHash([...name].reverse().join('')) : v1;
  switch (palette) {
    case 'kind': return kindColour(kind, v1);
    case 'hot': return rgb(205 + 50 * v2, 230 * v1, 55 * v2);
    case 'mem': return rgb(0, 190 + 50 * v2, 210 * v1);
    case 'io': return rgb(80 + 60 * v1, 80 + 60 * v1, 190 + 55 * v2);
    case 'java':
    case 'js':
    case 'perl': return hue(hueOf(palette, name), v1);
    default: return hue(palette, v1);
  }
}

/** Legend entries: a sample colour and a label per hue the palette uses. */
export function legend(palette: Palette): Array<[colour: string, label: string]> {
  switch (palette) {
    case 'kind': return [['rgb(248,180,50)', 'kernel'], ['rgb(230,85,70)', 'native'], ['rgb(90,210,80)', 'JIT JS'], ['rgb(60,200,210)', 'JIT Java'], ['rgb(235,225,80)', 'interpreted']];
    case 'java': return [[hue('green', 0.5), 'Java (JIT)'], [hue('aqua', 0.5), 'inlined'], [hue('yellow', 0.5), 'C++'], [hue('orange', 0.5), 'kernel'], [hue('red', 0.5), 'system']];
    case 'js': return [[hue('green', 0.5), 'JS'], [hue('aqua', 0.5), 'built-in'], [hue('yellow', 0.5), 'C++'], [hue('orange', 0.5), 'kernel'], [hue('red', 0.5), 'system']];
    case 'perl': return [[hue('green', 0.5), 'Perl'], [hue('yellow', 0.5), 'C++'], [hue('orange', 0.5), 'kernel'], [hue('red', 0.5), 'system']];
    default: return [];
  }
}
