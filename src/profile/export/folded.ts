/** Folded stacks, one `frame;frame;… weight` line each, sorted byte-wise (as stackcollapse-perf.pl sorts). */
import { stacksOf, type Profile } from '../../model/profile.js';

export function serializeFolded(stacks: ReadonlyMap<string, number> | Profile): string {
  const entries: Array<[string, number]> =
    stacks instanceof Map ? [...(stacks as ReadonlyMap<string, number>)] : [...stacksOf(stacks as Profile)].map((s) => [s.frames.join(';'), s.weight]);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return entries.map(([k, w]) => `${k} ${w}`).join('\n') + (entries.length ? '\n' : '');
}
