/**
 * The fault figures of `npm run bench:reliability`: kill -9 of `thaw build` (the CLI, or its
 * `node --build-snapshot` builder) at random moments, kill -9 of `IMG/start` mid-answer, a
 * disk that fills during the write (a 1 MiB tmpfs) and a read-only output folder (a tmpfs
 * remounted read-only; both need root). For each: what the person saw, whether a half image
 * was left at -o, how many processes were left a second later, and whether the next build to
 * the same -o succeeded.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { freePort } from '../src/launch/port.js';
import { processesUnder, settled } from '../src/launch/orphans.js';
import { resolveProbe, waitReady } from '../src/launch/probe.js';
import { run, start } from '../src/launch/spawn.js';
import { builderOf } from '../test/helpers.js';
import { root } from './common.js';

const thawBin = join(root, 'bin/thaw');
const fixture = (name: string): string => join(root, 'test/fixtures/core', name);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function whole(img: string): boolean {
  try {
    const m = JSON.parse(readFileSync(join(img, 'manifest.json'), 'utf8')) as { blob: { file: string; bytes: number } };
    return existsSync(join(img, 'start')) && statSync(join(img, m.blob.file)).size === m.blob.bytes;
  } catch {
    return false;
  }
}

function build(img: string, initMs: number, node: string) {
  return start([thawBin, 'build', fixture('slow-init.cjs'), '-o', img, '--no-verify', '--node', node], { env: { INIT_MS: String(initMs), THAW_CLI_NODE: process.execPath } });
}

export interface FaultRow {
  fault: string;
  trials: number;
  /** What the person saw (the first line of stderr, or the client's view), with how often. */
  seen: string;
  halfImages: number;
  leftProcesses: number;
  /** How many next builds to the same -o succeeded (null: no build was involved). */
  nextBuildOk: number | null;
}

/** kill -9 of the CLI and of the builder, alternately, at `n` random moments. */
async function killBuilds(dir: string, n: number, node: string, say: (m: string) => void): Promise<FaultRow[]> {
  const img = join(dir, 'img');
  const first = await run([thawBin, 'build', fixture('slow-init.cjs'), '-o', img, '--no-verify', '--node', node], { env: { INIT_MS: '0', THAW_CLI_NODE: process.execPath } });
  if (first.status !== 0) throw new Error(`the first build failed: ${first.stderr}`);
  const rows: Record<string, FaultRow & { lines: Map<string, number> }> = {};
  for (let i = 0; i < n; i++) {
    const target = i % 2 ? 'builder' : 'cli';
    const row = (rows[target] ??= { fault: target === 'cli' ? 'kill -9 of `thaw build` (the CLI)' : 'kill -9 of its `node --build-snapshot`', trials: 0, seen: '', halfImages: 0, leftProcesses: 0, nextBuildOk: 0, lines: new Map() });
    const cli = build(img, 3000, node);
    let victim = cli.pid;
    if (target === 'builder') victim = (await builderOf(cli)) ?? cli.pid;
    const delay = Math.floor(Math.random() * (target === 'cli' ? 4000 : 3300));
    await sleep(delay);
    try {
      process.kill(victim, 'SIGKILL');
    } catch {
      /* finished first */
    }
    const exit = await cli.exited;
    const line = target === 'cli' ? (exit.signal === 'SIGKILL' ? '(killed: nothing can print)' : 'finished first') : exit.status === 0 ? 'finished first' : (cli.stderr().split('\n')[0] ?? '').replace(/^thaw: error: (\[\w+\]).*$/, '$1');
    row.lines.set(line, (row.lines.get(line) ?? 0) + 1);
    row.trials++;
    row.leftProcesses += (await settled(dir, 1000)).length;
    if (existsSync(img) && !whole(img)) row.halfImages++;
    const next = await run([thawBin, 'build', fixture('slow-init.cjs'), '-o', img, '--no-verify', '--node', node], { env: { INIT_MS: '0', THAW_CLI_NODE: process.execPath } });
    const clean = readdirSync(dir).join(' ') === 'img';
    if (next.status === 0 && whole(img) && clean) row.nextBuildOk = (row.nextBuildOk ?? 0) + 1;
    say(`faults: kill -9 of the ${target} at +${delay} ms: ${line}; next build ${next.status === 0 && clean ? 'ok' : `FAILED ${next.stderr.split('\n')[0]}`}`);
  }
  return Object.values(rows).map(({ lines, ...r }) => ({ ...r, seen: [...lines].map(([l, c]) => `${l} ×${c}`).join(', ') }));
}

