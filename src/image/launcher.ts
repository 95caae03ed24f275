/**
 * Where an image starts: IMG/start, when IMG is a directory with an executable `start`. Every
 * command that accepts an image in place of a command (bench, profile, pages trace, run) asks
 * here.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ThawError } from '../errors.js';

/** The absolute path of IMG/start, or undefined when `dir` is not a directory. */
export function imageLauncher(dir: string): string | undefined {
  try {
    if (!statSync(dir).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  const start = resolve(join(dir, 'start'));
  try {
    accessSync(start, constants.X_OK);
  } catch {
    throw new ThawError('E_IMAGE_MISSING', `${dir} is a directory but not a thaw image (no executable ${start})`, { hint: `build one with: thaw build ENTRY -o ${dir}` });
  }
  return start;
}
