import { build } from './build.js';
import { demo } from './demo.js';
import { doctor } from './doctor.js';
import { runCmd } from './run.js';
import type { CommandSpec } from './spec.js';
import { foldCommand } from './fold.js';
import { flameCommand } from './flame.js';
import { profileCommand } from './profile.js';
import { bench } from './bench.js';
import { pagesCommand } from './pages.js';

/** Every thaw command, in the order `thaw --help` lists them. One file each. */
export const commands: CommandSpec[] = [
  build,
  runCmd,
  doctor,
  demo,
  foldCommand,
  flameCommand,
  profileCommand,
  bench,
  pagesCommand,
];
