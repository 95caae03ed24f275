/**
 * End-to-end, one test per cause that kept ordinary framework apps from building unmodified:
 * each fixture under test/fixtures/causes/ is the few lines that reproduce it, built through
 * bin/thaw (which verifies the image against cold starts) and asked after restore.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { killAll } from '../src/launch/spawn.js';
import { assertCleanFailure, nodes, root, scratch, serve, thaw } from './helpers.js';

const fx = (name: string): string => join(root, 'test/fixtures/causes', name);
const work = scratch('thaw-causes-');
after(killAll);

/** Build a fixture (verification on) and return the restored answer to GET path. */
async function buildAndAsk(name: string, path = '/', opts: { warmup?: unknown[]; node?: string; env?: Record<string, string>; args?: string[]; beforeKill?: () => Promise<void> } = {}): Promise<{ body: string; stdout: string }> {
  const img = join(work, `${name.replace(/\W/g, '_')}-${opts.node ?? 'system'}`);
  const args = ['build', fx(name), '-o', img, ...(opts.args ?? [])];
  if (opts.warmup) {
    const file = join(work, `${name.replace(/\W/g, '_')}.warmup.json`);
    (await import('node:fs')).writeFileSync(file, JSON.stringify(opts.warmup));
    args.push('--warmup', file);
  }
  if (opts.node) args.push('--node', nodes[opts.node]!);
  const b = await thaw(args, { env: opts.env });
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stdout, /verified: \d+ request\(s\) \([^)]*\) answered alike restored and cold/, b.stdout);
  const s = await serve(img, path, opts.env);
  try {
    await opts.beforeKill?.();
  } finally {
    await s.child.kill();
  }
  return { body: s.body, stdout: b.stdout };
}

