/**
 * npm run bench:startup [-- --runs N --node PATH --examples a,b --corpus a,b|none --also-unminified yes]
 *
 * For each example: time to the first *representative* response (the example's first warm-up
 * request, not a health check) of a cold start, a thaw restore, and a hand-made raw
 * `--snapshot-blob` of the same app (benchmarks/raw/*.cjs, bundled with plain esbuild), all on the
 * same Node binary, interleaved, with thaw bench's engine. Then the same, cold vs thaw, for
 * every app of the compatibility corpus (test/compat, installed by npm run compat:install) that
 * thaw restores. Writes the tables into the `startup` and `startup-corpus` sections of
 * BENCHMARKS.md with the machine and the command. `--also-unminified yes` also times each
 * example's image built with `thaw build --no-minify-packages` (printed, not written to the tables).
 */
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { formatTable, formatTimeline, machineInfo, runBench, type BenchConfig, type BenchReport } from '../src/bench/index.js';
import { phaseLabel } from '../src/bench/timeline.js';
import { run } from '../src/launch/spawn.js';
import { buildImage } from '../src/snapshot/build.js';
import { readWarmup, warmupProbe } from '../src/snapshot/warmup-file.js';
import { coldOf, corpus, corpusDir, entryOf, envOf, type CorpusApp } from '../test/corpus.js';
import { inDir, option, root, writeSection } from './common.js';

const runs = Number(option('runs', '10'));
const node = option('node', join(root, 'node_modules/node24/bin/node'));
const unminified = option('also-unminified', 'no') === 'yes';
const examples = option('examples', 'hello,ts-service,express-app,markdown-app').split(',').filter((x) => x && x !== 'none');
const corpusAll = corpus.filter((a) => !a.refused);
const corpusPick = option('corpus', corpusAll.map((a) => a.dir).join(','));
const picked = corpusPick === 'none' ? [] : corpusAll.filter((a) => corpusPick.split(',').includes(a.dir));
const out = join(root, '.thaw/bench-startup');
mkdirSync(out, { recursive: true });

interface Row {
  example: string;
  report: BenchReport;
}

async function rawBlob(example: string): Promise<string | undefined> {
  const src = join(root, 'benchmarks/raw', `${example}.cjs`);
  if (!existsSync(src)) return undefined;
  const bundle = join(out, `${example}-raw.cjs`);
  await esbuild.build({ entryPoints: [src], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'silent', define: { __THAW_EXAMPLES__: JSON.stringify(join(root, 'examples')) } });
  const blob = join(out, `${example}-raw.blob`);
  const r = await run([node, '--snapshot-blob', blob, '--build-snapshot', bundle], { timeoutMs: 120_000 });
  if (r.status !== 0) throw new Error(`raw snapshot of ${example} failed: ${r.stderr.slice(-500)}`);
  return blob;
}

const loadBefore = loadavg()[0]!.toFixed(1);
const started = new Date();
const rows: Row[] = [];
for (const example of examples) {
  const dir = join(root, 'examples', example);
  const warmupFile = join(dir, 'warmup.json');
  process.stderr.write(`bench:startup: ${example}: building the thaw image and the raw snapshot with ${node}\n`);
  const img = join(out, example);
  await buildImage({ entry: join(dir, 'server.js'), out: img, warmupFile, node });
  const raw = await rawBlob(example);
  const configs: BenchConfig[] = [
    { name: 'cold', command: [node, join(dir, 'server.js')] },
    { name: 'thaw', command: img },
  ];
  if (raw) configs.push({ name: 'raw snapshot', command: [node, '--snapshot-blob', raw] });
  if (unminified) {
    await buildImage({ entry: join(dir, 'server.js'), out: `${img}-unminified`, warmupFile, node, minifyPackages: false });
    configs.push({ name: 'thaw --no-minify-packages', command: `${img}-unminified` });
  }
  configs.push({ name: 'floor', command: [node, join(root, 'benchmarks/floor.cjs')] });
  const report = await runBench({
    configs,
    runs,
    warmup: 1,
    probe: warmupProbe(readWarmup(warmupFile)[0]!),
    progress: true,
    timeline: true,
  });
  process.stdout.write(`\n## ${example}\n${formatTable(report)}${formatTimeline(report)}\n`);
  rows.push({ example, report });
}

