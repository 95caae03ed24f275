/**
 * `npm run bench:fold`: thaw fold against Brendan Gregg's stackcollapse-perf.pl on the same real
 * perf capture of a Node workload with JIT frames.
 *
 * 1. Records `perf record -e cpu-clock -g -F 2999 -- node --perf-basic-prof
 *    --interpreted-frames-native-stack benchmarks/fold.workload.mjs` (FOLD_SECONDS, default 20) and
 *    writes `perf script` text (or uses FOLD_INPUT=FILE).
 * 2. Cuts it at sample boundaries into inputs of FOLD_SIZES_MB (default 136,20 MB).
 * 3. For each input, checks both give the same lines, then times, interleaved, FOLD_RUNS
 *    rounds (default 5) of: the Perl script, thaw fold with default options, thaw fold
 *    --threads 1 and thaw fold --threads 2 (end to end through GNU time, process start
 *    included; thaw as users start it, bin/thaw); prints medians, ratios, peak RSS, the machine and its load as markdown for
 *    BENCHMARKS.md; writes benchmarks/fold.results.json. Captures stay in $TMPDIR/thaw-bench-fold.
 *
 * The reference is FlameGraph's stackcollapse-perf.pl as vendored in test/fixtures/flamegraph/
 * (upstream 41fee1f); `-- --perl PATH` or STACKCOLLAPSE_PERF=PATH picks another copy. The output
 * names the script and its SHA-256.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../src/launch/spawn.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const perlFlag = process.argv.indexOf('--perl');
const perl = (perlFlag >= 0 ? process.argv[perlFlag + 1] : undefined) ?? process.env.STACKCOLLAPSE_PERF ?? join(root, 'test/fixtures/flamegraph/stackcollapse-perf.pl');
if (!existsSync(perl)) {
  console.error(`bench:fold: stackcollapse-perf.pl not found at ${perl}; save FlameGraph's script there, or run npm run bench:fold -- --perl /path/to/stackcollapse-perf.pl (or set STACKCOLLAPSE_PERF)`);
  process.exit(1);
}
const perlSha256 = createHash('sha256').update(readFileSync(perl)).digest('hex');
console.error(`bench:fold: reference script ${perl} (sha256 ${perlSha256.slice(0, 16)}…)`);
const runs = Number(process.env.FOLD_RUNS ?? 5);
const sizesMb = (process.env.FOLD_SIZES_MB ?? '136,20').split(',').map(Number);
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

/** The capture cut after the last blank line before `bytes` (a whole number of samples). */
function cut(bytes: number): string {
  const whole = statSync(input!).size;
  if (bytes >= whole) return input!;
  const out = join(work, `fold-capture-${Math.round(bytes / 1e6)}mb.perf-script.txt`);
  const fd = openSync(input!, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    readSync(fd, buf, 0, bytes, 0);
    writeFileSync(out, buf.subarray(0, buf.lastIndexOf('\n\n') + 2));
  } finally {
    closeSync(fd);
  }
  return out;
}

