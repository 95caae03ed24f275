/** What the pages subcommands share: one progress line on a terminal, megabytes. */
import { progressLine } from '../progress.js';

const line = progressLine('thaw pages');
export const progress = line.say;
export const progressDone = line.done;

export function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}
