/**
 * Folded stacks → Profile. The format of stackcollapse-*.pl and `thaw fold`
 * (`thaw fold out.perf-script.txt > out.folded`): one line per distinct stack, root first,
 * frames joined by `;`, a space, and the weight:
 *
 *     node;[unknown];JS:*fib /tmp/work.js:1:13;JS:*fib /tmp/work.js:1:13 4012036
 */
import { classifyFoldedStack, ProfileBuilder, type Profile, type WeightUnit } from '../model/profile.js';
import { ThawError } from '../errors.js';

/** `frames weight`: the weight is the last field; frames may hold spaces, even end in one (`std::function<void ` once stackcollapse cut the parenthesis). */
const LINE_RE = /^(.*) (\d+(?:\.\d+)?)$/;

export interface FoldedLine {
  frames: string[];
  weight: number;
}

/** Parses folded text; null when the first meaningful line is not folded. */
export function parseFolded(text: string): { lines: FoldedLine[]; bad: number[] } | null {
  const lines: FoldedLine[] = [];
  const bad: number[] = [];
  let n = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const l = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    n++;
    start = end + 1;
    if (l === '' || l.startsWith('#')) continue;
    const m = LINE_RE.exec(l);
    if (!m) {
      if (lines.length === 0) return null;
      bad.push(n);
      continue;
    }
    lines.push({ frames: m[1]!.split(';'), weight: Number(m[2]) });
  }
  if (lines.length === 0) return null;
  return { lines, bad };
}

export function importFolded(text: string, name = 'folded', unit: WeightUnit = 'samples'): Profile | null {
  const parsed = parseFolded(text);
  if (!parsed) return null;
  if (parsed.bad.length > parsed.lines.length) {
    throw new ThawError('E_PROFILE_INPUT', `${name}: ${parsed.bad.length} lines are not folded stacks (first at line ${parsed.bad[0]})`, { hint: 'folded lines read `frame;frame;frame COUNT`' });
  }
  const b = new ProfileBuilder(name, unit);
  for (const l of parsed.lines) {
    const kinds = classifyFoldedStack(l.frames);
    if (kinds.length > 0 && /^[\w.-]+$/.test(l.frames[0]!) && kinds[0] === 'native') kinds[0] = 'process';
    b.add(l.frames, l.weight, kinds, unit === 'samples' ? l.weight : 0);
  }
  return b.build();
}