/** Wall time, CPU time (user + sys, all threads) and peak RSS of one run, through GNU time. */
async function timed(argv: string[], out: string): Promise<{ ms: number; cpuMs: number; rssKb: number }> {
  const t0 = performance.now();
  const r = await run(['/usr/bin/time', '-f', '%M %U %S', 'sh', '-c', 'exec "$@" > "$0"', out, ...argv], { timeoutMs: 900_000 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  const [rss, user, sys] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { ms, cpuMs: (user! + sys!) * 1000, rssKb: rss! };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const sec = (ms: number): string => (ms / 1000).toFixed(2) + ' s';
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');
// What a user runs: bin/thaw (with this environment, NODE_EXTRA_CA_CERTS included where set), on
// the Node it finds on PATH unless THAW_CLI_NODE names one.
const cli = join(root, 'bin/thaw');
const variants = [
  { name: 'stackcollapse-perf.pl', argv: (f: string) => ['perl', perl, f] },
  { name: 'thaw fold', argv: (f: string) => [cli, 'fold', f] },
  { name: 'thaw fold --threads 1', argv: (f: string) => [cli, 'fold', '--threads', '1', f] },
  { name: 'thaw fold --threads 2', argv: (f: string) => [cli, 'fold', '--threads', '2', f] },
];
const loadStart = load();
const results = [];
const md: string[] = [];
for (const mb of sizesMb) {
  const file = cut(mb * 1e6);
  const size = statSync(file).size;
  const text = readFileSync(file, 'latin1');
  const lines = text.split('\n').length - 1;
  const wall = variants.map(() => [] as number[]);
  const cpu = variants.map(() => [] as number[]);
  const rss = variants.map(() => [] as number[]);
  const loads: number[] = [];
  const outs = variants.map((_, i) => join(work, `fold-out-${i}.folded`));
  for (let r = 0; r < runs; r++) {
    // Interleaved, and the order rotated each round so no variant always follows the Perl.
    for (let k = 0; k < variants.length; k++) {
      const i = (k + r) % variants.length;
      const t = await timed(variants[i]!.argv(file), outs[i]!);
      wall[i]!.push(t.ms);
      cpu[i]!.push(t.cpuMs);
      rss[i]!.push(t.rssKb);
    }
    loads.push(loadavg()[0]!);
    console.error(`bench:fold: ${(size / 1e6).toFixed(0)} MB round ${r + 1}/${runs}: ${variants.map((v, i) => `${v.name} ${sec(wall[i]![r]!)}`).join(', ')}; load ${loadavg()[0]!.toFixed(1)}`);
  }
  const ref = readFileSync(outs[0]!, 'latin1');
  const identical = outs.map((o) => readFileSync(o, 'latin1') === ref);
  const distinct = ref.split('\n').filter(Boolean).length;
  const perlMs = median(wall[0]!);
  const res = {
    bytes: size,
    lines,
    distinctStacks: distinct,
    identical: identical.every(Boolean),
    variants: variants.map((v, i) => ({ name: v.name, medianMs: median(wall[i]!), medianCpuMs: median(cpu[i]!), peakRssKb: Math.max(...rss[i]!), wallMs: wall[i]!, speedUp: perlMs / median(wall[i]!) })),
    loadAverage1m: loads,
  };
  results.push(res);
  md.push(`Input: ${(size / 1e6).toFixed(0)} MB of perf script (${lines.toLocaleString('en')} lines, ${distinct.toLocaleString('en')} distinct stacks); every output byte-identical to the Perl's: ${res.identical ? 'yes' : '**NO**'}. Load average (1 min) after each round: ${loads.map((x) => x.toFixed(1)).join(', ')}.

| median of ${runs}, wall (CPU) | time | speed-up vs Perl | peak RSS |
|---|---|---|---|
${res.variants.map((v) => `| ${v.name} | ${sec(v.medianMs)} (${sec(v.medianCpuMs)}) | ${v.speedUp.toFixed(1)}× | ${(v.peakRssKb / 1024).toFixed(0)} MiB |`).join('\n')}
`);
}
const result = {
  date: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, Node ${process.version}`,
  loadAverageAtStart: loadStart,
  loadAverageAtEnd: load(),
  perlScript: { path: perl, sha256: perlSha256 },
  runs,
  inputs: results,
  command: perlFlag >= 0 ? `npm run bench:fold -- --perl ${perl}` : 'npm run bench:fold',
};
writeFileSync(join(root, 'benchmarks/fold.results.json'), JSON.stringify(result, null, 2) + '\n');
console.log(`Reference: \`perl ${perl}\` (sha256 ${perlSha256}). ${result.date}, \`${result.command}\` (FOLD_RUNS=${runs}).
Machine: ${result.machine}; load average ${loadStart} at the start, ${result.loadAverageAtEnd} at the end. Rounds interleave the four commands (order rotated each round); times are end to end, process start included, thaw started as users start it (bin/thaw).

${md.join('\n')}`);
if (!results.every((r) => r.identical)) {
  console.error('bench:fold: outputs differ!');
  process.exit(1);
}
