/**
 * Profiles from files: read one file of any supported format through the importer dispatcher,
 * and add several up into one.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ThawError } from '../errors.js';
import { ProfileBuilder, type Profile, type WeightUnit } from '../model/profile.js';
import { importProfile } from './profiles.js';

/** Reads and imports one profile file of any supported format. */
export function loadProfile(file: string, unit?: WeightUnit): Profile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ThawError('E_PROFILE_INPUT', `cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, { hint: 'give a perf script text, .folded, .collapsed or .cpuprofile file' });
  }
  return importProfile(file, text, basename(file).replace(/\.(folded|collapsed|cpuprofile|txt|stacks)$/i, ''), unit);
}

/** Several inputs become one profile: their stacks added up. */
export function mergeProfiles(name: string, ps: Profile[]): Profile {
  if (ps.length === 1) return ps[0]!;
  const units = new Set(ps.map((p) => p.unit));
  const b = new ProfileBuilder(name, units.size === 1 ? ps[0]!.unit : 'samples');
  for (const p of ps) b.addProfile(p);
  return b.build();
}
