/**
 * End-to-end: the compatibility corpus (test/compat/corpus.json), ordinary apps written from
 * each framework's own documentation, not for thaw. Each is built unmodified, as its `npm start`
 * runs it, on Node 24 (and a subset on Node 20, 22 and 26) with its warm-up file and its test
 * requests; `thaw build` verifies the image itself. Then, independently of thaw's own check,
 * this test starts the app cold (given the same warm-up over HTTP) and the image restored,
 * sends every test request to both and compares status, content type and body. Only values
 * that are random or clock-based in every cold start are normalised (see `normalise`).
 *
 * The corpus is installed by `npm run compat:install` (`npm ci` in each app; `.ci/run` and
 * scripts/test.js run it), so nothing is fetched while testing.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../src/launch/port.js';
import { resolveProbe, waitReady } from '../src/launch/probe.js';
import { killAll, run, start, type Child } from '../src/launch/spawn.js';
import { isWrite, type WarmupRequest } from '../src/runtime/protocol.js';
import { readWarmup, wireRequest } from '../src/snapshot/warmup-file.js';
import { nodes, root, scratch, thaw } from './helpers.js';
import { corpus, corpusDir, coldOf, entryOf, envOf, type CorpusApp } from './corpus.js';

type App = CorpusApp;
const work = scratch('thaw-compat-');
after(killAll);

const slug = (app: App, node = '24'): string => `${app.dir}-${(app.entry ?? 'start').replace(/\W+/g, '_')}-${node}`;

/**
 * Values that differ between any two cold starts, and so between a cold start and a restore:
 * clocks (ISO-8601 and AWS SigV4 timestamps, the HTTP date, any hh:mm:ss, a process's uptime), request
 * signatures over those clocks (SigV4's hex signature), random ids (UUIDs) and the CSP nonce of
 * Apollo's landing page.
 */
function normalise(body: string): string {
  return body
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?/g, '<time>')
    .replace(/\b\d{8}T\d{6}Z\b/g, '<time>')
    .replace(/\b[0-9a-f]{64}\b/g, '<signature>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/nonce(=|":\s*)"?[A-Za-z0-9+/=_-]{8,}/g, 'nonce$1<nonce>')
    .replace(/\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\b/g, '<date>')
    .replace(/\b\d\d:\d\d:\d\d\b/g, '<clock>')
    .replace(/"uptime":\s*[\d.]+/g, '"uptime":<seconds>');
}

interface Answer {
  status: number;
  type: string;
  body: string;
}

async function send(port: number, r: WarmupRequest): Promise<Answer> {
  const { headers, body } = wireRequest(r);
  const res = await fetch(`http://127.0.0.1:${port}${r.path}`, { method: r.method, headers, body, redirect: 'manual' });
  // The cold and the restored process listen on different ports; an answer that echoes its own
  // URL (h3's 404 message) differs only there.
  const text = (await res.text()).replace(new RegExp(`\\b(127\\.0\\.0\\.1|localhost):${port}\\b`, 'g'), '$1:<port>');
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: text };
}

async function launch(argv: string[], cwd: string, env: Record<string, string>): Promise<{ child: Child; port: number }> {
  const port = await freePort();
  const child = start(argv, { cwd, env: { ...env, PORT: String(port), NODE_OPTIONS: undefined } });
  await waitReady(resolveProbe({ url: `tcp://127.0.0.1:${port}`, intervalMs: 2 }, port), {
    deadline: performance.now() + 60_000,
    abort: () => (child.done ? `${argv.join(' ')} exited: ${child.stderr().slice(-2000)}` : null),
  });
  return { child, port };
}

before(async () => {
  // The corpus must be installed (npm run compat:install), and TypeScript apps compiled.
  for (const app of corpus) {
    assert.ok(existsSync(join(corpusDir, app.dir, 'node_modules')), `${app.dir} is not installed: run npm run compat:install`);
  }
  for (const dir of new Set(corpus.filter((a) => a.build).map((a) => a.dir))) {
    const app = corpus.find((a) => a.dir === dir && a.build)!;
    const r = await run(['npm', 'run', '--silent', app.build!], { cwd: join(corpusDir, dir), timeoutMs: 300_000 });
    assert.equal(r.status, 0, `${dir}: npm run ${app.build} failed: ${r.stderr}`);
  }
});

