/**
 * Restored vs cold under load, measured so that a loaded, shared machine disturbs the comparison
 * as little as possible (bench:reliability `--parts corpus`).
 *
 * For each app (a compatibility-corpus app, test/compat/DIR, or an example, examples/NAME) the
 * image is built and restored, the app is started cold and given the image's warm-up over HTTP,
 * and both stay up side by side. Then, per concurrency, the load (autocannon, the app's first
 * warm-up request) goes to one of them at a time in slices of S / R seconds, restored and cold
 * taking turns (R rounds, alternating which goes first), so each gets S seconds in all and drift
 * in the machine's load hits both alike. Per server and concurrency:
 *
 * - requests/s, errors (connection errors and timeouts), non-2xx answers, p99 (the worst slice);
 * - CPU time of its process tree (user + system, /proc/PID/stat, children included) per 1000
 *   requests over its whole block, idle moments between its slices included: work a server does
 *   per request, which other processes on the machine change far less than the rate at which it
 *   gets to do it. Restored / cold of it is the throughput criterion under load; each round's
 *   own ratio (slice against slice) gives its spread;
 * - RSS of the tree every second of its loaded time: at the start, at the end, and its
 *   least-squares slope over the second half of the loaded time (MB per 10 s; near 0: stable).
 *
 * The same two processes serve every concurrency in turn (1, then 16, …), so a row's RSS start is
 * where the previous concurrency left it.
 */
import autocannon from 'autocannon';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from '../src/bench/stats.js';
import { sampleTree } from '../src/launch/memory.js';
import { freePort } from '../src/launch/port.js';
import { httpOnce, resolveProbe, waitReady } from '../src/launch/probe.js';
import { run, start, type Child } from '../src/launch/spawn.js';
import { buildImage } from '../src/snapshot/build.js';
import { readWarmup, warmupProbe, wireRequest } from '../src/snapshot/warmup-file.js';
import type { WarmupRequest } from '../src/runtime/protocol.js';
import { coldOf, corpus, corpusDir, entryOf, envOf } from '../test/corpus.js';
import { inDir, root, slope } from './common.js';

/** One app to load: where it lives, what the image is built from, what runs cold. */
export interface LoadTarget {
  /** As the table names it: `koa`, `nestjs (src/main.ts)`, `examples/markdown-app`. */
  name: string;
  framework: string;
  cwd: string;
  entry: string;
  cold: string;
  env: Record<string, string>;
  /** An npm script to run first (tsc, next build). */
  build?: string;
}

/**
 * Resolve `--apps` names: a corpus dir (`koa`; `nestjs:src/main.ts` for a second entry of one
 * dir), `corpus` for every app thaw restores, or `examples/NAME`.
 */
export function loadTargets(names: string[]): LoadTarget[] {
  const restorable = corpus.filter((a) => !a.refused);
  const out: LoadTarget[] = [];
  for (const name of names) {
    if (name === 'corpus') {
      out.push(...loadTargets(restorable.map((a) => (a.entry ? `${a.dir}:${a.entry}` : a.dir))));
      continue;
    }
    if (name.startsWith('examples/')) {
      const cwd = join(root, name);
      if (!existsSync(join(cwd, 'server.js'))) throw new Error(`--apps ${name}: no ${name}/server.js`);
      out.push({ name, framework: 'example', cwd, entry: join(cwd, 'server.js'), cold: join(cwd, 'server.js'), env: {} });
      continue;
    }
    const [dir, entry] = name.split(':');
    const app = restorable.find((a) => a.dir === dir && (entry ? a.entry === entry : true));
    if (!app) throw new Error(`--apps ${name}: not an app of test/compat/corpus.json that thaw restores (${restorable.map((a) => a.dir).join(', ')})`);
    const cwd = join(corpusDir, app.dir);
    out.push({
      name: app.entry ? `${app.dir} (${app.entry})` : app.dir,
      framework: app.framework,
      cwd,
      entry: join(cwd, entryOf(app)),
      cold: join(cwd, coldOf(app)),
      env: envOf(app),
      build: app.build,
    });
  }
  return out;
}

