/**
 * What the benchmarks share: the repository root, their `--name value` options, and
 * BENCHMARKS.md, which they partly write (each owns the sections it measures).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));
const file = join(root, 'BENCHMARKS.md');

/** The value after `--name` on the command line, or `dflt`. */
export function option(name: string, dflt: string): string {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
}

/** Replace the text between `<!-- section:NAME -->` and its end marker (atomically). */
export function writeSection(name: string, title: string, body: string): void {
  const text = readFileSync(file, 'utf8');
  const start = `<!-- section:${name} -->`;
  const end = `<!-- /section:${name} -->`;
  if (!text.includes(start) || !text.includes(end)) return;
  const next = text.slice(0, text.indexOf(start) + start.length) + `\n## ${title}\n\n` + body + '\n' + text.slice(text.indexOf(end));
  writeFileSync(`${file}.tmp`, next);
  renameSync(`${file}.tmp`, file);
  process.stderr.write(`BENCHMARKS.md section ${name} updated\n`);
}
