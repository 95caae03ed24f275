/**
 * Folded stacks → Profile. The format of stackcollapse-*.pl and `thaw fold`
 * (`thaw fold out.perf-script.txt > out.folded`): one line per distinct stack, root first,
 * frames joined by `;`, whitespace, and the weight:
 *
 *     node;[unknown];JS:*fib /tmp/work.js:1:13;JS:*fib /tmp/work.js:1:13 4012036
 *
 * Read as flamegraph.pl reads it: the weight is digits with an optional fraction (`6`, `6.`,
 * `6.5`); a second number makes the line differential (`stack before after`, what difffolded.pl
 * writes). Lines starting with `#` or `//` are comments. Lines that are none of these are
 * counted and reported, never dropped silently.
 */
import { classifyFoldedStack, ProfileBuilder, type Profile, type WeightUnit } from '../model/profile.js';
import { ThawError } from '../errors.js';

/** `frames weight`: the weight is the last field; frames may hold spaces, even end in one (`std::function<void ` once stackcollapse cut the parenthesis). */
const LINE_RE = /^(.*)\s(\d+(?:\.\d*)?)$/;

export interface FoldedLine {
  frames: string[];
  weight: number;
  /** The first column of a two-column (differential) line: the weight before. */
  before?: number;
}

export interface ParsedFolded {
  lines: FoldedLine[];
  /** Line numbers (from 1) of lines that are not folded stacks. */
  bad: number[];
  /** Every line carries two numbers: `stack before after`. */
  twoColumn: boolean;
}

const isComment = (l: string): boolean => l.startsWith('#') || l.startsWith('//');

/** Parses folded text; null when the first meaningful line is not folded. */
export function parseFolded(text: string): ParsedFolded | null {
  const lines: Array<FoldedLine & { stack: string }> = [];
  const bad: number[] = [];
  let n = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const l = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    n++;
    start = end + 1;
    if (l.trim() === '' || isComment(l)) continue;
    const m = LINE_RE.exec(l);
    // A weight too long for a double (hundreds of digits) is damage, not a count.
    if (!m || m[1]!.trim() === '' || !Number.isFinite(Number(m[2]))) {
      if (lines.length === 0) return null;
      bad.push(n);
      continue;
    }
    lines.push({ stack: m[1]!, frames: [], weight: Number(m[2]) });
  }
  if (lines.length === 0) return null;
  // Differential only when every line has two numbers: a frame name may end in a number.
  const second = lines.map((l) => LINE_RE.exec(l.stack));
  const twoColumn = second.every((m) => m !== null && m[1]!.trim() !== '' && Number.isFinite(Number(m[2])));
  const out: FoldedLine[] = lines.map((l, i) => {
    if (twoColumn) {
      const m = second[i]!;
      return { frames: m[1]!.split(';'), weight: l.weight, before: Number(m[2]) };
    }
    return { frames: l.stack.split(';'), weight: l.weight };
  });
  return { lines: out, bad, twoColumn };
}

/** One warning line for skipped lines, or none. */
export function badLinesWarning(bad: readonly number[]): string[] {
  if (bad.length === 0) return [];
  return [`${bad.length} line${bad.length === 1 ? ' is' : 's are'} not folded stacks and ${bad.length === 1 ? 'was' : 'were'} skipped (first at line ${bad[0]})`];
}

function kindsOf(frames: string[]) {
  const kinds = classifyFoldedStack(frames);
  if (kinds.length > 0 && /^[\w.-]+$/.test(frames[0]!) && kinds[0] === 'native') kinds[0] = 'process';
  return kinds;
}

export function importFolded(text: string, name = 'folded', unit: WeightUnit = 'samples'): Profile | null {
  const parsed = parseFolded(text);
  if (!parsed) return null;
  if (parsed.bad.length > parsed.lines.length) {
    throw new ThawError('E_PROFILE_INPUT', `${name}: ${parsed.bad.length} lines are not folded stacks (first at line ${parsed.bad[0]})`, { hint: 'folded lines read `frame;frame;frame COUNT`' });
  }
  const warnings = badLinesWarning(parsed.bad);
  const side = (pick: (l: FoldedLine) => number, sideName: string): Profile => {
    const b = new ProfileBuilder(sideName, unit);
    for (const l of parsed.lines) {
      const w = pick(l);
      b.add(l.frames, w, kindsOf(l.frames), unit === 'samples' ? w : 0);
    }
    return b.build();
  };
  const target = side((l) => l.weight, name);
  if (!parsed.twoColumn) return warnings.length ? { ...target, warnings } : target;
  // flamegraph.pl's differential input: widths and the graph from the second column, the change from the first.
  const base = side((l) => l.before!, 'before');
  return { ...target, base, ...(warnings.length ? { warnings } : {}) };
}