describe('causes that kept framework apps from building unmodified', () => {
  test('1: promises kept from init and made during warm-up do not abort the build', async () => {
    const { body } = await buildAndAsk('kept-promise.mjs', '/', { warmup: [{ method: 'GET', path: '/', repeat: 5 }] });
    assert.equal(body, 'hello true');
  });

  test('2: a V8 abort is reported with V8\'s (or Node\'s) own reason and what it means', async () => {
    const out = join(work, 'vm-context');
    const r = await thaw(['build', fx('vm-context.cjs'), '-o', out]);
    assertCleanFailure(r, 'E_SNAPSHOT_ABORT', out);
    assert.match(r.stderr, /Assertion failed: \(contexts_\.size\(\)\) == \(1\)/, 'Node\'s own reason');
    assert.match(r.stderr, /a vm context \(vm\.createContext\) was still reachable \(made at test\/fixtures\/causes\/vm-context\.cjs:3:\d+\)/);
    assert.doesNotMatch(r.stderr, /during start-up/, 'the phase is serialisation, not start-up');
    assert.match(r.stderr, /\n  fix: run `thaw doctor test\/fixtures\/causes\/vm-context\.cjs` to see which module or handle/, 'the doctor line to run');
  });

  test('3 and 6: fetch classes read off globalThis at init work during warm-up and after restore, instanceof included', async () => {
    const { body } = await buildAndAsk('fetch-classes.mjs', '/hi', { warmup: [{ method: 'GET', path: '/warm', repeat: 3 }] });
    assert.deepEqual(JSON.parse(body), { requestIsRequest: true, responseIsResponse: true, headers: true, probeOk: true, json: { path: '/hi' } });
  });

  test('4 and 5: request bodies read during warm-up (for await, pipeTo) and node:dns are not live handles', async () => {
    const { body } = await buildAndAsk('body-reader.cjs', '/', {
      warmup: [
        { method: 'POST', path: '/iter', body: 'x'.repeat(100) },
        { method: 'POST', path: '/pipe', body: 'y'.repeat(50) },
      ],
    });
    assert.equal(body, '/ 0');
  });

  test('7 and 8: a computed require during warm-up is bundled into the image; a missing optional package fails only where reached', async () => {
    const img = join(work, 'computed');
    const wu = join(work, 'computed.json');
    (await import('node:fs')).writeFileSync(wu, JSON.stringify([{ method: 'GET', path: '/fr' }]));
    const b = await thaw(['build', fx('computed-require.cjs'), '-o', img, '--warmup', wu]);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /loaded by a computed require during the build: .*lib\/fr\.cjs/);
    assert.match(b.stdout, /not installed, fail only if reached \(as under node\): thaw-test-not-installed/);
    const fr = await serve(img, '/fr');
    assert.equal(fr.body, 'Bonjour (fr) colors=none', 'the module loaded during warm-up is in the snapshot');
    await fr.child.kill();
    // A locale the warm-up never asked for is required from disk by the restored process.
    const en = await serve(img, '/en');
    assert.equal(en.body, 'Hello (fr,en) colors=none');
    await en.child.kill();
    // Without a warm-up nothing is loaded at build time, and the image still answers.
    const { body } = await buildAndAsk('computed-require.cjs', '/fr');
    assert.equal(body, 'Bonjour (fr) colors=none');
  });

  test('8: a package that is not installed, required at init, fails the build as it fails node', async () => {
    const out = join(work, 'missing');
    const r = await thaw(['build', fx('missing-at-init.cjs'), '-o', out]);
    assertCleanFailure(r, 'E_MODULE_NOT_FOUND', out);
    assert.match(r.stderr, /thaw-test-not-installed/);
    assert.match(r.stderr, /missing-at-init\.cjs:2:\d+/);
  });

  test('9: class and function names survive bundling, even where two modules declare the same', async () => {
    const { body } = await buildAndAsk('names.mjs');
    assert.equal(body, 'PutObjectCommand handler PutObjectCommand handler');
  });

  test('10: emitDecoratorMetadata is honoured (parameter types for dependency injection)', async () => {
    const { body } = await buildAndAsk('decorators/main.ts');
    assert.equal(body, 'Clock hello tick');
  });

  test('10: without a typescript package to emit decorator metadata, the build refuses with the fix', async () => {
    const dir = join(tmpdir(), `thaw-decorators-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    cpSync(fx('decorators'), dir, { recursive: true });
    const out = join(dir, 'img');
    const r = await thaw(['build', join(dir, 'main.ts'), '-o', out], { cwd: dir });
    assertCleanFailure(r, 'E_DECORATOR_METADATA', out);
    assert.match(r.stderr, /npm install --save-dev typescript/);
  });

  test('11: a native addon loaded through a computed path is refused, naming the file and the fix', async () => {
    const out = join(work, 'addon');
    const r = await thaw(['build', fx('native-addon.cjs'), '-o', out]);
    assertCleanFailure(r, 'E_NATIVE_ADDON', out);
    assert.match(r.stderr, /addon\/fake\.node/);
    assert.match(r.stderr, /from test\/fixtures\/causes\/native-addon\.cjs:4:\d+/);
    assert.match(r.stderr, /fix: .*onRestore/);
  });

  test('a native addon a dependency loads deep below the app\'s call (an ORM\'s driver) is refused naming the app\'s line and the package it called', async () => {
    const dir = join(work, 'deep-addon');
    mkdirSync(join(dir, 'node_modules/orm'), { recursive: true });
    cpSync(fx('deep-addon/server.js'), join(dir, 'server.js'));
    cpSync(fx('deep-addon/orm.js'), join(dir, 'node_modules/orm/index.js'));
    cpSync(fx('addon/fake.node'), join(dir, 'node_modules/orm/fake.node'));
    writeFileSync(join(dir, 'node_modules/orm/package.json'), JSON.stringify({ name: 'orm', version: '1.0.0' }));
    const out = join(dir, 'img');
    const r = await thaw(['build', 'server.js', '-o', out], { cwd: dir });
    assertCleanFailure(r, 'E_NATIVE_ADDON', out);
    assert.match(r.stderr.split('\n')[0]!, /\(from server\.js:4:\d+, the app's call into orm\)$/);
  });

  test('12: an append-mode log stream opened at init is reopened by every restore; another open file is named', async () => {
    const logs = join(work, 'logs');
    mkdirSync(logs, { recursive: true });
    // The stream writes after the answer is sent: read the log while the restored server runs.
    let log = '';
    const readLog = async (): Promise<void> => {
      for (let t0 = Date.now(); Date.now() - t0 < 10_000 && !/GET \/after-restore\n/.test(log); await new Promise((r) => setTimeout(r, 50))) log = readFileSync(join(logs, 'access.log'), 'utf8');
    };
    const { stdout } = await buildAndAsk('log-files.cjs', '/after-restore', { env: { LOG_DIR: logs }, warmup: [{ method: 'GET', path: '/warm' }], beforeKill: readLog });
    assert.match(stdout, /reopened in every restore \(append-mode streams\): .*access\.log/);
    assert.match(log, /GET \/warm\n/, 'the warm-up wrote before the checkpoint');
    assert.match(log, /GET \/after-restore\n/, 'the restored process writes to the same file');
    const out = join(work, 'open-file');
    const r = await thaw(['build', fx('open-file.cjs'), '-o', out]);
    assertCleanFailure(r, 'E_LIVE_HANDLES', out);
    assert.match(r.stderr, /FILE fd \d+ → .*open-file\.cjs \(flags 'r'\)\n\s+\|\s+at .*open-file\.cjs:3:\d+/);
  });

  test('12: FileHandles kept open at init, from fs/promises and from fs.promises, are named', async () => {
    const out = join(work, 'open-filehandle');
    const r = await thaw(['build', fx('open-filehandle.mjs'), '-o', out]);
    assertCleanFailure(r, 'E_LIVE_HANDLES', out);
    const named = r.stderr.match(/FILE fd \d+ → .*open-filehandle\.mjs \(flags 'r'\)/g) ?? [];
    assert.equal(named.length, 2, r.stderr);
  });

  for (const node of ['system', '22', '24']) {
    test(`13: AsyncLocalStorage used during warm-up builds and works after restore (Node ${node === 'system' ? process.versions.node.split('.')[0] : node})`, async () => {
      const { body } = await buildAndAsk('als.cjs', '/x', { node, warmup: [{ method: 'GET', path: '/warm', repeat: 3 }] });
      assert.equal(body, 'path=/x');
    });
  }

  for (const node of ['system', '22', '24']) {
    test(`built-ins the builder's context lacks are there during warm-up and after restore (Node ${node === 'system' ? process.versions.node.split('.')[0] : node})`, async () => {
      const { body } = await buildAndAsk('builtins.cjs', '/', { node, warmup: [{ method: 'GET', path: '/' }] });
      const j = JSON.parse(body);
      assert.deepEqual([j.sorted, j.reversed, j.with], [[1, 2, 3], [2, 1, 3], [9, 1, 2]]);
      if (node !== 'system') assert.deepEqual([j.union, j.groups, j.iterator], [[1, 2], { odd: [3, 1], even: [2] }, [2, 4, 6]], 'Node 22+ has them all');
    });
  }

  test('Intl formatters kept from init survive the checkpoint', async () => {
    const { body } = await buildAndAsk('intl.cjs', '/', { warmup: [{ method: 'GET', path: '/', repeat: 2 }] });
    assert.match(body, /^30 Nov 2026 1\.234,50\s€ true$/u);
  });

  test('an Error made at module load and kept does not crash the builder (Node 22)', async () => {
    const { body } = await buildAndAsk('kept-error.cjs', '/', { node: '22' });
    assert.equal(body, 'Validation aborted.');
  });

  test('15: NODE_ENV read during the build is reported, and a restore under another NODE_ENV says so', async () => {
    const img = join(work, 'node-env');
    const b = await thaw(['build', fx('node-env.cjs'), '-o', img]);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /the app read NODE_ENV=\(unset\) during the build .*NODE_ENV=production thaw build/);
    const s = await serve(img, '/', { NODE_ENV: 'production' });
    assert.equal(s.body, 'development', 'the value read at build time is baked in');
    await s.child.kill();
    assert.match(s.child.stderr(), /thaw: warning: this image was built with NODE_ENV=\(unset\); .*NODE_ENV=production here does not change that/);
    const prod = await thaw(['build', fx('node-env.cjs'), '-o', join(work, 'node-env-prod')], { env: { NODE_ENV: 'production' } });
    assert.equal(prod.status, 0, prod.stderr);
    assert.doesNotMatch(prod.stdout, /for production build with/);
  });

  test('values read at init: a data file is listed, a restore where an env value read then differs says so', async () => {
    const img = join(work, 'config');
    const b = await thaw(['build', fx('config-at-init.cjs'), '-o', img], { env: { DATABASE_URL: 'postgres://build/db' } });
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /files read during the build \(contents baked in; rebuild after editing them\): test\/fixtures\/causes\/lib\/messages\.json/);
    const same = await serve(img, '/', { DATABASE_URL: 'postgres://build/db' });
    assert.equal(same.body, 'hello from a data file postgres://build/db true');
    await same.child.kill();
    assert.doesNotMatch(same.child.stderr(), /warning/, 'nothing to say when the values are the same');
    const other = await serve(img, '/', { DATABASE_URL: 'postgres://elsewhere/db' });
    assert.equal(other.body, 'hello from a data file postgres://build/db true', 'the build\'s value is baked in');
    await other.child.kill();
    assert.match(other.child.stderr(), /thaw: warning: DATABASE_URL differs from the build's; .*thaw\.onRestore\(\)/);
    assert.doesNotMatch(other.child.stderr(), /elsewhere|build\/db/, 'values are never printed');
    const d = await thaw(['doctor', fx('config-at-init.cjs')]);
    assert.match(d.stdout, /the whole environment was enumerated, first at test\/fixtures\/causes\/config-at-init\.cjs:6:\d+/);
    assert.match(d.stdout, /files of the app read during the build[^\n]*\n\s+test\/fixtures\/causes\/lib\/messages\.json/);
  });

  test('warm-up requests are charged to a loopback address no client uses, not to the first real client', async () => {
    const { body } = await buildAndAsk('per-client.cjs', '/', { warmup: [{ method: 'GET', path: '/', repeat: 5 }] });
    assert.equal(body, '1 from this client');
  });

  test('15: warm-up requests that are not reads are named; built-ins Node does not vouch for are named once', async () => {
    const img = join(work, 'writes');
    const wu = join(work, 'writes.json');
    (await import('node:fs')).writeFileSync(wu, JSON.stringify([{ method: 'POST', path: '/iter', body: 'abc' }, { method: 'GET', path: '/' }]));
    const b = await thaw(['build', fx('body-reader.cjs'), '-o', img, '--warmup', wu]);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /note: 1 warm-up request\(s\) were not reads \(POST \/iter\): what they changed is in every restore/);
    const d = await thaw(['doctor', fx('als.cjs')]);
    assert.equal(d.status, 0, d.stderr);
    assert.match(d.stdout, /node:async_hooks is not verified/);
    assert.doesNotMatch(d.stdout, /node:node:/);
  });
});

