/**
 * Write every requested export atomically (temp file + rename), so a reader never sees half a
 * file and a crash mid-benchmark leaves the previous complete version.
 */
import { writeAtomic } from '../../io.js';
import type { BenchReport, ExportTargets } from '../types.js';
import * as csv from './csv.js';
import * as html from './html.js';
import * as json from './json.js';
import * as markdown from './markdown.js';

export const formats = { json, markdown, csv, html } as const;

export function writeExports(report: BenchReport, targets: ExportTargets): void {
  for (const k of Object.keys(formats) as Array<keyof typeof formats>) {
    const path = targets[k];
    if (path) writeAtomic(path, formats[k].serialize(report));
  }
}
