/**
 * async-profiler collapsed output → Profile
 * (`asprof -d 10 -o collapsed -f out.collapsed PID`, or `-agentpath:libasyncProfiler.so=start,collapsed,file=out.collapsed`).
 * Folded lines whose frames carry async-profiler's type suffixes:
 *
 *     Hot.main_[j];Hot.spin_[j];java/lang/Math.sqrt_[i] 231
 *
 * `_[j]` JIT-compiled Java, `_[i]` inlined, `_[k]` kernel, `_[0]` interpreted, `_[1]` C1.
 * The suffix becomes the frame's kind and is dropped from its name.
 */
import { ProfileBuilder, classifyFrame, type FrameKind, type Profile } from '../model/profile.js';
import { parseFolded } from './folded.js';

const SUFFIX = /_\[([jik01])\]$/;
const KIND: Record<string, FrameKind> = { j: 'jit-java', i: 'jit-java', k: 'kernel', '0': 'interpreted', '1': 'jit-java' };

/** Collapsed output is recognised by its suffixes (plain folded text has none). */
export function looksCollapsed(text: string): boolean {
  return /_\[[jik01]\](?:;| \d)/.test(text.slice(0, 256 * 1024));
}

export function importCollapsed(text: string, name = 'collapsed'): Profile | null {
  if (!looksCollapsed(text)) return null;
  const parsed = parseFolded(text);
  if (!parsed) return null;
  const b = new ProfileBuilder(name, 'samples');
  for (const l of parsed.lines) {
    const kinds: FrameKind[] = [];
    const frames = l.frames.map((f) => {
      const m = SUFFIX.exec(f);
      if (m) {
        kinds.push(KIND[m[1]!]!);
        return f.slice(0, -4);
      }
      kinds.push(classifyFrame(f));
      return f;
    });
    b.add(frames, l.weight, kinds, l.weight);
  }
  return b.build();
}
