/**
 * Write every requested export atomically (temp file + rename), so a reader never sees half a
 * file and a crash mid-benchmark leaves the previous complete version.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BenchReport, ExportTargets } from '../types.js';
import * as csv from './csv.js';
import * as html from './html.js';
import * as json from './json.js';
import * as markdown from './markdown.js';

export const formats = { json, markdown, csv, html } as const;

export function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export function writeExports(report: BenchReport, targets: ExportTargets): void {
  for (const k of Object.keys(formats) as Array<keyof typeof formats>) {
    const path = targets[k];
    if (path) writeAtomic(path, formats[k].serialize(report));
  }
}
