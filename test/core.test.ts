/**
 * End-to-end: thaw build / IMG/start / thaw run / thaw doctor on real apps and real Node.
 * Every bad input must give one `thaw: error:` line with a code, a non-zero exit, no V8 crash
 * dump, and no image (or half-written temp directory) left behind.
 */
import assert from 'node:assert/strict';
import { closeSync, existsSync, linkSync, openSync, readSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { freePort } from '../src/launch/port.js';
import { get as httpsGet } from 'node:https';
import { killAll, run, start } from '../src/launch/spawn.js';
import { answer, assertCleanFailure, needs, nodes, root, scratch, serve, thaw, thawBin } from './helpers.js';

const fx = (name: string): string => join(root, 'test/fixtures/core', name);
const ex = (name: string): string => join(root, 'examples', name);
const work = scratch('thaw-core-');

/**
 * The secrets V8 (Node 24 and later) hashes strings with, found in a live process's anonymous
 * memory by their shape: three 64-bit words next to each other whose every byte has 4 bits set
 * and each 32 in all (rapidhash's make_secret draws them so), distinct, of varied bytes. A run
 * longer than 24 such bytes yields its shifted windows too; two processes with one secret give
 * the same list, with different ones disjoint lists.
 */
function hashSecrets(pid: number): string[] {
  const bits = (b: number): number => { let n = 0; for (; b; b &= b - 1) n++; return n; };
  const popcount = (w: bigint): number => bits(Number(w & 0xffffffffn)) + bits(Number(w >> 32n));
  const four = Uint8Array.from({ length: 256 }, (_, b) => (bits(b) === 4 ? 1 : 0));
  const found = new Set<string>();
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  try {
    for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
      const [range, perms, , , , name] = line.split(/\s+/);
      if (!range || !perms?.startsWith('r') || (name && name !== '[heap]')) continue;
      const [lo, hi] = range.split('-').map((x) => parseInt(x, 16)) as [number, number];
      if (hi - lo > 512 << 20) continue;
      const buf = Buffer.alloc(hi - lo);
      try {
        readSync(fd, buf, 0, buf.length, lo);
      } catch {
        continue;
      }
      for (let i = 0, run = 0; i < buf.length; i++) {
        run = four[buf[i]!] ? run + 1 : 0;
        if (run < 24) continue;
        const at = i - 23;
        const words = [0, 8, 16].map((o) => buf.readBigUInt64LE(at + o));
        if (words.every((w) => popcount(w) === 32) && new Set(words).size === 3 && new Set(buf.subarray(at, at + 24)).size >= 12) found.add(buf.toString('hex', at, at + 24));
      }
    }
  } finally {
    closeSync(fd);
  }
  return [...found].sort();
}

after(killAll);