const corpusRows: Array<{ app: CorpusApp; report: BenchReport; initMs: number; mb: [number, number] }> = [];
for (const app of picked) {
  const cwd = join(corpusDir, app.dir);
  if (app.build) await run(['npm', 'run', '--silent', app.build], { cwd, timeoutMs: 300_000 });
  const entry = join(cwd, entryOf(app));
  const env = envOf(app);
  const warmupFile = join(cwd, 'warmup.json');
  process.stderr.write(`bench:startup: corpus ${app.dir}: building the thaw image with ${node}\n`);
  const img = join(out, `compat-${app.dir.replace(/\W+/g, '_')}-${basename(entry).replace(/\W+/g, '_')}`);
  // The app's init runs in the builder: in its own directory (and environment), as it starts.
  const built = await inDir(cwd, env, () => buildImage({ entry, out: img, warmupFile, node, verify: false }));
  // The lever: the app's packages bundled into the image instead of loaded as Node loads them.
  const bundled = await inDir(cwd, env, () => buildImage({ entry, out: `${img}-bundled`, warmupFile, node, verify: false, bundlePackages: true }));
  const report = await runBench({
    configs: [
      { name: 'cold', command: [node, join(cwd, coldOf(app))], cwd, env },
      { name: 'thaw', command: img, cwd, env },
      { name: 'bundled', command: `${img}-bundled`, cwd, env },
    ],
    runs,
    warmup: 1,
    probe: warmupProbe(readWarmup(warmupFile)[0]!),
    progress: true,
  });
  process.stdout.write(`\n## ${app.dir}\n${formatTable(report)}\n`);
  corpusRows.push({ app, report, initMs: built.manifest.timings.initMs, mb: [built.manifest.blob.bytes / 1e6, bundled.manifest.blob.bytes / 1e6] });
}

const ms = (s: number | undefined): string => (s === undefined ? '—' : `${(s * 1000).toFixed(1)}`);
const m = machineInfo();
const nodeVersion = (await run([node, '--version'])).stdout.trim();
const lines = [
  `Time to the first representative response (spawn → complete response to the example's first`,
  `warm-up request), median of ${runs} runs each, configurations interleaved, Node ${nodeVersion}.`,
  `Measured ${new Date().toISOString().slice(0, 10)} on ${m.cpu}, ${m.nproc} cores, Linux ${m.kernel} (1-minute load average ${loadBefore} before, ${loadavg()[0]!.toFixed(1)} after), with:`,
  '',
  '```sh',
  `npm run bench:startup -- --runs ${runs}${option('node', '') ? ` --node ${node}` : ''}`,
  '```',
  '',
  '| example | probe | cold ms | thaw ms | raw snapshot ms | floor ms | cold / thaw | thaw / raw | thaw / floor | thaw vs cold, 95% CI of the median ratio |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
];
for (const { example, report } of rows) {
  const get = (n: string) => report.results.find((r) => r.name === n)?.stats ?? undefined;
  const cold = get('cold');
  const thaw = get('thaw');
  const raw = get('raw snapshot');
  const floor = get('floor');
  const pair = report.ratios.find((p) => (p.slower === 'cold' && p.faster === 'thaw') || (p.slower === 'thaw' && p.faster === 'cold'));
  const ci = pair ? `${pair.slower === 'cold' ? '' : '1 / '}${pair.median.ratio.toFixed(2)} (${pair.median.lo.toFixed(2)} … ${pair.median.hi.toFixed(2)})` : '—';
  lines.push(`| ${example} | \`${report.probe.replace(/http:\/\/127\.0\.0\.1:\$PORT/, '')}\` | ${ms(cold?.median)} | ${ms(thaw?.median)} | ${raw ? ms(raw.median) : 'n/a¹'} | ${ms(floor?.median)} | ${cold && thaw ? (cold.median / thaw.median).toFixed(2) + 'x' : '—'} | ${thaw && raw ? (thaw.median / raw.median).toFixed(2) : '—'} | ${thaw && floor ? (thaw.median / floor.median).toFixed(2) + 'x' : '—'} | ${ci} |`);
}
lines.push(
  '',
  'cold: `node examples/NAME/server.js`; thaw: `thaw build … --warmup examples/NAME/warmup.json`, started through `IMG/start`;',
  'raw snapshot: benchmarks/raw/NAME.cjs, the same app snapshotted by hand (dependencies loaded and the same warm-up run in the',
  'builder, the server made in the deserialize main), bundled with esbuild and started with `node --snapshot-blob`;',
  'floor: benchmarks/floor.cjs, a bare node:http server answering 200 at once, the least a Node server takes. Every',
  'start ran with the `--timeline` preload (its phases are in the next section).',
);
lines.push('', "¹ Express loads node:http when it is required, so a raw snapshot of it cannot be made without deferring node:http by hand — which is what thaw does.");
const section = lines.join('\n');
process.stdout.write('\n' + section + '\n');

