/**
 * npm run bench:reliability [-- --seconds S --connections 1,16 --restores N --kills K --node PATH --examples a,b --parts reliability,faults,soak,corpus --soak-seconds S --soak-connections 1,16,64 --apps corpus|a,b --corpus-seconds S --corpus-connections 1,16 --rounds R --heap-apps a,b --heap-seconds S --heap-connections C]
 *
 * Do restored servers hold real load, and is every restore its own? For each example:
 *
 * - **load**: the image restored and the app started cold, each given the same warm-up (the
 *   image got it before its checkpoint, the cold one over HTTP), then driven with autocannon
 *   for S seconds per concurrency with the example's representative request. Reported:
 *   requests/s, latency p50/p99, errors and non-2xx answers, and RSS every second: at the start,
 *   at the end, and its trend over the second half of the run (MB per 10 s; near 0 is stable).
 *   Restored and cold take turns per concurrency, so drift hits both alike.
 * - **uniqueness**: N restores of one image that draws randomness after restore with every API
 *   (test/fixtures/core/entropy.mjs): how many distinct randomUUID, randomBytes, randomInt,
 *   getRandomValues and Math.random values the N first answers hold (N each is the goal), and
 *   the one value drawn at load, which all N share by design (doctor names it).
 *
 * - **soak** (only when asked for): the load run for longer (30 s) at more concurrencies, with
 *   RSS's trend over each half of the run and the anonymous memory, to tell growth from settling.
 * - **corpus** (only when asked for; reliability-corpus.ts): every app of `--apps` (default
 *   `corpus`: each compatibility-corpus app thaw restores; also a corpus dir, `DIR:ENTRY`, or
 *   `examples/NAME`) restored and cold, both up side by side, the load going to one at a time in
 *   R rounds of turns per concurrency (S seconds each in all, default 30 s, 1 and 16 connections,
 *   3 rounds), with the server's CPU time per 1000 requests: restored / cold of it is the
 *   throughput criterion on a shared machine, where requests/s of runs minutes apart differ.
 * - **heap** (only when asked for; reliability-heap.ts): each app of `--heap-apps` (default
 *   hapi and react-ssr) restored and cold loaded at the same time for `--heap-seconds` (300),
 *   RSS and V8's heap after each full GC (live vs committed) every 10 s: whether memory settles,
 *   and whether what grows is the app's objects or V8 sizing its heap.
 * - **faults** (reliability-faults.ts): kill -9 of `thaw build` and of its builder at K random
 *   moments, of `IMG/start` mid-answer, a full disk and a read-only output folder: what was
 *   said, half images, processes left, whether the next build succeeded.
 *
 * Writes the tables into the `reliability`, `soak`, `reliability-corpus`, `soak-heap` and `faults` sections of BENCHMARKS.md with the
 * machine and command; `--parts` picks what to measure (`reliability` is load and uniqueness),
 * and so which sections are rewritten.
 */
