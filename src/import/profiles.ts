/**
 * The importer dispatcher (STYLE 2, after speedscope's import/index.ts): try the importer the
 * file name suggests, then every importer on the content. Each importer returns null for
 * "not my format" and throws only for a recognised but damaged file.
 */
import type { Profile } from '../model/profile.js';
import { ThawError } from '../errors.js';
import { importCollapsed } from './collapsed.js';
import { importCpuProfile } from './cpuprofile.js';
import { importFolded } from './folded.js';
import { importPerfScript } from './perf-script.js';

type Importer = (text: string, name: string) => Profile | null;

const byContent: Array<[string, Importer]> = [
  ['cpuprofile', importCpuProfile],
  ['perf-script', importPerfScript],
  ['collapsed', importCollapsed],
  ['folded', importFolded],
];

function byName(file: string): Importer | undefined {
  if (/\.cpuprofile$/i.test(file)) return importCpuProfile;
  if (/\.collapsed$/i.test(file)) return importCollapsed;
  if (/\.(folded|stacks)$/i.test(file)) return importFolded;
  if (/(perf[-.]?script|\.perf)(\.txt)?$/i.test(file)) return importPerfScript;
  return undefined;
}

/** Imports one profile; `name` labels it (usually the file's base name). */
export function importProfile(file: string, text: string, name = file): Profile {
  const first = byName(file);
  if (first) {
    const p = first(text, name);
    if (p) return p;
  }
  for (const [, imp] of byContent) {
    const p = imp(text, name);
    if (p) return p;
  }
  throw new ThawError('E_PROFILE_FORMAT', `${file}: not a profile thaw reads`, {
    hint: 'give perf script text, folded stacks (thaw fold), async-profiler collapsed output or a .cpuprofile',
  });
}
