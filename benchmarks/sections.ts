/** BENCHMARKS.md is partly written by the benchmarks: each owns the sections it measures. */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const file = join(fileURLToPath(new URL('../../', import.meta.url)), 'BENCHMARKS.md');

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
