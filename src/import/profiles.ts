/**
 * The importer dispatcher (after speedscope's import/index.ts): try the importer the
 * file name suggests, then every importer on the content. Each importer returns null for
 * "not my format" and throws only for a recognised but damaged file.
 */
import type { Profile, WeightUnit } from '../model/profile.js';
import { ThawError } from '../errors.js';
import { importCollapsed } from './collapsed.js';
import { importCpuProfile } from './cpuprofile.js';
import { importFolded } from './folded.js';
import { importPerfScript } from './perf-script.js';

/** foldedUnit: what plain folded weights count, which folded text cannot say itself. */
type Importer = (text: string, name: string, foldedUnit: WeightUnit) => Profile | null;

const cpuprofile: Importer = (t, n) => importCpuProfile(t, n);
const perfScript: Importer = (t, n) => {
  const p = importPerfScript(t, n);
  // perf script without periods weighs each sample 1: those are sample counts, not nanoseconds.
  if (p && p.unit !== 'samples' && p.total > 0 && p.total === p.root.samples) return { ...p, unit: 'samples' };
  return p;
};
const collapsed: Importer = (t, n) => importCollapsed(t, n);
const folded: Importer = (t, n, u) => importFolded(t, n, u);

const byContent: Importer[] = [cpuprofile, perfScript, collapsed, folded];

function byName(file: string): Importer | undefined {
  if (/\.cpuprofile$/i.test(file)) return cpuprofile;
  if (/\.collapsed$/i.test(file)) return collapsed;
  if (/\.(folded|stacks)$/i.test(file)) return folded;
  if (/(perf[-.]?script|\.perf)(\.txt)?$/i.test(file)) return perfScript;
  return undefined;
}

/** Imports one profile; `name` labels it (usually the file's base name). */
export function importProfile(file: string, text: string, name = file, foldedUnit: WeightUnit = 'samples'): Profile {
  const first = byName(file);
  if (first) {
    const p = first(text, name, foldedUnit);
    if (p) return p;
  }
  for (const imp of byContent) {
    const p = imp(text, name, foldedUnit);
    if (p) return p;
  }
  throw new ThawError('E_PROFILE_FORMAT', `${file}: not a profile thaw reads`, {
    hint: 'give perf script text, folded stacks (thaw fold), async-profiler collapsed output or a .cpuprofile',
  });
}