describe('thaw build verifies its own image', () => {
  test('an app whose restored answer differs from its cold one gets no image, with the request and a diff', async () => {
    const out = join(work, 'differs');
    const r = await thaw(['build', fx('differs.mjs'), '-o', out]);
    assertCleanFailure(r, 'E_VERIFY_MISMATCH', out);
    assert.match(r.stderr, /answers GET \/ differently from the app started cold:\n\s+body: cold ⟦cold⟧\n\s+restored ⟦restored⟧/);
    assert.match(r.stderr, /isRestored\(\)/, 'the hint knows the app uses thaw\'s API');
    const kept = await thaw(['build', fx('differs.mjs'), '-o', out, '--no-verify']);
    assert.equal(kept.status, 0, kept.stderr);
    assert.ok(existsSync(join(out, 'start')));
  });

  test('values that differ between any two cold starts (ids, clocks) are shown, not failed', async () => {
    const { stdout } = await buildAndAsk('random.cjs');
    assert.match(stdout, /verified: 1 request\(s\) \([^)]*\) answered alike restored and cold; [12] value\(s\) in 1 answer\(s\) differ as between two cold starts \(GET \/\)/);
  });
});

/** The lines of a failure: the error line, its fix, and the detail lines (`  | …`). */
function failureLines(stderr: string): { error: string; fix: string; detail: string[] } {
  const lines = stderr.split('\n');
  return { error: lines[0]!, fix: lines[1] ?? '', detail: lines.filter((l) => l.startsWith('  | ')).map((l) => l.slice(4)) };
}

