/**
 * `npm run bench:fold`: thaw fold against Brendan Gregg's stackcollapse-perf.pl on the same real
 * perf capture of a Node workload with JIT frames.
 *
 * 1. Records `perf record -e cpu-clock -g -F 2999 -- node --perf-basic-prof
 *    --interpreted-frames-native-stack benchmarks/fold.workload.mjs` (FOLD_SECONDS, default 20) and
 *    writes `perf script` text (or uses FOLD_INPUT=FILE).
 * 2. Checks both give the same set of lines.
 * 3. Times both, alternating, FOLD_RUNS times (default 5); prints medians, the ratio, thaw's
 *    peak RSS, the machine and the command, as a markdown block for BENCHMARKS.md; writes
 *    benchmarks/fold.results.json. The capture stays in $TMPDIR/thaw-bench-fold.
 *
 * The Perl script is not shipped with thaw: give a copy with `-- --perl PATH` or
 * STACKCOLLAPSE_PERF=PATH (default /tmp/FlameGraph-upstream/stackcollapse-perf.pl, where the
 * upstream script as found in the search index, Thaumy/FlameGraph at ca26a74, was saved). The
 * output names the script and its SHA-256. Without it the bench says so and exits 1.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../src/launch/spawn.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const perlFlag = process.argv.indexOf('--perl');
const perl = (perlFlag >= 0 ? process.argv[perlFlag + 1] : undefined) ?? process.env.STACKCOLLAPSE_PERF ?? '/tmp/FlameGraph-upstream/stackcollapse-perf.pl';
if (!existsSync(perl)) {
  console.error(`bench:fold: stackcollapse-perf.pl not found at ${perl}; save FlameGraph's script there, or run npm run bench:fold -- --perl /path/to/stackcollapse-perf.pl (or set STACKCOLLAPSE_PERF)`);
  process.exit(1);
}
const perlSha256 = createHash('sha256').update(readFileSync(perl)).digest('hex');
console.error(`bench:fold: reference script ${perl} (sha256 ${perlSha256.slice(0, 16)}…)`);
const runs = Number(process.env.FOLD_RUNS ?? 5);
const seconds = Number(process.env.FOLD_SECONDS ?? 20);
const work = join(tmpdir(), 'thaw-bench-fold');
mkdirSync(work, { recursive: true });

let input = process.env.FOLD_INPUT;
if (!input) {
  input = join(work, 'fold-capture.perf-script.txt');
  const data = join(work, 'fold-capture.data');
  rmSync(data, { force: true });
  rmSync(data + '.old', { force: true }); // perf record keeps an earlier file as .old
  console.error(`bench:fold: recording ${seconds} s of a Node workload at 2999 Hz…`);
  const rec = await run(['perf', 'record', '-e', 'cpu-clock', '-g', '-F', '2999', '-o', data, '--', process.execPath, '--perf-basic-prof', '--interpreted-frames-native-stack', join(root, 'benchmarks/fold.workload.mjs'), String(seconds * 1000)], { cwd: work, timeoutMs: (seconds + 120) * 1000 });
  if (rec.status !== 0) throw new Error(`perf record failed: ${rec.stderr}`);
  const script = await run(['sh', '-c', 'exec perf script -i "$1" > "$2"', 'sh', data, input], { timeoutMs: 600_000 });
  if (script.status !== 0) throw new Error(`perf script failed: ${script.stderr}`);
  unlinkSync(data);
  // The JIT map and V8's code log were only needed by perf script.
  const head = readFileSync(input, 'latin1').slice(0, 1 << 22);
  for (const pid of new Set([...head.matchAll(/\/tmp\/perf-(\d+)\.map/g)].map((m) => m[1]))) {
    for (const f of [`/tmp/perf-${pid}.map`, ...readdirSync(work).filter((n) => n.includes(`-${pid}-v8.log`)).map((n) => join(work, n))]) {
      try {
        unlinkSync(f);
      } catch {
        /* gone */
      }
    }
  }
}
const size = statSync(input).size;
const thawArgv = [process.execPath, join(root, 'dist/src/cli/main.js'), 'fold', input];
const perlArgv = ['perl', perl, input];

