import { ThawError } from '../errors.js';
import { readManifest } from '../image/manifest.js';
import { start } from '../launch/spawn.js';
import type { CommandSpec } from './spec.js';

/**
 * `thaw run IMG [-- ARGS]`. bin/thaw execs IMG/start itself, so this Node path only runs when
 * the CLI is invoked as `node dist/src/cli/main.js run …`; it then forwards signals and the
 * exit status of IMG/start.
 */
export const runCommand: CommandSpec = {
  name: 'run',
  args: '<img> [args...]',
  summary: 'start an image restored (bin/thaw execs IMG/start: no second Node in front of the app)',
  help: `IMG/start refuses a blob that fails its sha256 check and a Node that differs from the one
that built the image, each with one line. Arguments after -- reach the app as process.argv.
A microVM image (thaw build --engine vm) restores its guest on $PORT the same way (IMG/boot
boots it cold); after -- it takes --page-log FILE (guest RAM served by the page server, every
page it loads logged) and --prefetch [FILE] (the working set recorded at build time, or FILE,
copied in first).`,
  async run([img, ...args]) {
    readManifest(img!);
    const child = start([`${img}/start`, ...args], { stdio: 'inherit' });
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.proc.kill(sig));
    const exit = await child.exited;
    if (exit.status === 127) throw new ThawError('E_IMAGE_START', `${img}/start could not run`, { hint: 'rebuild the image' });
    return exit.status;
  },
};