describe('failed builds say what happened, where, and the doctor line to run', () => {
  test('a warm-up request answered 500 shows what the app printed, not thaw\'s frames or Node\'s snapshot warnings', async () => {
    const out = join(work, 'warmup-500');
    const wu = join(work, 'warmup-500.json');
    writeFileSync(wu, JSON.stringify([{ method: 'GET', path: '/' }]));
    const r = await thaw(['build', fx('warmup-500.cjs'), '-o', out, '--warmup', wu]);
    assertCleanFailure(r, 'E_WARMUP_5XX', out);
    const { error, fix, detail } = failureLines(r.stderr);
    assert.match(error, /warm-up request GET \/ was answered 500: Internal Server Error$/);
    assert.match(fix, /^  fix: fix the handler of GET \/ \(what the app printed during the build is below\), or that request in the warm-up file; no image was written; `thaw doctor test\/fixtures\/causes\/warmup-500\.cjs --warmup \S+warmup-500\.json` lists all the build saw$/);
    assert.match(detail.join('\n'), /^request failed: Error: users table is missing\n\s+at loadUser \(\S+warmup-500\.cjs:5:\d+\)\n\s+at Server\.<anonymous> \(\S+warmup-500\.cjs:10:\d+\)/m);
    assert.doesNotMatch(r.stderr, /bundle\.cjs|not yet fully verified/, "thaw's delivery frames and Node's snapshot warnings are not the app's output");
    // A handler that answers 500 without a word: the fix says how to see why.
    writeFileSync(wu, JSON.stringify([{ method: 'GET', path: '/quiet' }]));
    const quiet = await thaw(['build', fx('warmup-500.cjs'), '-o', out, '--warmup', wu]);
    assertCleanFailure(quiet, 'E_WARMUP_5XX', out);
    assert.match(failureLines(quiet.stderr).fix, /fix the handler of GET \/quiet \(the app printed nothing during the build: log the error in that handler to see why\)/);
  });

  test('an app that starts cleanly under node but throws in the builder is not called broken', async () => {
    const out = join(work, 'needs-port');
    // PORT is set here, as it would be for `node needs-port.cjs`; the builder runs without it.
    const r = await thaw(['build', fx('needs-port.cjs'), '-o', out], { env: { PORT: '3999' } });
    assertCleanFailure(r, 'E_APP_INIT', out);
    const { error, fix, detail } = failureLines(r.stderr);
    assert.match(error, /the app threw while initialising inside the snapshot builder: PORT must be set \(at test\/fixtures\/causes\/needs-port\.cjs:4:\d+\)$/);
    assert.match(fix, /^  fix: check that `node test\/fixtures\/causes\/needs-port\.cjs` starts cleanly: if it does, something the snapshot builder lacks is the cause \(PORT, HOST and NODE_OPTIONS are unset there; WebAssembly and SharedArrayBuffer are missing, and Atomics on Node 20\) and `thaw doctor test\/fixtures\/causes\/needs-port\.cjs` shows what the app read and loaded; else fix the throw at test\/fixtures\/causes\/needs-port\.cjs:4:\d+$/);
    assert.doesNotMatch(r.stderr, /make sure/);
    assert.match(detail[0]!, /at .*needs-port\.cjs:4:\d+/);
    const d = await thaw(['doctor', fx('needs-port.cjs')], { env: { PORT: '3999' } });
    assert.equal(d.status, 1);
    assert.match(d.stdout, /✗ blocked \[E_APP_INIT\]/);
    assert.match(d.stdout, /env read during the build \(values are baked into the snapshot\): PORT/, 'doctor shows what the app read there');
    assert.doesNotMatch(d.stdout, /thaw doctor test/, 'doctor does not tell the person to run doctor');
  });

  test('a handle made inside a dependency names the app\'s own call into it', async () => {
    const dir = join(work, 'driver');
    mkdirSync(join(dir, 'node_modules/fake-db'), { recursive: true });
    cpSync(fx('driver/server.js'), join(dir, 'server.js'));
    cpSync(fx('driver/fake-db.js'), join(dir, 'node_modules/fake-db/index.js'));
    const out = join(dir, 'img');
    const r = await thaw(['build', 'server.js', '-o', out, '--settle-ms', '300', '--drain-ms', '300'], { cwd: dir });
    assertCleanFailure(r, 'E_LIVE_HANDLES', out);
    const { error, fix, detail } = failureLines(r.stderr);
    assert.match(error, /2 handle\(s\) still open at checkpoint time \(Timeout ×2, made inside fake-db\), so the heap cannot be snapshotted; where each was made is below$/);
    assert.match(fix, /^  fix: open the connection or client the app makes with fake-db in thaw\.onRestore\(\) instead of at load, or close each in a Resource's beforeCheckpoint\(\) .*; `thaw doctor server\.js` lists all the build saw$/);
    const text = detail.join('\n');
    assert.match(text, /Timeout setInterval\(…, 10000 ms\)\n {4}at heartbeat \(node_modules\/fake-db\/index\.js:3:\d+\)\n(?: {4}at .*node_modules\/fake-db\/.*\n){3} {4}via server\.js:5:\d+ \(the app's call into fake-db\)/);
    assert.match(text, /Timeout setInterval\(…, 20000 ms\)\n {4}at .*node_modules\/fake-db\/index\.js:10:\d+\)\n {4}\(no frame of the app's own files: fake-db made it from a callback of its own/);
    const d = await thaw(['doctor', 'server.js'], { cwd: dir });
    assert.match(d.stdout, /via server\.js:5:\d+ \(the app's call into fake-db\)/);
  });

  test('doctor names its Node when blocked too, and prints the notes build prints (process.pid read at init)', async () => {
    const b = await thaw(['build', fx('pid-logger.cjs'), '-o', join(work, 'pid-logger')]);
    assert.equal(b.status, 0, b.stderr);
    const note = /note: the app read process\.pid during init \(at test\/fixtures\/causes\/pid-logger\.cjs:4:\d+\): what it kept of it \(a logger's "pid"\) is the build's in every restore/;
    assert.match(b.stdout, note);
    const d = await thaw(['doctor', fx('pid-logger.cjs')]);
    assert.equal(d.status, 0, d.stdout + d.stderr);
    assert.match(d.stdout, /^thaw doctor: test\/fixtures\/causes\/pid-logger\.cjs \(Node v\d+\.\d+\.\d+\)\n/);
    assert.match(d.stdout, note);
    const blocked = await thaw(['doctor', fx('open-file.cjs')]);
    assert.equal(blocked.status, 1);
    assert.match(blocked.stdout, /^thaw doctor: test\/fixtures\/causes\/open-file\.cjs \(Node v\d+\.\d+\.\d+\)\n {2}✗ blocked \[E_LIVE_HANDLES\]/);
    assert.doesNotMatch(blocked.stdout, /`thaw doctor/, 'doctor does not tell the person to run doctor');
  });
});

describe('what apps from a second round of new-user trials do at load (Next.js, restify, h3, React, mongoose)', () => {
  test('requires esbuild expands into sets of files: a name without its extension, a LICENSE beside it, a pattern matching nothing; require.extensions', async () => {
    const { body } = await buildAndAsk('plugins.cjs');
    assert.deepEqual(JSON.parse(body), { plugin: 'hello from a plugin', addon: 'MODULE_NOT_FOUND', license: 'SyntaxError', jsLoader: 'function', paths: true });
  });

  test('the words import.meta.url inside a string are left alone; the expression means the source file', async () => {
    const { body } = await buildAndAsk('meta-string.mjs', '/', { node: '24' });
    assert.deepEqual(JSON.parse(body), { hint: 'in ESM use import.meta.url instead of __filename', file: true, dir: true });
  });

  test('process.env written at load is written again in a restore, unless the environment gives the name a value of its own', async () => {
    // GREETING is set at build time: overwriting an existing variable used to throw in the builder.
    const env = { GREETING: 'preset', REMOVE_ME: 'x' };
    const { body } = await buildAndAsk('env-writes.cjs', '/', { env });
    assert.deepEqual(JSON.parse(body), { mode: 'default', greeting: 'hello', removed: true });
    const img = join(work, 'env_writes_cjs-system');
    const s = await serve(img, '/', { ...env, APP_MODE: 'production' });
    try {
      assert.deepEqual(JSON.parse(s.body), { mode: 'production', greeting: 'hello', removed: true }, 'as in a cold start under APP_MODE=production');
      assert.match(s.child.stderr(), /thaw: warning: the app set APP_MODE in process\.env during the build, and this environment gives it a value of its own, which process\.env keeps/);
    } finally {
      await s.child.kill();
    }
  });

  for (const node of ['system', '24']) {
    test(`objects frameworks keep from load: a Headers subclass, the native Response, console tasks, zlib, vm.runInNewContext, patched http prototypes (Node ${node})`, async () => {
      const { body } = await buildAndAsk('kept-objects.cjs', '/x', { node: node === 'system' ? undefined : node });
      assert.deepEqual(JSON.parse(body), {
        copied: 'application/json',
        frozen: 'frozen',
        native: 'Response',
        isNative: true,
        task: 'ran',
        table: 'table',
        manifest: { pages: ['/'] },
        version: 3,
        completion: 'done',
        hello: 'hello /x',
        patched: 'yes',
      });
    });
  }

  test('a module loaded by a computed require sees the build-time web globals, so undici stays unloaded', async () => {
    const { body } = await buildAndAsk('web-user.cjs', '/', { node: '24' });
    assert.deepEqual(JSON.parse(body), { fetchIsFunction: true, header: '1', status: 201 });
  });

  test('an ES module\'s createRequire(import.meta.url) and process.getBuiltinModule() get the build-time node:http and guarded crypto, as require() does', async () => {
    const img = join(work, 'create-require');
    const b = await thaw(['build', fx('create-require.mjs'), '-o', img, '--node', nodes['24']!]);
    // Node's own would load the real node:http into the builder and listen on port 3000 there.
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /verified: \d+ request\(s\)/);
    const uuids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const s = await serve(img, '/uuid');
      try {
        const got = JSON.parse(s.body) as { hello: string; teapot: string; uuid: string };
        assert.equal(got.hello, 'Hello', 'a file required through createRequire');
        assert.equal(got.teapot, 'I\'m a Teapot', 'node:http from getBuiltinModule');
        uuids.push(got.uuid);
      } finally {
        await s.child.kill();
      }
    }
    // A UUID drawn at init from Node's own crypto fills its cache, and every restore would then
    // start with the same one.
    assert.notEqual(uuids[0], uuids[1], 'each restore draws its own UUIDs');
  });

  test('a server the app closes on \'beforeExit\' (Elysia\'s Node adapter) still listens after restore, and the listener is back', async () => {
    const { body } = await buildAndAsk('before-exit.mjs');
    assert.equal(body, 'listeners 1');
  });

  test('an ES-module-only package that a CommonJS package requires (Node 22.12+ allow it) is loaded in the same build, from a file loaded by a computed name too', async () => {
    const dir = join(work, 'esm-dep');
    const put = (from: string, to: string): void => {
      mkdirSync(join(dir, to, '..'), { recursive: true });
      cpSync(fx(`esm-dep/${from}`), join(dir, to));
    };
    put('server.js', 'server.js');
    put('cjs-greeter.js', 'node_modules/cjs-greeter/index.js');
    put('hello.js', 'node_modules/cjs-greeter/lib/hello.js');
    put('esm-index.js', 'node_modules/esm-only/index.js');
    put('esm-shout.js', 'node_modules/esm-only/shout.js');
    writeFileSync(join(dir, 'node_modules/cjs-greeter/package.json'), JSON.stringify({ name: 'cjs-greeter', version: '1.0.0' }));
    writeFileSync(join(dir, 'node_modules/esm-only/package.json'), JSON.stringify({ name: 'esm-only', version: '1.0.0', type: 'module', exports: './index.js' }));
    const img = join(dir, 'img');
    const b = await thaw(['build', 'server.js', '-o', img, '--node', nodes['24']!], { cwd: dir });
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /verified: \d+ request\(s\)/);
    assert.doesNotMatch(b.stdout, /bundled .* into the image/, 'no package had to be bundled instead');
    const s = await serve(img, '/thaw', {}, [], 1, dir);
    try {
      assert.deepEqual(JSON.parse(s.body), { text: 'Hello, thaw', stamp: 'THAW!', where: true });
    } finally {
      await s.child.kill();
    }
  });

  test('a connection the app began during init is named, with where and the fix, though it was over by the checkpoint', async () => {
    const { body, stdout } = await buildAndAsk('connect-at-init.cjs');
    assert.equal(body, 'ECONNREFUSED', 'the restore keeps what init made of the attempt');
    assert.match(stdout, /note: the app connected to 127\.0\.0\.1:1 during init \(test\/fixtures\/causes\/connect-at-init\.cjs:6:\d+\); no connection survives a checkpoint.*onRestore\(\)/);
  });

  test('the app\'s CommonJS packages are loaded as Node loads them: the image holds what ran, the rest loads after restore (--bundle-packages: everything)', async () => {
    const dir = join(work, 'lazy');
    mkdirSync(join(dir, 'node_modules/lazy-pkg'), { recursive: true });
    cpSync(fx('lazy/server.js'), join(dir, 'server.js'));
    for (const f of ['index.js', 'heavy.js']) cpSync(fx(`lazy/${f}`), join(dir, 'node_modules/lazy-pkg', f));
    writeFileSync(join(dir, 'node_modules/lazy-pkg/package.json'), JSON.stringify({ name: 'lazy-pkg', version: '1.0.0', main: 'index.js' }));
    for (const mode of ['load', 'bundle']) {
      const img = join(dir, `img-${mode}`);
      const b = await thaw(['build', 'server.js', '-o', img, ...(mode === 'bundle' ? ['--bundle-packages'] : [])], { cwd: dir });
      assert.equal(b.status, 0, b.stderr);
      const bundled = readFileSync(join(img, 'bundle.cjs'), 'utf8');
      assert.equal(bundled.includes('HEAVY-PART-MARKER'), mode === 'bundle', `${mode}: the part never run is ${mode === 'bundle' ? '' : 'not '}in the image`);
      const s = await serve(img, '/', {}, [], 1, dir);
      try {
        assert.equal(s.body, 'light');
        const heavy = await fetch(`http://127.0.0.1:${s.port}/heavy`);
        assert.equal(await heavy.text(), 'heavy from lazy-pkg/heavy.js');
        // A loaded package has a module.parent, as under Node (`if (!module.parent)` means "run as
        // a script"); esbuild's bundled modules have none.
        if (mode === 'load') assert.equal(await (await fetch(`http://127.0.0.1:${s.port}/parent`)).text(), 'set');
      } finally {
        await s.child.kill();
      }
    }
  });
});