/** kill -9 of IMG/start while it is half-way through an answer, `n` times. */
async function killServer(dir: string, n: number, node: string): Promise<FaultRow> {
  const img = join(dir, 'img');
  const b = await run([thawBin, 'build', fixture('half-answer.cjs'), '-o', img, '--no-verify', '--node', node], { env: { THAW_CLI_NODE: process.execPath } });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  const seen = new Map<string, number>();
  let left = 0;
  for (let i = 0; i < n; i++) {
    const port = await freePort();
    const child = start([join(img, 'start')], { env: { PORT: String(port) } });
    await waitReady(resolveProbe({ url: 'http://127.0.0.1:$PORT/' }, port), { deadline: performance.now() + 30_000, abort: () => (child.done ? child.stderr() : null) });
    const outcome = await new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/half' }, (res) => {
        res.on('data', () => process.kill(child.pid, 'SIGKILL'));
        res.on('end', () => resolve('a whole answer'));
        res.on('error', (e: NodeJS.ErrnoException) => resolve(`connection closed (${e.code ?? e.message})`));
        res.on('aborted', () => resolve('connection closed (aborted)'));
      });
      req.on('error', (e: NodeJS.ErrnoException) => resolve(`connection closed before the head (${e.code})`));
      req.end();
    });
    seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
    await child.exited;
    left += (await settled(img, 1000)).length;
  }
  return { fault: 'kill -9 of `IMG/start` mid-answer', trials: n, seen: [...seen].map(([l, c]) => `${l} ×${c}`).join(', '), halfImages: 0, leftProcesses: left, nextBuildOk: null };
}

/** A full disk and a read-only folder, each on a tmpfs mounted for the purpose (root only). */
async function refusedWrites(dir: string, node: string): Promise<FaultRow[]> {
  if (process.getuid?.() !== 0) return [];
  const rows: FaultRow[] = [];
  for (const kind of ['full', 'ro'] as const) {
    const mnt = join(dir, kind);
    mkdirSync(mnt, { recursive: true });
    const m = await run(['mount', '-t', 'tmpfs', '-o', kind === 'full' ? 'size=1m' : 'size=16m', 'tmpfs', mnt]);
    if (m.status !== 0) return rows;
    try {
      if (kind === 'ro') await run(['mount', '-o', 'remount,ro', mnt]);
      const img = join(mnt, 'img');
      const r = await run([thawBin, 'build', fixture('slow-init.cjs'), '-o', img, '--no-verify', '--node', node], { env: { INIT_MS: '0', THAW_CLI_NODE: process.execPath } });
      const lines = r.stderr.trim().split('\n');
      const seen = `${lines[0]!.replace(/^thaw: error: /, '').split(root).join('')} (${lines.length} lines with the fix)`;
      const half = readdirSync(mnt).length;
      await run(['mount', '-o', kind === 'full' ? 'remount,size=128m' : 'remount,rw', mnt]);
      const next = await run([thawBin, 'build', fixture('slow-init.cjs'), '-o', img, '--no-verify', '--node', node], { env: { INIT_MS: '0', THAW_CLI_NODE: process.execPath } });
      rows.push({ fault: kind === 'full' ? 'disk full during the write (1 MiB tmpfs)' : 'read-only output folder (tmpfs remounted ro)', trials: 1, seen, halfImages: half, leftProcesses: processesUnder(mnt).length, nextBuildOk: next.status === 0 && whole(img) ? 1 : 0 });
    } finally {
      await run(['umount', mnt]);
    }
  }
  return rows;
}

export async function measureFaults(dir: string, kills: number, node: string, say: (m: string) => void): Promise<string[]> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const rows = [...(await killBuilds(join(dir, 'kill'), kills, node, say)), await killServer(join(dir, 'serve'), 5, node), ...(await refusedWrites(dir, node))];
  rmSync(dir, { recursive: true, force: true });
  return [
    `Faults from outside, each followed by a build to the same -o with space and write access (\`benchmarks/reliability-faults.ts\`;`,
    `builds of test/fixtures/core/slow-init.cjs with a 3 s init, killed at a uniformly random moment in the first 4 s, the CLI and`,
    `the builder alternately; "left" counts processes naming the output folder a second after the fault).`,
    '',
    '| fault | trials | what the person saw | half images at -o | processes left | next build succeeded |',
    '| --- | ---: | --- | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.fault} | ${r.trials} | ${r.seen.replace(/\|/g, '\\|')} | ${r.halfImages} | ${r.leftProcesses} | ${r.nextBuildOk === null ? '—' : `${r.nextBuildOk}/${r.trials}`} |`),
  ];
}
