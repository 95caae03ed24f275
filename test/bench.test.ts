// thaw bench end to end: real servers (test/fixtures/bench/slow-server.js), real sockets, real
// /proc, driven through bin/thaw as a user would.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { killAll, run, running, start } from '../src/launch/spawn.js';
import { needs, nodes, root, scratch, thaw, thawBin } from './helpers.js';
import { launchChromium } from '../src/launch/chromium.js';

const server = join(root, 'test/fixtures/bench/slow-server.js');
const node = process.execPath;
const srv = (env = '') => `${env} ${node} ${server}`.trim();


function pids(file: string): number[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map(Number) : [];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

describe('thaw bench (end to end)', () => {
  after(killAll);
  const dir = scratch('thaw-bench-');

  it('measures servers doing 600 ms and 200 ms of work 0.4 s apart, 5 runs each', async () => {
    const json = join(dir, 'sep.json');
    const pidFile = join(dir, 'sep.pids');
    const r = await thaw(['bench', '-c', `slow=${srv(`PID_FILE=${pidFile} WORK_MS=600`)}`, '-c', `fast=${srv(`PID_FILE=${pidFile} WORK_MS=200`)}`, '--runs', '5', '--json', json]);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    const [slow, fast] = doc.results;
    assert.equal(slow.command, 'slow');
    assert.equal(slow.times.length, 5);
    assert.equal(fast.times.length, 5);
    const gap = median(slow.times) - median(fast.times);
    assert.ok(Math.abs(gap - 0.4) <= 0.1, `gap ${gap.toFixed(3)} s`);
    assert.ok(Math.abs(slow.median - median(slow.times)) < 1e-12);
    // RSS/PSS of the tree at ready; PSS never exceeds RSS.
    assert.ok(slow.rss_kb > 10_000 && slow.pss_kb > 0 && slow.pss_kb <= slow.rss_kb, `${slow.rss_kb} ${slow.pss_kb}`);
    assert.ok(slow.user > 0.3, `600 ms of busy work shows as CPU time: ${slow.user}`);
    assert.equal(doc.thaw.ratios[0].faster, 'fast');
    assert.ok(doc.thaw.ratios[0].distinguishable);
    assert.match(r.stdout, /Benchmark 1: slow/);
    assert.match(r.stdout, /fast answered first/);
    // Every server was killed after its run.
    const started = pids(pidFile);
    assert.equal(started.length, 10);
    assert.deepEqual(started.filter(running), []);
  });

  it('--timeline: a cold and a restored start, phase by phase from spawn to the response, summing to the time to first response', { skip: needs('chromium') }, async () => {
    const img = join(dir, 'hello-img');
    const b = await thaw(['build', join(root, 'examples/hello/server.js'), '-o', img, '--warmup', join(root, 'examples/hello/warmup.json')]);
    assert.equal(b.status, 0, b.stderr);
    const json = join(dir, 'timeline.json');
    const html = join(dir, 'timeline.html');
    const leftBefore = readdirSync(tmpdir()).filter((f) => f.startsWith('thaw-timeline-')).length;
    // The cold one answers 503 first: its timeline is about the 2xx response the probe waits for.
    const r = await thaw(['bench', '-c', `cold=${srv('WORK_MS=300 NOT_READY=1')}`, '-c', `restored=${img}`, '--runs', '3', '--timeline', '--ready', 'http://127.0.0.1:$PORT/hello', '--json', json, '--html', html]);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    for (const res of doc.results) {
      for (const [i, sample] of res.samples.entries()) {
        assert.ok(sample.timeline, `${res.command} run ${i + 1} has a timeline`);
        const sum = sample.timeline.reduce((n: number, p: { ms: number }) => n + p.ms, 0);
        const total = sample.firstS * 1000;
        assert.ok(sum >= 0.9 * total && sum <= 1.02 * total, `${res.command} run ${i + 1}: phases sum to ${sum.toFixed(1)} of ${total.toFixed(1)} ms`);
        assert.deepEqual(sample.timeline.slice(-3).map((p: { mark: string }) => p.mark), ['request', 'finish', 'received']);
      }
      assert.equal(res.timeline.length, res.samples[0].timeline.length, 'medians of the same phases');
    }
    const [cold, restored] = doc.results;
    const phase = (r: { timeline: Array<{ mark: string; ms: number }> }, mark: string) => r.timeline.find((p) => p.mark === mark)?.ms;
    assert.ok(phase(cold, 'listening')! >= 280, `the cold server's 300 ms of work is before it listens: ${phase(cold, 'listening')}`);
    for (const mark of ['environment', 'thaw.restore', 'preload', 'thaw.main', 'thaw.hooks', 'thaw.listen', 'listening']) assert.ok(phase(restored, mark) !== undefined, `the restore has ${mark}`);
    assert.ok(!cold.timeline.some((p: { mark: string }) => p.mark.startsWith('thaw.')));
    assert.match(r.stdout, /Where the time to first response goes:\n {2}cold \(median of 3 runs per phase; phases sum to [\d.]+ ms, median time to response [\d.]+ ms\)\n/);
    assert.match(r.stdout, /\n {4}load and initialise the app +█+ +\d+\.\d ms\n/);
    assert.match(r.stdout, /\n {4}deserialise the isolate \(V8 heap\) +[█▏]+ +\d+\.\d ms\n/);
    assert.equal(readdirSync(tmpdir()).filter((f) => f.startsWith('thaw-timeline-')).length, leftBefore, 'the preload and the marks are gone');
    // The HTML report draws each start as a bar of its phases, one segment per phase.
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto('file://' + html);
      assert.equal(await page.locator('#timeline rect.phase').count(), cold.timeline.length + restored.timeline.length);
      assert.match((await page.locator('#timeline rect.phase').first().locator('title').textContent()) ?? '', /^cold: exec: launcher, loading Node, \d+\.\d ms/);
      assert.match((await page.locator('.legend').textContent()) ?? '', /deserialise the isolate \(V8 heap\)/);
      await page.locator('#timeline').screenshot({ path: join(dir, 'timeline.png') });
    } finally {
      await browser.close();
    }
    // The probe URL as a shell leaves it when $PORT went in double quotes.
    const expanded = await thaw(['bench', '-c', `cold=${srv()}`, '--ready', 'http://127.0.0.1:/hello']);
    assert.equal(expanded.stderr, `thaw: error: [E_BAD_URL] --ready "http://127.0.0.1:/hello" has an empty port: the shell probably replaced $PORT before thaw saw it\n  fix: quote it with single quotes: --ready 'http://127.0.0.1:$PORT/hello'\n`);
    const tcp = await thaw(['bench', '-c', `cold=${srv()}`, '--timeline', '--ready', 'tcp://127.0.0.1:$PORT']);
    assert.equal(tcp.status, 1);
    assert.match(tcp.stderr, /^thaw: error: \[E_USAGE\] --timeline needs an HTTP probe, not: connect to tcp:\/\/127\.0\.0\.1:\$PORT\n/);
  });

  it('reports each bad configuration on one clear line and still runs the good one', async () => {
    const busy: Server = createServer();
    await new Promise<void>((res) => busy.listen(0, '127.0.0.1', res));
    const busyPort = (busy.address() as { port: number }).port;
    const json = join(dir, 'bad.json');
    const pidFile = join(dir, 'bad.pids');
    try {
      const r = await thaw([
        'bench',
        '-c', `good=${srv(`PID_FILE=${pidFile}`)}`,
        '-c', 'missing=no-such-server-xyz --port $PORT',
        '-c', `never=${srv(`PID_FILE=${pidFile} NEVER_LISTEN=1`)}`,
        '-c', `early=${srv('EXIT_AFTER_WORK=3')}`,
        '-c', `taken=${srv(`LISTEN_PORT=${busyPort}`)}`,
        '--runs', '2', '--timeout', '2', '--json', json,
      ]);
      assert.equal(r.status, 1);
      assert.match(r.stdout, /Benchmark 1: good[\s\S]*2 runs/);
      assert.match(r.stderr, /thaw: error: \[E_COMMAND_NOT_FOUND\] configuration "missing": command not found: no-such-server-xyz/);
      assert.match(r.stderr, /thaw: error: \[E_NOT_READY\] configuration "never" was not ready within 2\.0 s/);
      assert.match(r.stderr, /\| slow-server: still initialising, waiting for a database that never comes/); // its stderr tail
      assert.match(r.stderr, /thaw: error: \[E_EXITED_EARLY\] configuration "early" exited with status 3 before it was ready/);
      assert.match(r.stderr, /thaw: error: \[E_PORT_IN_USE\] configuration "taken": the server could not listen, its port is already in use/);
      assert.match(r.stderr, /fix: make the server listen on process.env.PORT/);
      const doc = JSON.parse(readFileSync(json, 'utf8'));
      assert.deepEqual(doc.results.map((x: { command: string }) => x.command), ['good']);
      assert.deepEqual(doc.thaw.failures.map((f: { config: string; code: string }) => `${f.config}:${f.code}`).sort(), [
        'early:E_EXITED_EARLY', 'missing:E_COMMAND_NOT_FOUND', 'never:E_NOT_READY', 'taken:E_PORT_IN_USE',
      ]);
      assert.deepEqual(pids(pidFile).filter(running), []); // the timed-out server was killed too
    } finally {
      busy.close();
    }
  });

  it('refuses a fixed probe port that is already taken before the run starts', async () => {
    const busy: Server = createServer();
    await new Promise<void>((res) => busy.listen(0, '127.0.0.1', res));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await thaw(['bench', '-c', `a=${srv()}`, '--runs', '1', '--ready', `http://127.0.0.1:${port}/`]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`\\[E_PORT_IN_USE\\] configuration "a": 127\\.0\\.0\\.1:${port} is already in use before the run started`));
    } finally {
      busy.close();
    }
  });

  it('probes: TCP connect, output regex, a representative POST with expected body, retries on 503', async () => {
    const tcp = await thaw(['bench', '-c', `a=${srv()}`, '--runs', '1', '--ready', 'tcp://127.0.0.1:$PORT']);
    assert.equal(tcp.status, 0, tcp.stderr);
    const re = await thaw(['bench', '-c', `a=${srv()}`, '--runs', '1', '--ready-regex', 'listening on \\d+']);
    assert.equal(re.status, 0, re.stderr);
    const json = join(dir, 'post.json');
    const post = await thaw(['bench', '-c', `a=${srv('NOT_READY=3')}`, '--runs', '2', '--request-method', 'POST', '--request-body', 'thaw', '--expect', 'Hello thaw', '--after', '5', '--json', json]);
    assert.equal(post.status, 0, post.stderr);
    const a = JSON.parse(readFileSync(json, 'utf8')).results[0];
    assert.ok(a.samples.every((s: { attempts: number }) => s.attempts >= 4), 'three 503 answers, then the 2xx');
    assert.equal(a.warmup_curve.length, 5);
    assert.ok(a.nth.median > a.median, 'the 5th response comes after the first');
    const wrong = await thaw(['bench', '-c', `a=${srv()}`, '--runs', '1', '--timeout', '1', '--expect', 'Goodbye']);
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /\[E_NOT_READY\][^\n]*last answer: HTTP 200/);
    const bad = await thaw(['bench', '-c', `a=${srv()}`, '--ready-regex', '(']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /thaw: error: \[E_BAD_REGEX\] --ready-regex "\(" is not a valid regular expression/);
  });

  it('runs a thaw image directory through IMG/start and rejects a directory that is not one', async () => {
    const img = join(dir, 'img');
    mkdirSync(img);
    writeFileSync(join(img, 'start'), `#!/bin/sh\nexec ${node} ${server} "$@"\n`);
    chmodSync(join(img, 'start'), 0o755);
    const ok = await thaw(['bench', '-c', `img=${img}`, '--runs', '2']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`Benchmark 1: img  \\(${img}\\)`));
    const notImg = await thaw(['bench', '-c', `x=${dir}`, '--runs', '1']);
    assert.equal(notImg.status, 1);
    assert.match(notImg.stderr, /\[E_IMAGE_MISSING\] configuration "x": .* is a directory but not a thaw image/);
  });

  it('runs --prepare before every run and --cleanup after the last; a failing --prepare is reported', async () => {
    const log = join(dir, 'steps.log');
    const r = await thaw(['bench', '-c', `a=${srv()}`, '--runs', '2', '--warmup-runs', '1', '--prepare', `echo prepare >> ${log}`, '--cleanup', `echo cleanup >> ${log}`]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['prepare', 'prepare', 'prepare', 'cleanup']);
    const bad = await thaw(['bench', '-c', `a=${srv()}`, '--runs', '1', '--prepare', 'echo cache is cold >&2; exit 4']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /\[E_PREPARE_FAILED\] --prepare "echo cache is cold >&2; exit 4" for "a" exited with status 4\n[\s\S]*\| cache is cold/);
  });

  it('the commands it runs see NODE_EXTRA_CA_CERTS as the user set it (the CLI itself starts without it)', async () => {
    const log = join(dir, 'ca.log');
    const r = await thaw(['bench', '-c', `a=${srv()}`, '--runs', '1', '--warmup-runs', '0', '--prepare', `echo "$NODE_EXTRA_CA_CERTS|$THAW_NODE_EXTRA_CA_CERTS" > ${log}`], { env: { ...process.env, NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(log, 'utf8').trim(), '/etc/ssl/certs/ca-certificates.crt|');
  });

  it('compares with a saved run and exits non-zero on a regression beyond the threshold', async () => {
    const old = join(dir, 'old.json');
    // The work is wall-clock busy-waiting, so a loaded machine cannot fake a 50% change.
    const first = await thaw(['bench', '-c', `svc=${srv('WORK_MS=300')}`, '--runs', '3', '--json', old]);
    assert.equal(first.status, 0, first.stderr);
    const same = await thaw(['bench', '-c', `svc=${srv('WORK_MS=300')}`, '--runs', '3', '--baseline', old, '--threshold', '50']);
    assert.equal(same.status, 0, same.stdout + same.stderr);
    assert.match(same.stdout, /ok +svc: /);
    const slower = await thaw(['bench', '-c', `svc=${srv('WORK_MS=1000')}`, '--runs', '3', '--baseline', old, '--threshold', '50']);
    assert.equal(slower.status, 1);
    assert.match(slower.stdout, /REGRESSION svc: /);
    assert.match(slower.stderr, /thaw: error: \[E_REGRESSION\] svc slower than the baseline by more than 50%/);
  });

  it('kills the server tree on Ctrl-C and leaves nothing running', async () => {
    const pidFile = join(dir, 'int.pids');
    const child = start([thawBin, 'bench', '-c', `a=sh -c '${srv(`PID_FILE=${pidFile} NEVER_LISTEN=1`)}; sleep 100'`, '--runs', '3', '--timeout', '60'], { env: { THAW_CLI_NODE: process.execPath } });
    const t0 = Date.now();
    while (pids(pidFile).length === 0 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
    const [pid] = pids(pidFile);
    assert.ok(pid && running(pid), 'the server started');
    process.kill(child.pid, 'SIGINT');
    const exit = await child.exited;
    assert.equal(exit.status, 130);
    // SIGKILL lands asynchronously; allow the kernel a moment.
    for (let i = 0; i < 100 && running(pid); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(running(pid), false, 'the server was killed with thaw');
  });

  it('runs under Node 22, 24 and 26 too (thaw itself and the server)', async () => {
    for (const v of ['22', '24', '26']) {
      const json = join(dir, `node${v}.json`);
      const r = await thaw(['bench', '-c', `a=${nodes[v]} ${server}`, '--runs', '2', '--after', '3', '--json', json], { env: { THAW_CLI_NODE: nodes[v]! } });
      assert.equal(r.status, 0, `Node ${v}: ${r.stderr}`);
      const a = JSON.parse(readFileSync(json, 'utf8')).results[0];
      assert.equal(a.times.length, 2);
      assert.equal(a.warmup_curve.length, 3);
      const version = (await run([nodes[v]!, '-p', 'process.version'])).stdout.trim();
      assert.equal(JSON.parse(readFileSync(json, 'utf8')).thaw.machine.node, version); // thaw ran on that Node
    }
  });

  it('writes a self-contained HTML report that Chromium renders with every run and the warm-up curve', { skip: needs('chromium') }, async () => {
    const html = join(dir, 'r.html');
    const r = await thaw(['bench', '-c', `a=${srv()}`, '-c', `b=${srv('WORK_MS=50')}`, '--runs', '3', '--after', '4', '--html', html]);
    assert.equal(r.status, 0, r.stderr);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (q) => requests.push(q.url()));
      await page.goto('file://' + html);
      assert.equal(await page.locator('#distribution circle.run').count(), 6);
      assert.equal(await page.locator('#warmup polyline.curve').count(), 2);
      const box = await page.locator('#distribution').boundingBox();
      assert.ok(box && box.width > 500 && box.height > 100, 'the distribution is drawn');
      assert.deepEqual(requests.filter((u) => !u.startsWith('file://')), []);
    } finally {
      await browser.close();
    }
  });
});