import autocannon from 'autocannon';
import { mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { machineInfo } from '../src/bench/index.js';
import { median } from '../src/bench/stats.js';
import { sampleTree } from '../src/launch/memory.js';
import { freePort } from '../src/launch/port.js';
import { httpOnce, resolveProbe, waitReady } from '../src/launch/probe.js';
import { killAll, run, start, type Child } from '../src/launch/spawn.js';
import { buildImage } from '../src/snapshot/build.js';
import { readWarmup, warmupProbe, wireRequest } from '../src/snapshot/warmup-file.js';
import type { WarmupRequest } from '../src/runtime/protocol.js';
import { option, root, slope, writeSection } from './common.js';
import { measureFaults } from './reliability-faults.js';
import { autocannonVersion, loadApp, loadTable, loadTargets, warmUp, type LoadRow as CorpusRow } from './reliability-corpus.js';
import { heapSoak, heapTable } from './reliability-heap.js';

const seconds = Number(option('seconds', '10'));
const connections = option('connections', '1,16').split(',').map(Number);
const restores = Number(option('restores', '100'));
const node = option('node', join(root, 'node_modules/node24/bin/node'));
const examples = option('examples', 'hello,ts-service,express-app,markdown-app').split(',').filter(Boolean);
const kills = Number(option('kills', '10'));
const parts = new Set(option('parts', 'reliability,faults').split(','));
const out = join(root, '.thaw/bench-reliability');
mkdirSync(out, { recursive: true });
const say = (m: string): void => void process.stderr.write(`bench:reliability: ${m}\n`);

/** Start a server (an image's start script, or node ENTRY) on a free port and wait until it answers `ready`. */
async function serve(argv: string[], ready: WarmupRequest, cwd: string): Promise<{ child: Child; port: number }> {
  const port = await freePort();
  const child = start(argv, { cwd, env: { PORT: String(port) } });
  await waitReady(resolveProbe(warmupProbe(ready), port), { deadline: performance.now() + 30_000, abort: () => (child.done ? `${argv.join(' ')} exited: ${child.stderr()}` : null) });
  return { child, port };
}

interface LoadRow {
  example: string;
  config: 'restored' | 'cold';
  connections: number;
  rps: number;
  meanMs: number;
  p99: number;
  errors: number;
  non2xx: number;
  rssStartMb: number;
  rssEndMb: number;
  /** RSS growth over the second half of the run, MB per 10 s (least squares). */
  trendMbPer10s: number;
  /** The same over the first half: a second half far below it means RSS is settling. */
  earlyTrendMbPer10s: number;
  /** Anonymous memory (heaps: V8's and malloc's) at the start and the end, MB. */
  anonStartMb: number;
  anonEndMb: number;
}

/** The cold run of the same example at the same concurrency as `r`. */
function coldTwin<R extends { example: string; connections: number; config: string }>(rows: R[], r: R): R | undefined {
  return rows.find((x) => x.example === r.example && x.connections === r.connections && x.config === 'cold');
}

/** Anonymous resident memory of one process (smaps_rollup), MB. */
function anonMb(pid: number): number {
  try {
    const m = /^Anonymous:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function load(example: string, config: 'restored' | 'cold', argv: string[], cwd: string, warmup: WarmupRequest[], c: number, seconds: number): Promise<LoadRow> {
  const first = warmup[0]!;
  const { child, port } = await serve(argv, first, cwd);
  try {
    if (config === 'cold') await warmUp(port, warmup);
    const rss: Array<[number, number]> = [];
    const t0 = performance.now();
    const sample = (): void => {
      const s = sampleTree(child.pid);
      if (s) rss.push([(performance.now() - t0) / 1000, s.rssKb / 1024]);
    };
    sample();
    const anonStartMb = anonMb(child.pid);
    const timer = setInterval(sample, 1000);
    const { headers, body } = wireRequest(first);
    const result = await autocannon({ url: `http://127.0.0.1:${port}${first.path}`, method: first.method as 'GET', headers, body, connections: c, duration: seconds });
    clearInterval(timer);
    sample();
    const anonEndMb = anonMb(child.pid);
    const late = rss.filter(([t]) => t >= seconds / 2);
    const early = rss.filter(([t]) => t < seconds / 2);
    return {
      example,
      config,
      connections: c,
      rps: result.requests.average,
      meanMs: result.latency.average,
      p99: result.latency.p99,
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
      rssStartMb: rss[0]?.[1] ?? NaN,
      rssEndMb: rss[rss.length - 1]?.[1] ?? NaN,
      trendMbPer10s: slope(late) * 10,
      earlyTrendMbPer10s: slope(early) * 10,
      anonStartMb,
      anonEndMb,
    };
  } finally {
    await child.kill();
  }
}

if (parts.has('reliability')) {
  const loadBefore = loadavg()[0]!.toFixed(1);
  const rows: LoadRow[] = [];
  for (const example of examples) {
    const dir = join(root, 'examples', example);
    const warmupFile = join(dir, 'warmup.json');
    const warmup = readWarmup(warmupFile);
    const img = join(out, example);
    say(`${example}: building the image with ${node}`);
    await buildImage({ entry: join(dir, 'server.js'), out: img, warmupFile, node, verify: false });
    for (const c of connections) {
      for (const config of ['restored', 'cold'] as const) {
        say(`${example}: ${config}, ${c} connection(s), ${seconds} s`);
        rows.push(await load(example, config, config === 'restored' ? [join(img, 'start')] : [node, join(dir, 'server.js')], dir, warmup, c, seconds));
      }
    }
  }

  // Uniqueness: N restores of one image, each asked once.
  say(`uniqueness: ${restores} restores of test/fixtures/core/entropy.mjs`);
  const entropyImg = join(out, 'entropy');
  await buildImage({ entry: join(root, 'test/fixtures/core/entropy.mjs'), out: entropyImg, node, verify: false });
  const answers: Array<Record<string, unknown>> = [];
  for (let i = 0; i < restores; i++) {
    const { child, port } = await serve([join(entropyImg, 'start')], { method: 'GET', path: '/' }, root);
    try {
      answers.push(JSON.parse((await httpOnce(resolveProbe(warmupProbe({ method: 'GET', path: '/' }), port))).body) as Record<string, unknown>);
    } finally {
      await child.kill();
    }
  }
  const distinct = (k: string): number => new Set(answers.map((a) => JSON.stringify(a[k]))).size;
  const uniqueness = { uuid: distinct('uuid'), webUuid: distinct('webUuid'), bytes: distinct('bytes'), int: distinct('int'), web: distinct('web'), math: distinct('math'), atLoad: distinct('atLoad'), instance: distinct('instance') };

  const m = machineInfo();
  const nodeVersion = (await run([node, '--version'])).stdout.trim();
  const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '—');
  const lines = [
    `Each example restored from its image and started cold, each after the same warm-up, then driven with`,
    `autocannon ${JSON.parse(readFileSync(join(root, 'node_modules/autocannon/package.json'), 'utf8')).version} for ${seconds} s per concurrency with its representative request (the first of its warm-up file;`,
    `restored and cold take turns), on Node ${nodeVersion}. RSS of the server's process tree is sampled every second;`,
    `"RSS trend" is its least-squares slope over the second half of the run, in MB per 10 s (near 0: stable).`,
    `Load generator and server share the machine's cores, so the absolute rates are the machine's, the comparison is the point.`,
    `Measured ${new Date().toISOString().slice(0, 10)} on ${m.cpu}, ${m.nproc} cores, Linux ${m.kernel} (1-minute load average ${loadBefore} before, ${loadavg()[0]!.toFixed(1)} after), with:`,
    '',
    '```sh',
    `npm run bench:reliability -- --seconds ${seconds} --connections ${connections.join(',')} --restores ${restores}`,
    '```',
    '',
    '| example | connections | start | req/s | restored / cold req/s | mean latency ms | p99 ms | errors | non-2xx | RSS MB start → end | RSS trend MB/10 s |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
  ];
  for (const r of rows) {
    const cold = coldTwin(rows, r);
    const ratio = r.config === 'restored' && cold ? (r.rps / cold.rps).toFixed(2) : '';
    lines.push(`| ${r.example} | ${r.connections} | ${r.config} | ${f1(r.rps)} | ${ratio} | ${r.meanMs.toFixed(2)} | ${f1(r.p99)} | ${r.errors} | ${r.non2xx} | ${f1(r.rssStartMb)} → ${f1(r.rssEndMb)} | ${r.trendMbPer10s.toFixed(1)} |`);
  }
  const ratios = rows.filter((r) => r.config === 'restored').map((r) => r.rps / coldTwin(rows, r)!.rps);
  lines.push('', `Restored / cold throughput: median ${median(ratios).toFixed(2)}, range ${Math.min(...ratios).toFixed(2)} … ${Math.max(...ratios).toFixed(2)}; errors in all runs: ${rows.reduce((n, r) => n + r.errors + r.non2xx, 0)}.`);
  lines.push(
    '',
    `**Uniqueness**: ${restores} restores of one image of test/fixtures/core/entropy.mjs, one request each. Distinct first values`,
    `(the goal is ${restores} each): randomUUID ${uniqueness.uuid}, crypto.randomUUID (web) ${uniqueness.webUuid}, randomBytes ${uniqueness.bytes},`,
    `randomInt ${uniqueness.int}, getRandomValues ${uniqueness.web}, Math.random ${uniqueness.math}. Drawn at load, by design shared by every`,
    `restore (thaw doctor names both): a randomUUID ${uniqueness.atLoad === 1 ? '(1 value)' : `(${uniqueness.atLoad} values)`} and a Math.random instance id ${uniqueness.instance === 1 ? '(1 value)' : `(${uniqueness.instance} values)`}.`,
  );
  const section = lines.join('\n');
  process.stdout.write('\n' + section + '\n');

  writeSection('reliability', 'Reliability: restored servers under load, and every restore its own', section);
}

if (parts.has('soak')) {
  // The longer run: does RSS keep growing under load, or settle, and in what memory?
  const soakSeconds = Number(option('soak-seconds', '30'));
  const soakConnections = option('soak-connections', '1,16,64').split(',').map(Number);
  const soakRows: LoadRow[] = [];
  const loadBefore = loadavg()[0]!.toFixed(1);
  for (const example of examples) {
    const dir = join(root, 'examples', example);
    const warmupFile = join(dir, 'warmup.json');
    const warmup = readWarmup(warmupFile);
    const img = join(out, example);
    say(`soak: ${example}: building the image with ${node}`);
    await buildImage({ entry: join(dir, 'server.js'), out: img, warmupFile, node, verify: false });
    for (const c of soakConnections) {
      for (const config of ['restored', 'cold'] as const) {
        say(`soak: ${example}: ${config}, ${c} connection(s), ${soakSeconds} s`);
        soakRows.push(await load(example, config, config === 'restored' ? [join(img, 'start')] : [node, join(dir, 'server.js')], dir, warmup, c, soakSeconds));
      }
    }
  }
  const m = machineInfo();
  const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '—');
  const lines = [
    `Each example restored and cold (after the same warm-up) under autocannon for ${soakSeconds} s per concurrency, in turns, on Node`,
    `${(await run([node, '--version'])).stdout.trim()}. RSS of the server's tree every second; its least-squares slope over the first and the second half`,
    `of the run (MB per 10 s: a second half near 0, or far below the first, is memory settling); anonymous memory (V8's heap and`,
    `malloc's, from /proc/PID/smaps_rollup) at the start and the end. Measured ${new Date().toISOString().slice(0, 10)} on ${m.cpu}, ${m.nproc} cores`,
    `(1-minute load average ${loadBefore} before, ${loadavg()[0]!.toFixed(1)} after; other engineers' suites shared the machine), with:`,
    '',
    '```sh',
    `npm run bench:reliability -- --parts soak --soak-seconds ${soakSeconds} --soak-connections ${soakConnections.join(',')}`,
    '```',
    '',
    '| example | connections | start | req/s | restored / cold | errors | RSS MB start → end | anonymous MB start → end | RSS trend MB/10 s, 1st half → 2nd half |',
    '| --- | ---: | --- | ---: | ---: | ---: | --- | --- | --- |',
  ];
  for (const r of soakRows) {
    const cold = coldTwin(soakRows, r);
    const ratio = r.config === 'restored' && cold ? (r.rps / cold.rps).toFixed(2) : '';
    lines.push(`| ${r.example} | ${r.connections} | ${r.config} | ${f1(r.rps)} | ${ratio} | ${r.errors + r.non2xx} | ${f1(r.rssStartMb)} → ${f1(r.rssEndMb)} | ${f1(r.anonStartMb)} → ${f1(r.anonEndMb)} | ${r.earlyTrendMbPer10s.toFixed(1)} → ${r.trendMbPer10s.toFixed(1)} |`);
  }
  process.stdout.write('\n' + lines.join('\n') + '\n');
  writeSection('soak', `Restored under load for ${soakSeconds} s: throughput and memory over time`, lines.join('\n'));
}

if (parts.has('corpus')) {
  const apps = option('apps', 'corpus');
  const corpusSeconds = Number(option('corpus-seconds', '30'));
  const corpusConnections = option('corpus-connections', '1,16').split(',').map(Number);
  const rounds = Number(option('rounds', '3'));
  const loadBefore = loadavg()[0]!.toFixed(1);
  const started = new Date();
  const rows: CorpusRow[] = [];
  const failed: Array<{ name: string; why: string }> = [];
  const targets = loadTargets(apps.split(',').filter(Boolean));
  say(`corpus: ${targets.length} apps × ${corpusConnections.length} concurrencies × 2 × ${corpusSeconds} s of load ≈ ${Math.ceil((targets.length * corpusConnections.length * 2 * corpusSeconds) / 60)} min, builds aside`);
  for (const t of targets) {
    try {
      rows.push(...(await loadApp(t, { node, seconds: corpusSeconds, connections: corpusConnections, rounds, out: join(out, 'corpus'), say })));
    } catch (e) {
      const why = (e as Error).message.split('\n')[0]!;
      say(`corpus: ${t.name} not measured: ${why}`);
      failed.push({ name: t.name, why });
    }
  }
  const m = machineInfo();
  const lines = [
    `Each app restored from its image and started cold (given the image's warm-up over HTTP), both up side by side,`,
    `then driven with autocannon ${autocannonVersion()} and the app's first warm-up request, ${corpusSeconds} s per concurrency for each: the load goes to`,
    `one server at a time in ${rounds} rounds of ${(corpusSeconds / rounds).toFixed(0)} s turns (alternating which goes first), so a change in the machine's`,
    `load hits both alike. **CPU ms / 1000 req** is the user + system time of the server's process tree (/proc) over`,
    `its whole block divided by the requests it answered: the work a request costs it, which other processes on the`,
    `machine change far less than requests/s. **Restored / cold CPU per request is the throughput criterion under`,
    `load** (≤ 1.10 passes), with each round's own ratio in parentheses, in order. The same two processes serve 1, then 16`,
    `connections, so a 16-connection row starts where the 1-connection row ended; "RSS trend" is the least-squares`,
    `slope of the tree's RSS over the second half of its loaded time (near 0: stable). p99 is the worst turn's. Node`,
    `${(await run([node, '--version'])).stdout.trim()}; measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${m.cpu}, ${m.nproc} cores, shared with other engineers' work (1-minute load average ${loadBefore} before,`,
    `${loadavg()[0]!.toFixed(1)} after), with:`,
    '',
    '```sh',
    `npm run bench:reliability -- --parts corpus --apps ${apps} --corpus-seconds ${corpusSeconds} --corpus-connections ${corpusConnections.join(',')} --rounds ${rounds}`,
    '```',
    '',
    ...loadTable(rows, failed),
  ];
  process.stdout.write('\n' + lines.join('\n') + '\n');
  writeSection('reliability-corpus', 'Restored under load: the compatibility corpus, CPU per request', lines.join('\n'));
}

if (parts.has('heap')) {
  const apps = option('heap-apps', 'hapi,react-ssr:src/server.jsx');
  const heapSeconds = Number(option('heap-seconds', '300'));
  const heapConnections = Number(option('heap-connections', '8'));
  const loadBefore = loadavg()[0]!.toFixed(1);
  const started = new Date();
  const tables: string[] = [];
  for (const t of loadTargets(apps.split(',').filter(Boolean))) {
    try {
      const table = heapTable(await heapSoak(t, { node, seconds: heapSeconds, connections: heapConnections, out: join(out, 'heap'), say }));
      process.stdout.write(table.join('\n') + '\n\n');
      tables.push(...table, '');
    } catch (e) {
      const why = (e as Error).message.split('\n')[0]!;
      say(`heap: ${t.name} not measured: ${why}`);
      tables.push(`**${t.name}**: not measured: ${why}`, '');
    }
  }
  const m = machineInfo();
  const lines = [
    `Each app restored and cold (given the image's warm-up over HTTP), both loaded at the same time by one autocannon each`,
    `with the app's first warm-up request. Every 10 s (a row per 30 s below): each server's RSS, and V8's heap as its last`,
    `full garbage collection left it (\`--trace-gc\`: live objects / heap committed). Node ${(await run([node, '--version'])).stdout.trim()}; measured`,
    `${started.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${m.cpu}, ${m.nproc} cores (1-minute load average ${loadBefore} before, ${loadavg()[0]!.toFixed(1)} after), with:`,
    '',
    '```sh',
    `npm run bench:reliability -- --parts heap --heap-apps ${apps} --heap-seconds ${heapSeconds} --heap-connections ${heapConnections}`,
    '```',
    '',
    ...tables,
  ];
  process.stdout.write('\n' + lines.join('\n') + '\n');
  writeSection('soak-heap', 'Restored under load for minutes: does memory settle?', lines.join('\n'));
}

if (parts.has('faults')) {
  say(`faults: kill -9 at ${kills} random moments of thaw build, of IMG/start mid-answer, a full disk, a read-only folder`);
  const m = machineInfo();
  const lines = await measureFaults(join(out, 'faults'), kills, node, say);
  lines.push('', `Measured ${new Date().toISOString().slice(0, 10)} on ${m.cpu}, ${m.nproc} cores, Linux ${m.kernel}, with \`npm run bench:reliability -- --parts faults --kills ${kills}\`.`);
  process.stdout.write('\n' + lines.join('\n') + '\n');
  writeSection('faults', 'Faults: kill -9, a full disk, a read-only folder', lines.join('\n'));
}
await killAll();
