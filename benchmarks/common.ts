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

/** Least-squares slope of (x, y) points (0 for fewer than two). */
export function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const num = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return den ? num / den : 0;
}

/** Run `f` with the process in `dir` and `env` added, as a build from that directory would. */
export async function inDir<T>(dir: string, env: Record<string, string>, f: () => Promise<T>): Promise<T> {
  const was = process.cwd();
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  process.chdir(dir);
  Object.assign(process.env, env);
  try {
    return await f();
  } finally {
    process.chdir(was);
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
