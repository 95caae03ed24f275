import type { CommandSpec } from './spec.js';
import { foldCommand } from './fold.js';
import { flameCommand } from './flame.js';
import { profileCommand } from './profile.js';
import { bench } from './bench.js';
import { pagesCommand } from './pages.js';

/** Every thaw command, in the order `thaw --help` lists them. One file each. */
export const commands: CommandSpec[] = [
  foldCommand,
  flameCommand,
  profileCommand,
  bench,
  pagesCommand,
];
