/**
 * The page server against a real client: thaw-uffd-touch maps the shmem file through the
 * preloaded shim (as QEMU maps guest RAM), reads pages in a known order and compares each with
 * the snapshot. The logs are read back with thaw's own importer.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { importUffdLog } from '../import/uffd-log.js';
import { killAll, run, running, start } from '../launch/spawn.js';
import { nativeHelpers, startPageServer } from './page-server.js';

const dir = mkdtempSync(join(tmpdir(), 'thaw-page-server-'));
const cacheDir = join(dir, 'cache');
const build = { cacheDir };
const PAGE = 4096;
const PAGES = 512;
/** Pages 64–79 of the snapshot are zero: they must be served as zero pages. */
const ZERO = { from: 64, to: 79 };

after(async () => {
  await killAll();
  rmSync(dir, { recursive: true, force: true });
});

function snapshot(): string {
  const p = join(dir, 'ram.bin');
  if (!existsSync(p)) {
    const b = randomBytes(PAGES * PAGE);
    b.fill(0, ZERO.from * PAGE, (ZERO.to + 1) * PAGE);
    writeFileSync(p, b);
  }
  return p;
}

/** Touch `order` (e.g. "300,0-99") through the shim; the client's JSON line. */
async function touch(env: Record<string, string>, memPath: string, order: string, flags: string[] = []): Promise<{ pages: number; mismatches: number; removedReadsZero: boolean | null; status: number; stderr: string }> {
  const h = await nativeHelpers(build);
  const r = await run([h.touch, ...flags, memPath, snapshot(), order], { env, timeoutMs: 60_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  return { ...(line ? JSON.parse(line) : { pages: 0, mismatches: -1, removedReadsZero: null }), status: r.status, stderr: r.stderr };
}

const physPages = (log: string): number[] => importUffdLog(readFileSync(log, 'utf8'), log)!.faults.map((f) => f.physAddr! / PAGE);

describe('page server', () => {
  test('serves each page a process touches from the snapshot, logs it in touch order, zero pages as Zeroing', async () => {
    const log = join(dir, 'demand-uffd.log');
    const ps = await startPageServer({ ramFile: snapshot(), log, build });
    assert.match(ps.memPath, /^\/dev\/shm\/thaw-uffd-/);
    assert.match(ps.env.LD_PRELOAD!, /libthaw-uffd\.so/);
    assert.equal(ps.memoryBackend(), `memory-backend-file,id=mem,mem-path=${ps.memPath},share=on,size=${PAGES * PAGE}`);
    const r = await touch(ps.env, ps.memPath, '300,0-99,60-70,511');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.mismatches, 0);
    assert.equal(r.pages, 113);
    const stats = await ps.stats;
    // 0-99 and 60-70 overlap: each page is served once.
    assert.equal(stats.faults, 102);
    assert.equal(stats.zeroed, 16, 'pages 64–79');
    assert.equal(stats.unknown, 0);
    const trace = importUffdLog(readFileSync(log, 'utf8'), log)!;
    assert.deepEqual(trace.problems, []);
    assert.deepEqual(trace.faults.map((f) => f.physAddr! / PAGE), [300, ...Array.from({ length: 100 }, (_, i) => i), 511]);
    assert.deepEqual(trace.faults.filter((f) => f.action === 'zero').map((f) => f.physAddr! / PAGE), Array.from({ length: 16 }, (_, i) => 64 + i));
    assert.ok(trace.faults.every((f) => f.tid !== undefined && f.access === 'read'));
    // Time stamps (ms since the process connected) never go back.
    assert.ok(trace.faults.every((f, i) => i === 0 || f.time >= trace.faults[i - 1]!.time));
    assert.equal(existsSync(ps.memPath), false, 'the memory file is removed when the server ends');
    assert.equal(existsSync(ps.socketPath), false);
  });

  test('--prefetch from an earlier log: the recorded pages are copied before the process touches them', async () => {
    const first = join(dir, 'record-uffd.log');
    const ps1 = await startPageServer({ ramFile: snapshot(), log: first, build });
    const order = '200-263,10-40,480';
    assert.equal((await touch(ps1.env, ps1.memPath, order)).status, 0);
    const recorded = (await ps1.stats).faults;
    assert.equal(recorded, 96);

    const second = join(dir, 'replay-uffd.log');
    const ps2 = await startPageServer({ ramFile: snapshot(), log: second, prefetch: first, build });
    // The delay stands for the process's own start-up, during which the prefetch runs; then the
    // recorded pages plus two it did not touch before.
    const r = await touch(ps2.env, ps2.memPath, `${order},5,6`, ['--delay-ms', '300']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.mismatches, 0, 'prefetched pages hold the snapshot');
    const stats = await ps2.stats;
    assert.equal(stats.prefetched, recorded);
    assert.ok(stats.faults <= 2 + 2, `demand faults ${stats.faults}: only the pages not recorded (5, 6) should fault`);
    const trace = importUffdLog(readFileSync(second, 'utf8'), second)!;
    const firstDemand = trace.faults.findIndex((f) => !f.prefetch);
    assert.equal(firstDemand, recorded, 'the log shows every prefetched page first');
    assert.deepEqual(trace.faults.slice(0, recorded).map((f) => f.physAddr! / PAGE), physPages(first), 'prefetched in the recorded order');
    assert.deepEqual(trace.faults.slice(recorded).map((f) => f.physAddr! / PAGE), [5, 6]);
  });

  test('four threads racing for the same pages while the prefetch copies them: each page served and logged once, all correct', async () => {
    const record = join(dir, 'race-record-uffd.log');
    const ps1 = await startPageServer({ ramFile: snapshot(), log: record, build });
    assert.equal((await touch(ps1.env, ps1.memPath, '0-511')).status, 0);
    await ps1.stats;
    for (let round = 0; round < 3; round++) {
      const log = join(dir, `race-${round}-uffd.log`);
      // No delay: demand faults from four threads meet the prefetch of the same pages (EEXIST).
      const ps = await startPageServer({ ramFile: snapshot(), log, prefetch: record, build });
      const r = await touch(ps.env, ps.memPath, '300-511,0-299', ['--threads', '4']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.mismatches, 0);
      assert.equal(r.pages, 4 * 512);
      const stats = await ps.stats;
      assert.equal(stats.faults + stats.prefetched, 512, JSON.stringify(stats));
      const trace = importUffdLog(readFileSync(log, 'utf8'), log)!;
      assert.equal(new Set(trace.faults.map((f) => f.physAddr)).size, 512, 'every page logged once');
      assert.equal(trace.faults.length, 512);
    }
  });

  test('fillRest: after the list, every other page is copied in the background, and nothing faults any more', async () => {
    const log = join(dir, 'fill-uffd.log');
    const list = join(dir, 'fill-list.txt');
    writeFileSync(list, '0x5000\n0x1000\n');
    const ps = await startPageServer({ ramFile: snapshot(), log, prefetch: list, fillRest: true, build });
    const r = await touch(ps.env, ps.memPath, `0-${PAGES - 1}`, ['--delay-ms', '500']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.mismatches, 0);
    const stats = await ps.stats;
    assert.equal(stats.prefetched, 2);
    assert.equal(stats.filled, PAGES - 2);
    assert.equal(stats.faults, 0);
    const text = readFileSync(log, 'utf8');
    assert.match(text, new RegExp(`^Filled the rest: ${PAGES - 2} pages`, 'm'));
    assert.deepEqual(importUffdLog(text, log)!.faults.map((f) => f.physAddr! / PAGE), [5, 1], 'the fill is one line, not a page each');
  });

  test('a page the process discards (MADV_REMOVE) reads back as zeros, not as the snapshot', async () => {
    const log = join(dir, 'remove-uffd.log');
    const ps = await startPageServer({ ramFile: snapshot(), log, build });
    const r = await touch(ps.env, ps.memPath, '7,8', ['--remove']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.removedReadsZero, true);
    const stats = await ps.stats;
    assert.equal(stats.removes, 1);
    const text = readFileSync(log, 'utf8');
    assert.match(text, /^UFFD_EVENT_REMOVE: 0x[0-9a-f]{16} - 0x[0-9a-f]{16}/m);
    assert.deepEqual(importUffdLog(text, log)!.faults.map((f) => [f.physAddr! / PAGE, f.action]), [[7, 'load'], [8, 'load'], [7, 'zero']]);
  });

  test('the served process killed mid-run: the server ends by itself, keeps the log, removes the memory file', async () => {
    const log = join(dir, 'killed-uffd.log');
    const ps = await startPageServer({ ramFile: snapshot(), log, build });
    const h = await nativeHelpers(build);
    const c = start([h.touch, '--delay-ms', '10000', ps.memPath, snapshot(), '0-9'], { env: ps.env });
    // Registered (the server logs the mapping) and then killed while it waits.
    const t0 = Date.now();
    while (!existsSync(`${log}.${process.pid}.partial`) || !readFileSync(`${log}.${process.pid}.partial`, 'utf8').includes('Segment')) {
      assert.ok(Date.now() - t0 < 10_000, 'the client registered');
      await new Promise((r) => setTimeout(r, 20));
    }
    await c.kill();
    const stats = await ps.stats;
    assert.equal(stats.faults, 0);
    assert.match(readFileSync(log, 'utf8'), /^Connected to PID \d+ at monotonic \d+\.\d{3}ms$/m);
    assert.equal(existsSync(ps.memPath), false);
  });

  test('without a page server the mapping fails with one line, instead of running on empty memory', async () => {
    const ps = await startPageServer({ ramFile: snapshot(), build });
    const env = { ...ps.env, THAW_UFFD_SOCKET: join(dir, 'nobody.sock') };
    const r = await touch(env, ps.memPath, '0');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /^thaw-uffd shim: connect to THAW_UFFD_SOCKET failed for \/dev\/shm\/thaw-uffd-.*: No such file or directory$/m);
    await ps.stop();
    assert.equal(existsSync(ps.memPath), false);
  });

  test('errors: no gcc, no RAM file, not a tmpfs', async () => {
    await assert.rejects(nativeHelpers({ cacheDir: join(dir, 'fresh'), cc: 'no-such-gcc' }), (e: Error & { code?: string; hint?: string }) => e.code === 'E_GCC_MISSING' && /apt-get install gcc/.test(e.hint ?? ''));
    assert.equal(existsSync(join(dir, 'fresh')), false, 'nothing half-built');
    await assert.rejects(startPageServer({ ramFile: join(dir, 'missing.bin'), build }), (e: Error & { code?: string }) => e.code === 'E_PAGE_SERVER' && /missing\.bin/.test(e.message));
    await assert.rejects(startPageServer({ ramFile: snapshot(), shmDir: dir, build }), (e: Error & { code?: string }) => e.code === 'E_PAGE_SERVER' && /not a tmpfs/.test(e.message));
  });

  test('SIGTERM to the process that started it leaves no server, memory file or socket behind', async () => {
    await nativeHelpers(build);
    const script = join(dir, 'hold.mjs');
    writeFileSync(
      script,
      `import { startPageServer } from ${JSON.stringify(new URL('./page-server.js', import.meta.url).href)};
const ps = await startPageServer({ ramFile: ${JSON.stringify(snapshot())}, log: ${JSON.stringify(join(dir, 'held.log'))}, build: { cacheDir: ${JSON.stringify(cacheDir)} } });
console.log(JSON.stringify({ memPath: ps.memPath, socketPath: ps.socketPath }));
setInterval(() => {}, 1000);`,
    );
    let seen!: (s: string) => void;
    const line = new Promise<string>((r) => (seen = r));
    const c = start([process.execPath, script], { onOutput: (s, chunk) => s === 'stdout' && chunk.includes('{') && seen(chunk) });
    const held = JSON.parse(await line) as { memPath: string; socketPath: string };
    assert.ok(existsSync(held.memPath) && existsSync(held.socketPath));
    const server = (await run(['pgrep', '-P', String(c.pid), 'thaw-uffd'])).stdout.trim();
    assert.match(server, /^\d+$/);
    process.kill(c.pid, 'SIGTERM');
    await c.exited;
    for (let i = 0; i < 100 && running(Number(server)); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(running(Number(server)), false, 'thaw-uffd is gone');
    assert.equal(existsSync(held.memPath), false);
    assert.equal(existsSync(held.socketPath), false);
    assert.deepEqual(
      (await run(['ls', dir])).stdout.split('\n').filter((f) => f.includes('held.log')),
      [],
      'no half-written log',
    );
  });
});