describe('thaw build → IMG/start', () => {
  test('hello: the unmodified node:http app restores and answers on the restored PORT', async () => {
    const img = join(work, 'hello');
    const b = await thaw(['build', ex('hello/server.js'), '-o', img, '--warmup', ex('hello/warmup.json')]);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /warm-up: 20 request\(s\) \(20×200\)/);
    const m = JSON.parse(readFileSync(join(img, 'manifest.json'), 'utf8'));
    assert.equal(m.node.version, process.version);
    assert.equal(m.node.arch, process.arch);
    assert.match(m.blob.sha256, /^[0-9a-f]{64}$/);
    assert.equal(m.blob.bytes, statSync(join(img, 'snapshot.blob')).size);
    assert.equal(statSync(join(img, 'snapshot.blob')).mode & 0o777, 0o600, 'blob is private to its owner');
    assert.ok(m.envRead.includes('PORT'), 'PORT is listed as read during the build');
    assert.deepEqual(m.deferred.http.includes('createServer'), true);
    assert.equal(m.warmup.requests, 20);
    const s = await serve(img, '/hello');
    assert.equal(s.status, 200);
    assert.equal(s.body, 'Hello World\n');
    for (let i = 0; i < 100 && !s.child.stdout(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.match(s.child.stdout(), new RegExp(`listening on http://127.0.0.1:${s.port}/hello`), 'listen callback ran after restore on the new PORT');
    await s.child.kill();
  });

  test('express-app: Express 5 with JSON validation, warmed up, restored', async () => {
    const img = join(work, 'express');
    const b = await thaw(['build', ex('express-app/server.js'), '-o', img, '--warmup', ex('express-app/warmup.json')]);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /20×201/);
    const s = await serve(img, '/');
    // 20 orders were created by the warm-up inside the build: the restored heap has them.
    assert.deepEqual(JSON.parse(s.body), { service: 'orders', orders: 20 });
    const ok = await fetch(`http://127.0.0.1:${s.port}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customer: 'Grace Hopper', items: [{ sku: 'COB-1959', qty: 2 }] }) });
    assert.equal(ok.status, 201);
    assert.equal((await ok.json()).total, 2);
    const bad = await fetch(`http://127.0.0.1:${s.port}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customer: 'G', items: [{ sku: 'nope', qty: 0 }] }) });
    assert.equal(bad.status, 400);
    assert.deepEqual((await bad.json()).problems, ['customer: 2-64 letters', 'items[0].sku: like ABC-1234', 'items[0].qty: 1-999']);
    await s.child.kill();
  });

  test('ts-service: the TypeScript compiler, warmed into the snapshot, transpiles after restore', async () => {
    const img = join(work, 'ts');
    const b = await thaw(['build', ex('ts-service/server.js'), '-o', img, '--warmup', ex('ts-service/warmup.json')]);
    assert.equal(b.status, 0, b.stderr);
    const s = await serve(img, '/sample');
    assert.match(s.body, /export class Path/);
    assert.doesNotMatch(s.body, /interface Point/, 'types are gone');
    const r = await fetch(`http://127.0.0.1:${s.port}/transpile`, { method: 'POST', body: 'const x: number = 1; export { x };' });
    assert.deepEqual(await r.json(), { code: 'const x = 1;\nexport { x };\n', diagnostics: [] });
    await s.child.kill();
  });

  test('markdown-app: marked + highlight.js render highlighted HTML after restore', async () => {
    const img = join(work, 'markdown');
    const b = await thaw(['build', ex('markdown-app/server.js'), '-o', img, '--warmup', ex('markdown-app/warmup.json')]);
    assert.equal(b.status, 0, b.stderr);
    // Node 20 cannot snapshot compiled RegExp code (node-features.ts): thaw says what it did.
    if (process.version.startsWith('v20.')) assert.match(b.stdout, /note: Node v20.*--regexp-interpret-all/);
    const s = await serve(img, '/notes');
    assert.match(s.body, /<h1>Release notes<\/h1>/);
    assert.match(s.body, /<span class="hljs-keyword">def<\/span>/, 'python highlighted');
    assert.match(s.body, /<span class="hljs-title function_">fib<\/span>/);
    const r = await fetch(`http://127.0.0.1:${s.port}/render`, { method: 'POST', body: '```ts\nconst x: number = 1;\n```' });
    assert.match(await r.text(), /<span class="hljs-keyword">const<\/span>/);
    await s.child.kill();
  });

  test('thaw demo prints cold vs restored side by side with the ratio', async () => {
    const r = await thaw(['demo', '--example', 'hello', '--runs', '3', '-o', join(work, 'demo')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Benchmark 1: cold/);
    assert.match(r.stdout, /Benchmark 2: restored/);
    assert.match(r.stdout, /cold +\d+\.\d ms +\(median of 3\)\n +restored +\d+\.\d ms +\(median of 3\)\n +restored answers \d+\.\dx sooner/);
  });

  test('three restores of one image draw different randomness (randomUUID drawn during the build too)', async () => {
    const img = join(work, 'entropy');
    // The fixture answers with isRestored() and its argv: it differs from a cold start on purpose.
    const b = await thaw(['build', fx('entropy.mjs'), '-o', img, '--no-verify']);
    assert.equal(b.status, 0, b.stderr);
    const seen: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 3; i++) {
      const s = await serve(img, '/', { THAW_TEST_VAR: `run-${i}` }, ['--mode', `x${i}`]);
      const j = JSON.parse(s.body);
      seen.push(j);
      assert.equal(j.restored, true);
      assert.equal(j.env, `run-${i}`, 'process.env is the restored process\'s own');
      assert.deepEqual(j.argv, [fx('entropy.mjs'), '--mode', `x${i}`], 'argv has the cold shape: script, then the restored args');
      await s.child.kill();
    }
    for (const k of ['uuid', 'webUuid', 'int', 'bytes', 'web', 'math']) {
      assert.equal(new Set(seen.map((j) => j[k])).size, 3, `${k} differs in every restore: ${seen.map((j) => j[k]).join(', ')}`);
    }
    // What the app itself drew at load time is baked in: the doctor names it.
    assert.equal(new Set(seen.map((j) => j.atLoad)).size, 1);
    assert.equal(new Set(seen.map((j) => j.instance)).size, 1, 'Math.random() at load is shared too');
    assert.match(b.stdout, /\n {2}warning: 3 random value\(s\) drawn during init by the app's own code are shared by every restore \(crypto\.randomUUID at test\/fixtures\/core\/entropy\.mjs:6:\d+\); draw them in onRestore\(\), see thaw doctor\n/);
    const d = await thaw(['doctor', fx('entropy.mjs')]);
    assert.equal(d.status, 0, d.stderr);
    assert.match(d.stdout, /crypto\.randomUUID at test\/fixtures\/core\/entropy\.mjs:6:\d+/);
    assert.match(d.stdout, /\n {4}Math\.random at test\/fixtures\/core\/entropy\.mjs:8:\d+\n/);
  });

  test('an ES module entry with top-level await is evaluated to completion during the build', async () => {
    const img = join(work, 'tla');
    const b = await thaw(['build', fx('tla.mjs'), '-o', img]);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /verified: 1 request\(s\) \([^)]*\) answered alike restored and cold/);
    const s = await serve(img, '/');
    assert.equal(s.body, 'hi from top-level await');
    await s.child.kill();
  });

  test('outside a build the runtime API is inert: the same app runs cold with plain node', async () => {
    const port = await freePort();
    const child = start([process.execPath, fx('resources.mjs')], { env: { PORT: String(port) } });
    const j = JSON.parse((await answer(child, port)).body);
    assert.deepEqual(j.log, [], 'no hook ran in a cold start');
    assert.equal(j.builtWhileBuilding, false);
    assert.equal(j.timerRunning, true);
    await child.kill();
  });

  test('resources: checkpoint in reverse order, restore in order, timers closed and reopened', async () => {
    const img = join(work, 'resources');
    const b = await thaw(['build', fx('resources.mjs'), '-o', img, '--no-verify']);
    assert.equal(b.status, 0, b.stderr);
    const s = await serve(img, '/');
    await new Promise((r) => setTimeout(r, 60));
    const j = await (await fetch(`http://127.0.0.1:${s.port}/`)).json();
    assert.deepEqual(j.log, ['checkpoint:C', 'checkpoint:B', 'checkpoint:A', 'restore:A', 'restore:B', 'restore:C', 'onRestore']);
    assert.equal(j.builtWhileBuilding, true);
    assert.equal(j.timerRunning, true);
    assert.ok(j.ticks > 0, 'the interval restarted in afterRestore is ticking');
    await s.child.kill();
  });

  test('a restored process runs process.nextTick as fast as a cold one after a warm-up that varied its arguments', async () => {
    // Before the fix a restored process built every tick object on a deprecated map and
    // migrated it, twice as slow as cold. Compared side by side, interleaved, best of many timings
    // of 300,000 ticks per configuration (the machine may be loaded).
    const warm = join(work, 'ticks-warmup.json');
    writeFileSync(warm, JSON.stringify([{ method: 'GET', path: '/vary', repeat: 5 }]));
    const img = join(work, 'ticks');
    const b = await thaw(['build', fx('ticks.cjs'), '-o', img, '--warmup', warm, '--no-verify']);
    assert.equal(b.status, 0, b.stderr);
    const best = { restored: Infinity, cold: Infinity };
    const timeTicks = async (port: number): Promise<number> => Number(await (await fetch(`http://127.0.0.1:${port}/ticks`)).text());
    for (let round = 0; round < 3; round++) {
      const s = await serve(img, '/');
      for (let i = 0; i < 5; i++) best.restored = Math.min(best.restored, await timeTicks(s.port));
      await s.child.kill();
      const port = await freePort();
      const cold = start([process.execPath, fx('ticks.cjs')], { env: { PORT: String(port) } });
      await answer(cold, port, '/vary');
      for (let i = 0; i < 5; i++) best.cold = Math.min(best.cold, await timeTicks(port));
      await cold.kill();
    }
    assert.ok(best.restored < 1.5 * best.cold, `300,000 ticks: restored ${best.restored.toFixed(1)} ms of CPU vs cold ${best.cold.toFixed(1)} ms`);
  });

  /**
   * The fixture built (warmed with 5 GET /) and started cold, side by side in 3 interleaved
   * rounds: the best of the ms each answers on `path` (a timing taken inside the process), best
   * of many because the machine may be loaded.
   */
  async function bestOfRestoredAndCold(fixture: string, path: string): Promise<{ restored: number; cold: number }> {
    const name = fixture.replace(/\.cjs$/, '');
    const warm = join(work, `${name}-warmup.json`);
    writeFileSync(warm, JSON.stringify([{ method: 'GET', path: '/', repeat: 5 }]));
    const img = join(work, name);
    const b = await thaw(['build', fx(fixture), '-o', img, '--warmup', warm, '--no-verify']);
    assert.equal(b.status, 0, b.stderr);
    const best = { restored: Infinity, cold: Infinity };
    const timed = async (port: number): Promise<number> => Number(await (await fetch(`http://127.0.0.1:${port}${path}`)).text());
    for (let round = 0; round < 3; round++) {
      const s = await serve(img, '/');
      for (let i = 0; i < 5; i++) best.restored = Math.min(best.restored, await timed(s.port));
      await s.child.kill();
      const port = await freePort();
      const cold = start([process.execPath, fx(fixture)], { env: { PORT: String(port) } });
      for (let i = 0; i < 5; i++) await answer(cold, port, '/');
      for (let i = 0; i < 5; i++) best.cold = Math.min(best.cold, await timed(port));
      await cold.kill();
    }
    return best;
  }

  test('a restored process calls functions that declare functions inside them as fast as a cold one', async () => {
    // The image runs the app bundled with esbuild's keepNames, which followed every function
    // declaration with __name(f, "f"): an Object.defineProperty each time the enclosing function
    // ran (highlight.js's highlight(), Express's router), which made a restored Markdown server
    // spend 15% more CPU per request than a cold one. Side by side, interleaved, best of many
    // timings of 200,000 calls each (the machine may be loaded).
    const best = await bestOfRestoredAndCold('nested.cjs', '/nested');
    // Before the fix: 543 vs 7 ms; after, within noise of each other on a loaded machine.
    assert.ok(best.restored < 3 * best.cold, `200,000 calls: restored ${best.restored.toFixed(1)} ms vs cold ${best.cold.toFixed(1)} ms`);
  });

  test('a restored process opens files as fast as a cold one (what the build tracks, a restore does not)', async () => {
    // Before the fix every open of a restored process still went through the build's file
    // tracking, which formats a 30-frame stack per open: an Express + EJS server, whose
    // templates are read per request, spent 2.7x the CPU of a cold one per request. Side by
    // side, interleaved, best of many timings of 2,000 reads each (the machine may be loaded).
    const best = await bestOfRestoredAndCold('reads.cjs', '/reads');
    // Before the fix: 109 vs 5.5 ms; after, within noise of each other on a loaded machine.
    assert.ok(best.restored < 3 * best.cold, `2,000 reads: restored ${best.restored.toFixed(1)} ms vs cold ${best.cold.toFixed(1)} ms`);
  });

  test("IMG/start gives Node glibc's huge-page malloc, and the app sees the environment it was started with", async () => {
    const img = join(work, 'tunables');
    const b = await thaw(['build', fx('tunables.cjs'), '-o', img, '--no-verify']);
    assert.equal(b.status, 0, b.stderr);
    const s = await serve(img, '/');
    const j = JSON.parse(s.body);
    assert.deepEqual([j.tunables, j.mark], [null, null], 'the launcher\'s GLIBC_TUNABLES and its mark are gone from the app\'s process.env');
    // Where the kernel gives transparent huge pages on request, the restore used some.
    const thp = existsSync('/sys/kernel/mm/transparent_hugepage/enabled') ? readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8') : '[never]';
    if (!thp.includes('[never]')) {
      const huge = Number(/AnonHugePages:\s+(\d+)/.exec(readFileSync(`/proc/${j.pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
      assert.ok(huge > 0, `no anonymous huge pages in the restored process (THP: ${thp.trim()})`);
    }
    await s.child.kill();
    const own = await serve(img, '/', { GLIBC_TUNABLES: 'glibc.malloc.check=0' });
    assert.equal(JSON.parse(own.body).tunables, 'glibc.malloc.check=0', "a GLIBC_TUNABLES of the user's is left as it is");
    await own.child.kill();
  });

  test('TypeScript and CommonJS entries; __dirname means the source directory', async () => {
    const ts = join(work, 'typed');
    assert.equal((await thaw(['build', fx('typed.ts'), '-o', ts])).status, 0);
    const s1 = await serve(ts, '/fr');
    assert.equal(s1.body, 'Bonjour le monde');
    await s1.child.kill();
    const cjs = join(work, 'cjs');
    const b = await thaw(['build', fx('common.cjs'), '-o', cjs]);
    assert.equal(b.status, 0, b.stderr);
    const s2 = await serve(cjs, '/');
    assert.equal(s2.body, 'read from next to the source at build time');
    await s2.child.kill();
  });

  test('an https server created during the build serves TLS after restore', { skip: needs('openssl') }, async () => {
    const key = join(work, 'key.pem');
    const cert = join(work, 'cert.pem');
    const gen = await run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost']);
    assert.equal(gen.status, 0, gen.stderr);
    const img = join(work, 'tls');
    const b = await thaw(['build', fx('tls-server.mjs'), '-o', img], { env: { TLS_KEY: key, TLS_CERT: cert } });
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /deferred until restore: node:https/);
    const port = await freePort();
    const child = start([join(img, 'start')], { env: { PORT: String(port) } });
    let body = '';
    for (let i = 0; i < 500 && !body; i++) {
      body = await new Promise<string>((resolve) => {
        const req = httpsGet({ host: '127.0.0.1', port, path: '/', rejectUnauthorized: false }, (res) => {
          let t = '';
          res.on('data', (c) => (t += c));
          res.on('end', () => resolve(t));
        });
        req.on('error', () => setTimeout(() => resolve(''), 10));
      });
    }
    assert.equal(body, 'secure true\n');
    await child.kill();
  });

  test('signal listeners made during the build work after restore; errors after restore surface', async () => {
    const img = join(work, 'graceful');
    const b = await thaw(['build', fx('graceful.cjs'), '-o', img]);
    assert.equal(b.status, 0, b.stderr);
    const s = await serve(img, '/');
    s.child.proc.kill('SIGTERM');
    const exit = await s.child.exited;
    assert.equal(exit.status, 0);
    assert.match(s.child.stdout(), /shutting down/);
    const plain = await serve(img, '/');
    await fetch(`http://127.0.0.1:${plain.port}/throw`).catch(() => undefined);
    assert.equal((await plain.child.exited).status, 1, 'an uncaught error exits 1, as in a cold start');
    // As in a cold start, the stack names the app's own source line (through IMG/bundle.stackmap).
    assert.match(plain.child.stderr(), new RegExp(`Error: boom after restore\\n\\s+at Immediate.<anonymous> \\(${fx('graceful.cjs')}:5:\\d+\\)`), 'the stack names the app\'s own source line');
    // So it does under Node's own --enable-source-maps.
    const t = await serve(img, '/', { NODE_OPTIONS: '--enable-source-maps' });
    await fetch(`http://127.0.0.1:${t.port}/throw`).catch(() => undefined);
    const crashed = await t.child.exited;
    assert.equal(crashed.status, 1);
    assert.match(t.child.stderr(), /Error: boom after restore/);
    assert.match(t.child.stderr(), new RegExp(`at Immediate.<anonymous> \\(${fx('graceful.cjs')}:5:\\d+\\)`), 'the stack names the app\'s own source line');
  });

  test('thaw run IMG -- ARGS execs the image with its arguments', async () => {
    const img = join(work, 'entropy');
    const port = await freePort();
    const child = start([join(root, 'bin/thaw'), 'run', img, '--', 'one', 'two'], { env: { PORT: String(port) } });
    const { body } = await answer(child, port);
    assert.deepEqual(JSON.parse(body).argv, [fx('entropy.mjs'), 'one', 'two']);
    // bin/thaw exec'd IMG/start, which exec'd node: the process we started is Node itself.
    assert.match(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8'), /--snapshot-blob/);
    await child.kill();
  });

  test('--node-flags are used at build and at every restore (--perf-basic-prof names JIT frames)', async () => {
    const img = join(work, 'perfmap');
    const before = new Set(readdirSync(process.cwd()));
    const b = await thaw(['build', ex('hello/server.js'), '-o', img, '--node-flags', '--perf-basic-prof', '--warmup', ex('hello/warmup.json')]);
    assert.equal(b.status, 0, b.stderr);
    // Node 20 writes a V8 log into the cwd of every process under --perf-basic-prof: the
    // builder's and verify's are removed.
    assert.deepEqual(readdirSync(process.cwd()).filter((f) => !before.has(f) && /^isolate-0x/.test(f)), []);
    assert.deepEqual(JSON.parse(readFileSync(join(img, 'manifest.json'), 'utf8')).flags.restore.filter((f: string) => f === '--perf-basic-prof'), ['--perf-basic-prof']);
    const s = await serve(img, '/hello', {}, [], 1, work);
    const map = `/tmp/perf-${s.child.pid}.map`;
    try {
      assert.ok(existsSync(map), 'the restored process writes a perf map');
      assert.match(readFileSync(map, 'utf8'), /JS:/);
    } finally {
      await s.child.kill();
      rmSync(map, { force: true });
    }
    const bad = await thaw(['build', ex('hello/server.js'), '-o', join(work, 'badflags'), '--node-flags', '--interpreted-frames-native-stack']);
    assertCleanFailure(bad, 'E_USAGE', join(work, 'badflags'));
  });

  test('a single executable (--sea) restores with nothing but itself', async () => {
    const img = join(work, 'sea');
    const b = await thaw(['build', ex('hello/server.js'), '-o', img, '--sea', '--warmup', ex('hello/warmup.json')]);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /single executable/);
    assert.match(b.stdout, /\n {2}single executable \(Node and the snapshot\) \d+(\.\d)? MB, bundle/, 'its size is not called the snapshot');
    const s = await serve(img, '/hello', { PATH: '/nonexistent' });
    assert.equal(s.body, 'Hello World\n');
    await s.child.kill();
    // argv has the cold shape in a single executable too.
    const e = join(work, 'sea-argv');
    assert.equal((await thaw(['build', fx('entropy.mjs'), '-o', e, '--sea', '--no-verify'])).status, 0);
    const a = await serve(e, '/', {}, ['one']);
    assert.deepEqual(JSON.parse(a.body).argv, [fx('entropy.mjs'), 'one']);
    await a.child.kill();
  });
});

describe('Node versions', () => {
  for (const [name, node] of Object.entries(nodes)) {
    test(`hello builds and restores on Node ${name}`, async () => {
      const img = join(work, `hello-node-${name}`);
      const b = await thaw(['build', ex('hello/server.js'), '-o', img, '--node', node, '--warmup', ex('hello/warmup.json')]);
      assert.equal(b.status, 0, b.stderr);
      const m = JSON.parse(readFileSync(join(img, 'manifest.json'), 'utf8'));
      assert.equal(m.node.path, node);
      // Node 20's V8 refuses a restore under --no-rehash-snapshot: its restores keep a seed each.
      const node20 = m.node.version.startsWith('v20.');
      assert.equal(m.hashSeed, node20 ? 'restore' : 'image');
      assert.deepEqual(m.flags.restore, node20 ? [] : ['--no-rehash-snapshot']);
      const s = await serve(img, '/hello');
      assert.equal(s.body, 'Hello World\n');
      await s.child.kill();
    });
  }
  test("restores of one image share the hash secret its build drew, another build's differs, --rehash gives each restore its own (Node 24)", async () => {
    const secrets = async (img: string): Promise<string[]> => {
      const s = await serve(img, '/hello');
      try {
        return hashSecrets(s.child.pid);
      } finally {
        await s.child.kill();
      }
    };
    const build = async (name: string, ...more: string[]): Promise<string> => {
      const img = join(work, name);
      const b = await thaw(['build', ex('hello/server.js'), '-o', img, '--node', nodes['24']!, '--no-verify', ...more]);
      assert.equal(b.status, 0, b.stderr);
      return img;
    };
    const [a, b, fresh] = [await build('seed-a'), await build('seed-b'), await build('seed-fresh', '--rehash')];
    assert.equal(JSON.parse(readFileSync(join(fresh, 'manifest.json'), 'utf8')).hashSeed, 'restore');
    const [a1, a2, b1, f1, f2] = [await secrets(a), await secrets(a), await secrets(b), await secrets(fresh), await secrets(fresh)];
    for (const found of [a1, a2, b1, f1, f2]) assert.ok(found.length > 0, 'the secret is found in the restored process');
    assert.deepEqual(a1, a2, 'two restores of one image hash with the secret of its build');
    const disjoint = (x: string[], y: string[]): boolean => !x.some((k) => y.includes(k));
    assert.ok(disjoint(a1, b1), 'another build drew another secret');
    assert.ok(disjoint(f1, f2) && disjoint(f1, a1), 'with --rehash each restore draws its own');
  });

  test('express-app builds and restores on Node 26', async () => {
    const img = join(work, 'express-26');
    const b = await thaw(['build', ex('express-app/server.js'), '-o', img, '--node', nodes['26']!, '--warmup', ex('express-app/warmup.json')]);
    assert.equal(b.status, 0, b.stderr);
    const s = await serve(img, '/orders/3');
    assert.equal(JSON.parse(s.body).id, 3);
    await s.child.kill();
  });
});

describe('interrupted and concurrent builds leave nothing behind', () => {
  const dir = join(work, 'interrupts');
  const img = join(dir, 'img');
  const besideImg = () => (existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('img')) : []);
  /** Start `thaw build` of the slow-init app and wait until its builder runs (its log exists). */
  async function building(): Promise<ReturnType<typeof start>> {
    const child = start([thawBin, 'build', fx('slow-init.cjs'), '-o', img, '--no-verify'], { env: { INIT_MS: '4000', THAW_CLI_NODE: process.execPath } });
    const t0 = Date.now();
    const builderLog = (): boolean => besideImg().some((f) => f.startsWith('img.tmp-') && existsSync(join(dir, f, 'build.log')));
    while (!builderLog() && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
    assert.ok(builderLog(), 'the builder started');
    await new Promise((r) => setTimeout(r, 300));
    return child;
  }
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    test(`${sig} during a build: says so, exits 128+n, keeps no image, no temporary directory, no lock`, async () => {
      const child = await building();
      process.kill(child.pid, sig);
      const exit = await child.exited;
      assert.equal(exit.status, sig === 'SIGINT' ? 130 : 143);
      assert.match(child.stderr(), new RegExp(`thaw: interrupted \\(${sig}\\); stopped what it had started, kept nothing half-written\\n$`));
      assert.deepEqual(besideImg(), []);
    });
  }
  test('two builds to one -o: the second says another is writing it; a build killed with -9 is swept by the next', async () => {
    const first = await building();
    const second = await thaw(['build', fx('slow-init.cjs'), '-o', img, '--no-verify'], { env: { INIT_MS: '0' } });
    assertCleanFailure(second, 'E_OUTPUT_BUSY');
    assert.match(second.stderr, new RegExp(`another thaw build \\(pid ${first.pid}\\) is writing .*img\\n`));
    const ok = await first.exited;
    assert.equal(ok.status, 0, first.stderr());
    assert.deepEqual(besideImg(), ['img'], 'the image, and nothing else');
    // kill -9: nothing can run; the next build to the same -o takes over its lock and sweeps.
    const killed = await building();
    process.kill(killed.pid, 'SIGKILL');
    await killed.exited;
    assert.ok(besideImg().length > 1, `left behind: ${besideImg().join(' ')}`);
    const next = await thaw(['build', fx('slow-init.cjs'), '-o', img, '--no-verify'], { env: { INIT_MS: '0' } });
    assert.equal(next.status, 0, next.stderr);
    assert.deepEqual(besideImg(), ['img']);
  });
});

describe('bad input: one clear line, non-zero exit, nothing half-written', () => {
  const out = (n: string): string => join(work, `bad-${n}`);

  test('missing entry', async () => {
    assertCleanFailure(await thaw(['build', join(work, 'nope.js'), '-o', out('missing')]), 'E_ENTRY_MISSING', out('missing'));
  });
  test('a directory entry is what `node DIR` runs (package.json "main", else index.js); one with neither is refused', async () => {
    const dir = join(work, 'dir-entry');
    mkdirSync(join(dir, 'lib'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'dir-entry', main: 'lib/app' }));
    writeFileSync(join(dir, 'lib/app.js'), "require('node:http').createServer((q, s) => s.end('main ' + require('node:path').basename(__filename))).listen(Number(process.env.PORT) || 3000);\n");
    const img = join(work, 'dir-entry-img');
    const b = await thaw(['build', '.', '-o', img], { cwd: dir });
    assert.equal(b.status, 0, b.stderr);
    const s = await serve(img, '/', {}, [], 1, dir);
    await s.child.kill();
    assert.equal(s.body, 'main app.js');
    const empty = join(work, 'empty-dir');
    mkdirSync(empty, { recursive: true });
    const r = await thaw(['build', empty, '-o', out('dir')]);
    assertCleanFailure(r, 'E_ENTRY_MISSING', out('dir'));
    assert.match(r.stderr, /neither a package\.json "main" nor an index\.js/);
  });
  test('syntax error names file and line', async () => {
    const r = await thaw(['build', fx('syntax.cjs'), '-o', out('syntax')]);
    assertCleanFailure(r, 'E_SYNTAX', out('syntax'));
    assert.match(r.stderr, /syntax\.cjs:3:\d+/);
  });
  test('app throwing during init names the throw site', async () => {
    const r = await thaw(['build', fx('throws-init.cjs'), '-o', out('init')]);
    assertCleanFailure(r, 'E_APP_INIT', out('init'));
    assert.match(r.stderr, /database URL missing \(at test\/fixtures\/core\/throws-init\.cjs:4:\d+\)/);
  });
  test('an app that calls process.exit during init', async () => {
    const r = await thaw(['build', fx('exits.cjs'), '-o', out('exit')]);
    assertCleanFailure(r, 'E_APP_EXIT', out('exit'));
    assert.match(r.stderr, /process\.exit\(2\) during the build \(at test\/fixtures\/core\/exits\.cjs:4:\d+\)/);
  });
  test('warm-up answered 5xx fails the build, naming the request', async () => {
    const wu = join(work, 'wu-500.json');
    writeFileSync(wu, JSON.stringify([{ method: 'GET', path: '/ok' }, { method: 'GET', path: '/boom' }]));
    const r = await thaw(['build', fx('warmup-errors.cjs'), '-o', out('5xx'), '--warmup', wu]);
    assertCleanFailure(r, 'E_WARMUP_5XX', out('5xx'));
    assert.match(r.stderr, /GET \/boom was answered 500: database unavailable/);
  });
  test('app throwing during warm-up', async () => {
    const wu = join(work, 'wu-crash.json');
    writeFileSync(wu, JSON.stringify([{ method: 'GET', path: '/crash' }]));
    const r = await thaw(['build', fx('warmup-errors.cjs'), '-o', out('crash'), '--warmup', wu]);
    assertCleanFailure(r, 'E_WARMUP_FAILED', out('crash'));
    assert.match(r.stderr, /cannot read the template \(at test\/fixtures\/core\/warmup-errors\.cjs:5:\d+\)/);
  });
  test('bad warm-up file: each mistake named with where it is and the fix; typos in keys are mistakes', async () => {
    const wu = join(work, 'wu-bad.json');
    const cases: Array<[string, RegExp]> = [
      ['[{ "method": "GET" }]', /item 0: needs a "path" starting with \//],
      ['[{ "method": "GET", "path": "/", "repat": 5 }]', /item 0 has an unknown key "repat" \(did you mean "repeat"\?\)\n {2}fix: a request has only "method", "path", "headers", "body", "repeat"/],
      ['[{ "method": "GTE", "path": "/" }]', /item 0: "method" "GTE" is not an HTTP method Node knows/],
      ['[{ "method": "GET", "path": "/", "repeat": 0 }]', /item 0: "repeat" must be a whole number from 1/],
      ['[\n  { "method": "GET", "path": "/", }\n]', /is not valid JSON at line 2, column 35: /],
      ['{ "method": "GET", "path": "/" }', /must hold a JSON array of requests, not a single value\n {2}fix: wrap the requests in \[ … \]/],
    ];
    for (const [text, message] of cases) {
      writeFileSync(wu, text);
      const r = await thaw(['build', ex('hello/server.js'), '-o', out('wufile'), '--warmup', wu]);
      assertCleanFailure(r, 'E_WARMUP_FILE', out('wufile'));
      assert.match(r.stderr, message, text);
    }
    // A path the app does not serve warms an error page: built, with a warning.
    writeFileSync(wu, JSON.stringify([{ method: 'get', path: '/typo', repeat: 3 }, { method: 'GET', path: '/hello' }]));
    const b = await thaw(['build', ex('hello/server.js'), '-o', out('wu4xx'), '--warmup', wu, '--no-verify']);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /\n {2}warning: 3 warm-up request\(s\) answered 4xx \(GET \/typo → 404\): they warmed an error page, not the route; check their paths in the warm-up file\n/);
  });
  test('usage mistakes: one line with [E_USAGE] and where to look, suggestions on the same line', async () => {
    const none = await thaw(['build']);
    assertCleanFailure(none, 'E_USAGE');
    assert.equal(none.stderr, "thaw: error: [E_USAGE] missing required argument 'entry'\n  fix: thaw build --help shows the usage\n");
    const typo = await thaw(['bench', '--runz', '3']);
    assert.equal(typo.stderr, "thaw: error: [E_USAGE] unknown option '--runz' (did you mean --runs?)\n  fix: thaw bench --help shows the usage\n");
    const cmd = await thaw(['biuld', 'x.js']);
    assert.equal(cmd.stderr, "thaw: error: [E_USAGE] unknown command 'biuld' (did you mean build?)\n  fix: thaw --help shows the usage\n");
    assert.equal(cmd.status, 1);
    const rehash = await thaw(['build', ex('hello/server.js'), '-o', join(work, 'never'), '--node-flags', '--rehash-snapshot']);
    assertCleanFailure(rehash, 'E_USAGE');
    assert.match(rehash.stderr, /--node-flags: --rehash-snapshot cannot be used with a thaw image\n {2}fix: thaw build --rehash gives every restore its own hash seed\n$/);
    // Output into a reader that stops early ends quietly, as for any Unix tool (no EPIPE trace).
    const perf = out('many-stacks.txt');
    writeFileSync(perf, Array.from({ length: 20_000 }, (_, i) => `node 1 ${i}.0: 1 cpu-clock:\n\tffff frame_${i} (/bin/x)\n\n`).join(''));
    const piped = await run(['sh', '-c', `${thawBin} fold ${perf} | head -1; ${thawBin} --help | head -1`], { env: { THAW_CLI_NODE: process.execPath } });
    assert.equal(piped.stderr, '');
    assert.match(piped.stdout, /^node;frame_\d+ 1\nUsage: thaw/);
  });
  test('a live interval at checkpoint time is named with where it was created', async () => {
    const r = await thaw(['build', fx('interval.cjs'), '-o', out('interval'), '--settle-ms', '300']);
    assertCleanFailure(r, 'E_LIVE_HANDLES', out('interval'));
    assert.match(r.stderr, /Timeout setInterval\(…, 60000 ms\)\n\s+\|\s+at .*test\/fixtures\/core\/interval\.cjs:4:\d+/);
  });
  test('an outgoing request during the build', async () => {
    const r = await thaw(['build', fx('outgoing.cjs'), '-o', out('outgoing')]);
    assertCleanFailure(r, 'E_BUILD_TIME_USE', out('outgoing'));
    assert.match(r.stderr, /http\.get\(\).*outgoing\.cjs:3:\d+/);
  });
  test('a failing beforeCheckpoint makes no image and names the resource', async () => {
    const r = await thaw(['build', fx('checkpoint-fails.mjs'), '-o', out('cp')]);
    assertCleanFailure(r, 'E_CHECKPOINT_HOOK', out('cp'));
    assert.match(r.stderr, /Pool.*pool has 2 connections in use/s);
  });
  test('a failing afterRestore stops the restored process with one line', async () => {
    const img = join(work, 'restore-fails');
    assert.equal((await thaw(['build', fx('restore-fails.mjs'), '-o', img, '--no-verify'])).status, 0);
    const child = start([join(img, 'start')], { env: { PORT: String(await freePort()) } });
    const exit = await child.exited;
    assertCleanFailure({ status: exit.status, stderr: child.stderr(), stdout: child.stdout() }, 'E_RESTORE_HOOK');
    assert.match(child.stderr(), /Cache.*cache directory is read-only/s);
  });
  test('port in use after restore', async () => {
    const img = join(work, 'hello');
    const port = await freePort();
    const blocker = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const child = start([join(img, 'start')], { env: { PORT: String(port) } });
    const exit = await child.exited.finally(() => blocker.close());
    assertCleanFailure({ status: exit.status, stderr: child.stderr(), stdout: child.stdout() }, 'E_PORT_IN_USE');
    assert.match(child.stderr(), new RegExp(`port ${port} is already in use`));
  });
  test('a truncated blob is refused before Node sees it', async () => {
    const img = join(work, 'truncated');
    assert.equal((await thaw(['build', ex('hello/server.js'), '-o', img])).status, 0);
    truncateSync(join(img, 'snapshot.blob'), 1_000_000);
    const child = start([join(img, 'start')], { env: { PORT: String(await freePort()) } });
    const exit = await child.exited;
    assertCleanFailure({ status: exit.status, stderr: child.stderr(), stdout: child.stdout() }, 'E_IMAGE_CORRUPT');
    const viaRun = await thaw(['run', img]);
    assertCleanFailure(viaRun, 'E_IMAGE_CORRUPT');
  });
  test('the usual start runs nothing but Node; a blob written to after the stamp is checked again, a hard link to Node is not a change', async () => {
    const img = join(work, 'stamp');
    assert.equal((await thaw(['build', ex('hello/server.js'), '-o', img, '--no-verify'])).status, 0);
    // With no PATH the launcher finds neither sha256sum nor stat: only its built-ins and Node run.
    const bare = { PATH: '/nonexistent' };
    let s = await serve(img, '/hello', bare);
    assert.equal(s.body, 'Hello World\n');
    await s.child.kill();
    // Touched after the stamp: the slow path runs (and needs sha256sum), then renews the stamp.
    const later = new Date(Date.now() + 2000);
    utimesSync(join(img, 'snapshot.blob'), later, later);
    const slow = start([join(img, 'start')], { env: { ...bare, PORT: String(await freePort()) } });
    const exit = await slow.exited;
    assertCleanFailure({ status: exit.status, stderr: slow.stderr(), stdout: slow.stdout() }, 'E_IMAGE_CORRUPT');
    await new Promise((r) => setTimeout(r, 2100));
    s = await serve(img, '/hello');
    await s.child.kill();
    s = await serve(img, '/hello', bare);
    assert.equal(s.body, 'Hello World\n', 'the stamp was renewed by the verified start');
    await s.child.kill();
    // perf's build-id cache hard-links every binary it sees: that changes the binary's ctime, not the stamp's verdict.
    const link = join(work, 'node-hardlink');
    linkSync(process.execPath, link);
    try {
      s = await serve(img, '/hello', bare);
      assert.equal(s.body, 'Hello World\n');
      await s.child.kill();
    } finally {
      rmSync(link, { force: true });
    }
  });
  test('an image restored with another Node is refused', async () => {
    const img = join(work, 'hello');
    const child = start([join(img, 'start')], { env: { PORT: String(await freePort()), THAW_NODE: nodes['22']! } });
    const exit = await child.exited;
    assertCleanFailure({ status: exit.status, stderr: child.stderr(), stdout: child.stdout() }, 'E_NODE_MISMATCH');
    assert.match(child.stderr(), /built with Node v20\.\d+\.\d+ but .*node22.* is v22\./);
  });
  test('thaw run on something that is not an image', async () => {
    assertCleanFailure(await thaw(['run', work]), 'E_IMAGE_MISSING');
  });
  test('refuses to replace a directory that is not an image', async () => {
    const r = await thaw(['build', ex('hello/server.js'), '-o', join(root, 'examples')]);
    assertCleanFailure(r, 'E_OUTPUT_EXISTS');
    assert.ok(existsSync(join(root, 'examples/hello/server.js')));
  });
});

describe('thaw doctor', () => {
  test('a handle is named by what the app called to make it (fs.watch()), with Node\'s name beside it', async () => {
    const r = await thaw(['doctor', fx('watcher.cjs')]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /✗ blocked \[E_LIVE_HANDLES\] 1 handle\(s\) still open at checkpoint time \(fs\.watch\(\)\)/);
    assert.match(r.stdout, /\n {6}fs\.watch\(\) \(FSEVENTWRAP\)\n {10}at .*watcher\.cjs:4:\d+/);
  });
  test('names the live handle with its creation stack and exits 1', async () => {
    const r = await thaw(['doctor', fx('interval.cjs')]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /✗ blocked \[E_LIVE_HANDLES\]/);
    assert.match(r.stdout, /Timeout setInterval\(…, 60000 ms\)/);
    assert.match(r.stdout, /interval\.cjs:4:\d+/);
    assert.match(r.stdout, /fix: close each in a Resource's beforeCheckpoint\(\)/);
  });
  test('reports deferred built-ins and env read for a healthy app, exit 0', async () => {
    const r = await thaw(['doctor', ex('express-app/server.js')]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /✓ a checkpoint can be taken/);
    assert.match(r.stdout, /node:http: .*createServer/);
    assert.match(r.stdout, /env read during the build .*PORT/);
  });
  test('names an outgoing call with its site', async () => {
    const r = await thaw(['doctor', fx('outgoing.cjs')]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /E_BUILD_TIME_USE.*outgoing\.cjs:3/);
  });
});
