/**
 * async-profiler collapsed output → Profile
 * (`asprof -d 10 -o collapsed -f out.collapsed PID`, or `-agentpath:libasyncProfiler.so=start,collapsed,file=out.collapsed`).
 * Folded lines whose frames carry async-profiler's type suffixes:
 *
 *     Hot.main_[j];Hot.spin_[j];java/lang/Math.sqrt_[i] 231
 *
 * `_[j]` JIT-compiled Java, `_[i]` inlined, `_[k]` kernel, `_[0]` interpreted, `_[1]` C1.
 * The suffix gives the frame its kind and stays in its name, as flamegraph.pl shows it: a
 * conversion (`-o x.folded`) writes the file it read.
 */
import { ProfileBuilder, classifyFrame, type FrameKind, type Profile } from '../model/profile.js';
import { badLinesWarning, parseFolded, type FoldedLine } from './folded.js';
import { ThawError } from '../errors.js';

const SUFFIX = /_\[([jik01])\]$/;
const KIND: Record<string, FrameKind> = { j: 'jit-java', i: 'jit-java', k: 'kernel', '0': 'interpreted', '1': 'jit-java' };

/** Collapsed output is recognised by its suffixes (plain folded text has none). */
export function looksCollapsed(text: string): boolean {
  return /_\[[jik01]\](?:;|\s\d)/.test(text.slice(0, 256 * 1024));
}

export function importCollapsed(text: string, name = 'collapsed'): Profile | null {
  if (!looksCollapsed(text)) return null;
  const parsed = parseFolded(text);
  if (!parsed) return null;
  if (parsed.bad.length > parsed.lines.length) {
    throw new ThawError('E_PROFILE_INPUT', `${name}: ${parsed.bad.length} lines are not collapsed stacks (first at line ${parsed.bad[0]})`, { hint: 'collapsed lines read `frame_[j];frame_[i] COUNT`' });
  }
  const side = (pick: (l: FoldedLine) => number, sideName: string): Profile => {
    const b = new ProfileBuilder(sideName, 'samples');
    for (const l of parsed.lines) {
      const kinds = l.frames.map((f) => {
        const m = SUFFIX.exec(f);
        return m ? KIND[m[1]!]! : classifyFrame(f);
      });
      const w = pick(l);
      b.add(l.frames, w, kinds, w);
    }
    return b.build();
  };
  const target = side((l) => l.weight, name);
  const warnings = badLinesWarning(parsed.bad);
  const base = parsed.twoColumn ? { base: side((l) => l.before!, 'before') } : {};
  return { ...target, ...base, ...(warnings.length ? { warnings } : {}) };
}