export interface LoadRow {
  app: string;
  framework: string;
  connections: number;
  config: 'restored' | 'cold';
  requests: number;
  rps: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** CPU ms of the server's tree per 1000 requests over its whole block. */
  cpuMsPer1k: number;
  /** Per round: this server's slice CPU per 1000 requests. */
  sliceCpuMsPer1k: number[];
  rssStartMb: number;
  rssEndMb: number;
  /** RSS slope over the second half of the loaded time, MB per 10 s. */
  trendMbPer10s: number;
}

export interface LoadOptions {
  node: string;
  seconds: number;
  connections: number[];
  rounds: number;
  out: string;
  say: (m: string) => void;
}

export interface Server {
  config: 'restored' | 'cold';
  child: Child;
  port: number;
}

/** Start one of the app's servers on a free port and wait until it answers `ready`; `keepBytes` of its output are kept. */
export async function serve(config: 'restored' | 'cold', argv: string[], t: LoadTarget, ready: WarmupRequest, keepBytes?: number): Promise<Server> {
  const port = await freePort();
  const child = start(argv, { cwd: t.cwd, env: { ...t.env, PORT: String(port) }, keepBytes });
  await waitReady(resolveProbe(warmupProbe(ready), port), { deadline: performance.now() + 60_000, abort: () => (child.done ? `${argv.join(' ')} exited: ${child.stderr()}` : null) });
  return { config, child, port };
}

/** Replay a warm-up file over HTTP (what the image got inside the build). */
export async function warmUp(port: number, warmup: WarmupRequest[]): Promise<void> {
  for (const r of warmup) for (let i = 0; i < (r.repeat ?? 1); i++) await httpOnce(resolveProbe(warmupProbe(r), port));
}

function cpuS(pid: number): number {
  const s = sampleTree(pid);
  return s ? s.userS + s.systemS : NaN;
}

/**
 * Ready an app to load: its npm build step if it has one, then its image (built from its
 * directory with its environment, no verification) at `img`; its warm-up and first request.
 */
export async function prepareApp(t: LoadTarget, node: string, img: string, v8Flags: string[], say: (m: string) => void): Promise<{ warmup: WarmupRequest[]; first: WarmupRequest; img: string }> {
  if (t.build) {
    say(`${t.name}: npm run ${t.build}`);
    const b = await run(['npm', 'run', '--silent', t.build], { cwd: t.cwd, timeoutMs: 600_000 });
    if (b.status !== 0) throw new Error(`${t.name}: npm run ${t.build} failed: ${b.stderr.slice(-500)}`);
  }
  const warmupFile = join(t.cwd, 'warmup.json');
  const warmup = readWarmup(warmupFile);
  say(`${t.name}: building the image${v8Flags.length ? ` with ${v8Flags.join(' ')}` : ''}`);
  await inDir(t.cwd, t.env, () => buildImage({ entry: t.entry, out: img, warmupFile, node, v8Flags, verify: false }));
  return { warmup, first: warmup[0]!, img };
}