/** Wall time, CPU time (user + sys, all threads) and peak RSS of one run, through GNU time. */
async function timed(argv: string[], out: string): Promise<{ ms: number; cpuMs: number; rssKb: number }> {
  const t0 = performance.now();
  const r = await run(['/usr/bin/time', '-f', '%M %U %S', 'sh', '-c', 'exec "$@" > "$0"', out, ...argv], { timeoutMs: 900_000 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  const [rss, user, sys] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { ms, cpuMs: (user! + sys!) * 1000, rssKb: rss! };
}

const thawOut = join(work, 'fold-thaw.folded');
const perlOut = join(work, 'fold-perl.folded');
const times = { thaw: [] as number[], perl: [] as number[], thawCpu: [] as number[], perlCpu: [] as number[], thawRssKb: [] as number[], perlRssKb: [] as number[] };
for (let i = 0; i < runs; i++) {
  const p = await timed(perlArgv, perlOut);
  const t = await timed(thawArgv, thawOut);
  times.perl.push(p.ms);
  times.thaw.push(t.ms);
  times.perlRssKb.push(p.rssKb);
  times.perlCpu.push(p.cpuMs);
  times.thawCpu.push(t.cpuMs);
  times.thawRssKb.push(t.rssKb);
  console.error(`bench:fold: run ${i + 1}/${runs}: perl ${(p.ms / 1000).toFixed(2)} s, thaw ${(t.ms / 1000).toFixed(2)} s`);
}
const set = (f: string): Set<string> => new Set(readFileSync(f, 'latin1').split('\n').filter(Boolean));
const a = set(thawOut);
const b = set(perlOut);
const same = a.size === b.size && [...a].every((l) => b.has(l));
const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const result = {
  date: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, Node ${process.version}`,
  input: { bytes: size, lines: readFileSync(input, 'latin1').split('\n').length - 1, distinctStacks: a.size },
  identical: same,
  perlScript: { path: perl, sha256: perlSha256 },
  runs,
  perlMedianMs: median(times.perl),
  thawMedianMs: median(times.thaw),
  ratio: median(times.perl) / median(times.thaw),
  perlMedianCpuMs: median(times.perlCpu),
  thawMedianCpuMs: median(times.thawCpu),
  cpuRatio: median(times.perlCpu) / median(times.thawCpu),
  thawPeakRssKb: Math.max(...times.thawRssKb),
  perlPeakRssKb: Math.max(...times.perlRssKb),
  times,
  command: perlFlag >= 0 ? `npm run bench:fold -- --perl ${perl}` : 'npm run bench:fold',
};
writeFileSync(join(root, 'benchmarks/fold.results.json'), JSON.stringify(result, null, 2) + '\n');
const sec = (ms: number): string => (ms / 1000).toFixed(2) + ' s';
console.log(`Reference: \`perl ${perl}\` (sha256 ${perlSha256}).
Input: ${(size / 1e6).toFixed(0)} MB of perf script (${result.input.lines} lines, ${a.size} distinct stacks); outputs identical as sets of lines: ${same ? 'yes' : '**NO**'}.

| median of ${runs} | stackcollapse-perf.pl | thaw fold | speed-up |
|---|---|---|---|
| wall time | ${sec(result.perlMedianMs)} | ${sec(result.thawMedianMs)} | ${result.ratio.toFixed(1)}× |
| CPU time (user + sys, all threads) | ${sec(result.perlMedianCpuMs)} | ${sec(result.thawMedianCpuMs)} | ${result.cpuRatio.toFixed(1)}× |
| peak RSS | ${(result.perlPeakRssKb / 1024).toFixed(0)} MiB | ${(result.thawPeakRssKb / 1024).toFixed(0)} MiB | |

Machine: ${result.machine}; load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}. Runs alternate Perl and thaw; times include process start.`);
if (!same) {
  console.error('bench:fold: outputs differ!');
  process.exit(1);
}