// Where each example's restored and cold starts spend their time: one row per phase.
const timelineLines = [
  `The same runs, phase by phase (\`thaw bench --timeline\`): the median of each phase in ms, from spawn to the`,
  `client's receipt of the first representative response, for the restored (thaw) and the cold start of each example.`,
  `"accounted" is the sum of the phase medians against the median time to first response.`,
  '',
];
for (const kind of ['thaw', 'cold'] as const) {
  const withTimeline = rows.filter((r) => r.report.results.find((x) => x.name === kind)?.timeline);
  if (!withTimeline.length) continue;
  const marks: string[] = [];
  for (const r of withTimeline) for (const p of r.report.results.find((x) => x.name === kind)!.timeline!) if (!marks.includes(p.mark)) marks.push(p.mark);
  timelineLines.push(`| ${kind === 'thaw' ? 'restored (thaw)' : 'cold'}: phase, ms | ${withTimeline.map((r) => r.example).join(' | ')} |`, `| --- |${' ---: |'.repeat(withTimeline.length)}`);
  const cell = (r: Row, mark: string): string => {
    const p = r.report.results.find((x) => x.name === kind)!.timeline!.find((x) => x.mark === mark);
    return p ? p.ms.toFixed(1) : '—';
  };
  for (const mark of marks) timelineLines.push(`| ${phaseLabel(mark, kind === 'thaw')} | ${withTimeline.map((r) => cell(r, mark)).join(' | ')} |`);
  const accounted = (r: Row): string => {
    const res = r.report.results.find((x) => x.name === kind)!;
    const sum = res.timeline!.reduce((n, p) => n + p.ms, 0);
    return `${sum.toFixed(1)} of ${ms(res.stats?.median)} (${((sum / ((res.stats?.median ?? NaN) * 1000)) * 100).toFixed(0)}%)`;
  };
  timelineLines.push(`| accounted | ${withTimeline.map(accounted).join(' | ')} |`, '');
}
const timelineSection = timelineLines.join('\n');
process.stdout.write('\n' + timelineSection + '\n');

const corpusLines = [
  `Every app of the compatibility corpus that thaw restores (test/compat, written from each framework's`,
  `docs): time to the complete response to the app's first warm-up request, cold (\`node ENTRY\`, as its`,
  `\`npm start\`) vs thaw (\`thaw build ENTRY --warmup warmup.json\`), median of ${runs} runs each, interleaved,`,
  `Node ${nodeVersion}, ${rows.length ? 'same machine and run as above' : 'the machine of the examples above'}. "init" is the app's own init inside the build (thaw's`,
  `report): the work a restore skips. "bundled" is the same image built with \`--bundle-packages\` (every`,
  `package the app can reach bundled, the way thaw built images before it loaded packages as Node does),`,
  `in the same interleaved run; "snapshot MB" is the blob of each.`,
  ...(rows.length
    ? []
    : [`Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC (1-minute load average ${loadBefore} before, ${loadavg()[0]!.toFixed(1)} after), apart from the examples, with:`, '', '```sh', `npm run bench:startup -- --runs ${runs} --examples none${option('corpus', '') ? ` --corpus ${corpusPick}` : ''}`, '```']),
  '',
  '| app | framework | probe | init ms | cold ms | thaw ms | bundled ms | snapshot MB (thaw / bundled) | cold / thaw | 95% CI of the median ratio |',
  '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
];
for (const { app, report, initMs, mb } of corpusRows) {
  const get = (n: string) => report.results.find((r) => r.name === n)?.stats ?? undefined;
  const cold = get('cold');
  const thaw = get('thaw');
  const bundledStats = get('bundled');
  const pair = report.ratios.find((p) => (p.slower === 'cold' && p.faster === 'thaw') || (p.slower === 'thaw' && p.faster === 'cold'));
  const ci = pair ? `${pair.slower === 'cold' ? '' : '1 / '}${pair.median.ratio.toFixed(2)} (${pair.median.lo.toFixed(2)} … ${pair.median.hi.toFixed(2)})` : '—';
  corpusLines.push(`| ${app.dir}${app.entry ? ` (${app.entry})` : ''} | ${app.framework} | \`${report.probe.replace(/http:\/\/127\.0\.0\.1:\$PORT/, '').replace(/\|/g, '\\|')}\` | ${initMs} | ${ms(cold?.median)} | ${ms(thaw?.median)} | ${ms(bundledStats?.median)} | ${mb[0].toFixed(1)} / ${mb[1].toFixed(1)} | ${cold && thaw ? (cold.median / thaw.median).toFixed(2) + 'x' : '—'} | ${ci} |`);
}
const corpusSection = corpusLines.join('\n');
if (corpusRows.length) process.stdout.write('\n' + corpusSection + '\n');

if (rows.length) writeSection('startup', 'Startup: cold vs thaw vs raw snapshot vs the floor', section);
if (rows.length) writeSection('startup-timeline', 'Startup: where the time goes, phase by phase', timelineSection);
if (corpusRows.length) writeSection('startup-corpus', 'Startup: the compatibility corpus, cold vs thaw', corpusSection);