/** Load one app restored and cold, in turns; one row per server and concurrency. */
export async function loadApp(t: LoadTarget, o: LoadOptions): Promise<LoadRow[]> {
  const { warmup, first, img } = await prepareApp(t, o.node, join(o.out, t.name.replace(/\W+/g, '_')), [], o.say);
  const servers: Server[] = [];
  try {
    servers.push(await serve('restored', [join(img, 'start')], t, first));
    servers.push(await serve('cold', [o.node, t.cold], t, first));
    const cold = servers[1]!;
    await warmUp(cold.port, warmup);
    const { headers, body } = wireRequest(first);
    const slice = o.seconds / o.rounds;
    const rows: LoadRow[] = [];
    for (const c of o.connections) {
      const acc = new Map(servers.map((s) => [s, { requests: 0, loadedS: 0, errors: 0, non2xx: 0, p99: 0, slices: [] as number[], rss: [] as Array<[number, number]> }]));
      const cpu0 = new Map(servers.map((s) => [s, cpuS(s.child.pid)]));
      for (let round = 0; round < o.rounds; round++) {
        const order = round % 2 === 0 ? servers : [...servers].reverse();
        for (const s of order) {
          if (s.child.done) throw new Error(`${t.name}: the ${s.config} server exited under load: ${s.child.stderr().slice(-500)}`);
          o.say(`${t.name}: ${s.config}, ${c} connection(s), round ${round + 1}/${o.rounds}, ${slice} s`);
          const a = acc.get(s)!;
          const base = a.loadedS;
          const t0 = performance.now();
          const sample = (): void => {
            const m = sampleTree(s.child.pid);
            if (m) a.rss.push([base + (performance.now() - t0) / 1000, m.rssKb / 1024]);
          };
          sample();
          const timer = setInterval(sample, 1000);
          const before = cpuS(s.child.pid);
          const res = await autocannon({ url: `http://127.0.0.1:${s.port}${first.path}`, method: first.method as 'GET', headers, body, connections: c, duration: slice });
          const after = cpuS(s.child.pid);
          clearInterval(timer);
          sample();
          a.loadedS = base + slice;
          a.requests += res.requests.total;
          a.errors += res.errors + res.timeouts;
          a.non2xx += res.non2xx;
          a.p99 = Math.max(a.p99, res.latency.p99);
          a.slices.push(((after - before) * 1e6) / Math.max(1, res.requests.total));
        }
      }
      for (const s of servers) {
        const a = acc.get(s)!;
        const late = a.rss.filter(([x]) => x >= o.seconds / 2);
        rows.push({
          app: t.name,
          framework: t.framework,
          connections: c,
          config: s.config,
          requests: a.requests,
          rps: a.requests / a.loadedS,
          p99: a.p99,
          errors: a.errors,
          non2xx: a.non2xx,
          cpuMsPer1k: ((cpuS(s.child.pid) - cpu0.get(s)!) * 1e6) / Math.max(1, a.requests),
          sliceCpuMsPer1k: a.slices,
          rssStartMb: a.rss[0]?.[1] ?? NaN,
          rssEndMb: a.rss[a.rss.length - 1]?.[1] ?? NaN,
          trendMbPer10s: slope(late) * 10,
        });
      }
    }
    return rows;
  } finally {
    for (const s of servers) await s.child.kill();
  }
}

/** The table, its legend and a summary line. */
export function loadTable(rows: LoadRow[], failed: Array<{ name: string; why: string }>): string[] {
  const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '—');
  const lines = [
    '| app | connections | start | req/s | CPU ms / 1000 req | restored / cold CPU per request (rounds) | errors | non-2xx | p99 ms | RSS MB start → end | RSS trend MB/10 s |',
    '| --- | ---: | --- | ---: | ---: | --- | ---: | ---: | ---: | --- | ---: |',
  ];
  const ratios: number[] = [];
  for (const r of rows) {
    const cold = rows.find((x) => x.app === r.app && x.connections === r.connections && x.config === 'cold');
    let ratio = '';
    if (r.config === 'restored' && cold) {
      const q = r.cpuMsPer1k / cold.cpuMsPer1k;
      ratios.push(q);
      const per = r.sliceCpuMsPer1k.map((v, i) => v / cold.sliceCpuMsPer1k[i]!);
      ratio = `**${q.toFixed(2)}** (${per.map((x) => x.toFixed(2)).join(', ')})`;
    }
    lines.push(`| ${r.config === 'restored' ? r.app : ''} | ${r.connections} | ${r.config} | ${f1(r.rps)} | ${f1(r.cpuMsPer1k)} | ${ratio} | ${r.errors} | ${r.non2xx} | ${f1(r.p99)} | ${f1(r.rssStartMb)} → ${f1(r.rssEndMb)} | ${r.trendMbPer10s.toFixed(1)} |`);
  }
  const restored = rows.filter((r) => r.config === 'restored');
  lines.push(
    '',
    `Restored / cold CPU per request: median ${ratios.length ? median(ratios).toFixed(2) : '—'}, range ${ratios.length ? `${Math.min(...ratios).toFixed(2)} … ${Math.max(...ratios).toFixed(2)}` : '—'}` +
      ` over ${restored.length} app × concurrency pairs; errors restored: ${restored.reduce((n, r) => n + r.errors, 0)}, cold: ${rows.filter((r) => r.config === 'cold').reduce((n, r) => n + r.errors, 0)}.`,
  );
  for (const f of failed) lines.push('', `Not measured: ${f.name}: ${f.why}`);
  return lines;
}

export function autocannonVersion(): string {
  return (JSON.parse(readFileSync(join(root, 'node_modules/autocannon/package.json'), 'utf8')) as { version: string }).version;
}
