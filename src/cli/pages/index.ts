/** `thaw pages`: memory page maps, page-fault traces and the page visualizer. */
import type { CommandSpec } from '../spec.js';
import { snapshotCmd } from './snapshot.js';
import { summaryCmd } from './summary.js';
import { traceCmd } from './trace.js';
import { viewCmd } from './view.js';

export const pagesCommand: CommandSpec = {
  name: 'pages',
  summary: 'memory page maps, page-fault traces of a start or restore, and the page visualizer',
  subcommands: [snapshotCmd, traceCmd, viewCmd, summaryCmd],
};