describe('compatibility corpus on Node 24: built unmodified, restored answers equal cold ones', () => {
  for (const app of corpus) {
    const cwd = join(corpusDir, app.dir);
    test(`${app.framework} (${app.dir}, ${entryOf(app)})`, async () => {
      const img = join(work, slug(app));
      const b = await thaw(['build', entryOf(app), '-o', img, '--warmup', 'warmup.json', '--verify', 'requests.json', '--node', nodes['24']!], { cwd, env: envOf(app), timeoutMs: 300_000 });
      if (app.refused) {
        // A framework app thaw cannot restore fails with one line naming the cause and the fix.
        assert.notEqual(b.status, 0, b.stdout);
        const first = b.stderr.split('\n')[0]!;
        assert.match(first, new RegExp(`^thaw: error: \\[${app.refused}\\] `), b.stderr);
        assert.ok(first.includes(app.mentions!), `the error names ${app.mentions}: ${first}`);
        assert.match(b.stderr, /fix: .*onRestore/);
        assert.doesNotMatch(b.stderr, /Fatal error|Native stack|==== C stack/);
        assert.equal(existsSync(img), false, 'no image is written');
        assert.deepEqual(readdirSync(work).filter((f) => f.startsWith(`${slug(app)}.tmp-`)), [], 'no temporary directory left behind');
        return;
      }
      assert.equal(b.status, 0, b.stderr);
      const warmup = readWarmup(join(cwd, 'warmup.json'));
      const requests = readWarmup(join(cwd, 'requests.json'));
      // thaw compares the warm-up's reads (GraphQL queries sent as POST among them) and requests.json.
      const reads = new Set(warmup.filter((r) => !isWrite(r)).map((r) => JSON.stringify([r.method, r.path, r.headers, r.body])));
      assert.match(b.stdout, new RegExp(`verified: ${reads.size + requests.length} request\\(s\\) \\([^)]*\\) answered alike restored and cold`), b.stdout);

      // The same comparison, made here: cold (warmed up over HTTP) against restored.
      const cold = await launch([nodes['24']!, coldOf(app)], cwd, envOf(app));
      const coldAnswers: Answer[] = [];
      try {
        for (const r of warmup) for (let i = 0; i < (r.repeat ?? 1); i++) await send(cold.port, r);
        for (const r of requests) coldAnswers.push(await send(cold.port, r));
      } finally {
        await cold.child.kill();
      }
      const restored = await launch([join(img, 'start')], cwd, envOf(app));
      try {
        for (const [i, r] of requests.entries()) {
          const a = coldAnswers[i]!;
          const got = await send(restored.port, r);
          const what = `${r.method} ${r.path}`;
          assert.equal(got.status, a.status, `${what}: status`);
          assert.equal(got.type.toLowerCase(), a.type.toLowerCase(), `${what}: content type`);
          assert.equal(normalise(got.body), normalise(a.body), `${what}: body`);
        }
        if (app.client) {
          const c = await run([nodes['24']!, app.client, `http://127.0.0.1:${restored.port}`], { cwd, timeoutMs: 30_000 });
          assert.equal(c.status, 0, `${app.client} against the restored server: ${c.stdout}${c.stderr}`);
        }
      } finally {
        await restored.child.kill();
      }
    });
  }
});

describe('compatibility corpus on other Node versions (thaw build verifies each image)', () => {
  for (const app of corpus) {
    for (const node of app.nodes ?? []) {
      test(`${app.framework} on Node ${node === 'system' ? process.versions.node.split('.')[0] : node}`, async () => {
        const cwd = join(corpusDir, app.dir);
        const b = await thaw(['build', entryOf(app), '-o', join(work, slug(app, node)), '--warmup', 'warmup.json', '--verify', 'requests.json', '--node', nodes[node]!], { cwd, env: envOf(app), timeoutMs: 300_000 });
        assert.equal(b.status, 0, b.stderr);
        assert.match(b.stdout, /verified: \d+ request\(s\) \([^)]*\) answered alike restored and cold/);
      });
    }
  }
});

test('README\'s compatibility table is the corpus as tested, with the versions the lockfiles pin', async () => {
  const { compatTable } = (await import(join(root, 'scripts/compat-table.js'))) as { compatTable: () => string };
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const m = /<!-- compat:table -->\n([\s\S]*?)\n<!-- \/compat:table -->/.exec(readme);
  assert.ok(m, 'README has the compat:table markers');
  assert.equal(m![1], compatTable(), 'regenerate it with: node scripts/compat-table.js');
});
