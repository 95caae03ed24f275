/**
 * The compatibility corpus (test/compat/corpus.json) as the compat test and the startup
 * benchmark read it: each app's entry, what runs cold, and the environment its `npm start` sets.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './helpers.js';

export interface CorpusApp {
  dir: string;
  entry?: string;
  framework: string;
  package: string;
  docs: string;
  build?: string;
  nodes?: string[];
  refused?: string;
  mentions?: string;
  remedy?: string;
  /** What runs cold for the comparison when the entry is not what `npm start` runs. */
  cold?: string;
  /** A client run against the restored server (its URL as argument): must exit 0. */
  client?: string;
}

export const corpusDir = join(root, 'test/compat');
export const corpus: CorpusApp[] = (JSON.parse(readFileSync(join(corpusDir, 'corpus.json'), 'utf8')) as { apps: CorpusApp[] }).apps;

function startScript(app: CorpusApp): string | undefined {
  return (JSON.parse(readFileSync(join(corpusDir, app.dir, 'package.json'), 'utf8')) as { scripts?: { start?: string } }).scripts?.start;
}

const START = /^((?:\w+=\S*\s+)*)node\s+(\S+)/;

/** The file the app's `npm start` runs (`node dist/main.js` → dist/main.js), relative to its dir. */
export function entryOf(app: CorpusApp): string {
  if (app.entry) return app.entry;
  const start = startScript(app) ?? '';
  const m = START.exec(start);
  if (!m) throw new Error(`${app.dir}: npm start is not "[NAME=value …] node FILE": ${start}`);
  return m[2]!;
}

/** What the comparison starts cold: the entry, unless it is not what `npm start` runs. */
export function coldOf(app: CorpusApp): string {
  return app.cold ?? entryOf(app);
}

/** The environment `npm start` sets (`NODE_ENV=production node server.js`). */
export function envOf(app: CorpusApp): Record<string, string> {
  const m = START.exec(startScript(app) ?? '');
  return Object.fromEntries((m?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}
