// The pieces of src/launch/ that thaw bench added: /proc parsers, probe resolution and the
// sub-millisecond pause, command resolution (direct argv, shell, thaw image).
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { bindPort, resolveCommand, splitWords } from '../src/bench/command.js';
import { parseSmapsRollup, parseStat, sampleTree } from '../src/launch/memory.js';
import { describeProbe, OutputWatcher, pause, resolveProbe, usesRunPort } from '../src/launch/probe.js';
import { root, scratch } from './helpers.js';

describe('bench: /proc parsers', () => {
  it('reads Rss and Pss from smaps_rollup (captured from `cat /proc/self/smaps_rollup`)', () => {
    const text = readFileSync(join(root, 'test/fixtures/bench/proc/smaps_rollup.txt'), 'utf8');
    assert.deepEqual(parseSmapsRollup(text), { rssKb: 1692, pssKb: 354 });
    assert.equal(parseSmapsRollup('VmRSS: 12 kB'), null);
  });

  it('reads CPU ticks from stat even when the command name holds spaces and parentheses', () => {
    const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194304 98 0 0 0 37 5 2 1 20 0 1 0 93650 3133440 383';
    assert.deepEqual(parseStat(stat), { utimeTicks: 37, stimeTicks: 5, cutimeTicks: 2, cstimeTicks: 1 });
    assert.equal(parseStat('garbage'), null);
  });

  it('samples this very process', () => {
    const s = sampleTree(process.pid)!;
    assert.ok(s.processes >= 1 && s.rssKb > 10_000 && s.pssKb > 0 && s.pssKb <= s.rssKb && s.userS > 0, JSON.stringify(s));
    assert.equal(sampleTree(2 ** 22 + 7), null);
  });
});

describe('bench: probes', () => {
  it('binds $PORT and ${PORT}, describes, and rejects bad input with the flag named', () => {
    const p = resolveProbe({ url: 'http://127.0.0.1:${PORT}/health?x=1', method: 'post', body: '{"a":1}' }, 4321);
    assert.deepEqual([p.kind, p.host, p.port, p.path, p.method, p.headers['content-type']], ['http', '127.0.0.1', 4321, '/health?x=1', 'POST', 'application/json']);
    assert.equal(resolveProbe({ url: 'tcp://localhost:$PORT' }, 9).kind, 'tcp');
    assert.equal(resolveProbe({}, 80).path, '/');
    assert.ok(usesRunPort({}));
    assert.ok(!usesRunPort({ url: 'http://127.0.0.1:8080/' }));
    assert.equal(describeProbe({}), 'GET http://127.0.0.1:$PORT/ until 2xx');
    assert.throws(() => resolveProbe({ url: 'https://x:1/' }, 1), /unsupported scheme https:/);
    assert.throws(() => resolveProbe({ url: 'nonsense' }, 1), /--ready "nonsense" is not a URL/);
    assert.throws(() => resolveProbe({ regex: '[' }, 1), /--ready-regex "\[" is not a valid regular expression/);
    assert.throws(() => resolveProbe({ intervalMs: 0 }, 1), /--probe-interval 0 is out of range/);
    assert.equal(resolveProbe({ intervalMs: 2 }, 1).intervalMs, 2);
  });

  it('pauses well under a millisecond (the probe resolution)', async () => {
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) await pause();
    const each = (performance.now() - t0) / 50;
    assert.ok(each >= 0.45, `${each} ms`); // it does wait…
    assert.ok(each < 5, `${each} ms`); // …and not a timer tick (generous: shared CI machines)
  });

  it('matches output lines across chunk boundaries', () => {
    const w = new OutputWatcher(/listening on \d+/);
    w.feed('stdout', 'starting\nlisten');
    assert.equal(w.matchedAt, null);
    w.feed('stderr', 'listening on 1\n'); // another stream: no join with stdout
    assert.notEqual(w.matchedAt, null);
    const v = new OutputWatcher(/listening on \d+/);
    v.feed('stdout', 'listen');
    v.feed('stdout', 'ing on 80\n');
    assert.notEqual(v.matchedAt, null);
  });
});

describe('bench: commands', () => {
  it('splits plain word lists, keeps shell syntax for /bin/sh', () => {
    assert.deepEqual(splitWords(`node "my server.js" --x 'a b'`), ['node', 'my server.js', '--x', 'a b']);
    assert.equal(splitWords('node "open'), null);
    const direct = resolveCommand({ name: 'a', command: 'node server.js --port $PORT' });
    assert.equal(direct.shell, false);
    assert.deepEqual(bindPort(direct, 5555), ['node', 'server.js', '--port', '5555']);
    for (const cmd of ['WORK_MS=1 node x.js', 'node a.js | cat', 'cd x && node y', 'node $HOME/x.js']) {
      const r = resolveCommand({ name: 'a', command: cmd });
      assert.deepEqual([r.shell, r.argv[0], r.argv[2]], [true, '/bin/sh', cmd], cmd);
    }
    assert.deepEqual(resolveCommand({ name: 'a', command: ['node', '-e', '$PORT'] }).argv, ['node', '-e', '$PORT']);
  });

  it('runs a thaw image through IMG/start and names what is missing', () => {
    const dir = scratch();
    const img = join(dir, 'img');
    mkdirSync(img);
    writeFileSync(join(img, 'start'), '#!/bin/sh\n');
    assert.throws(() => resolveCommand({ name: 'r', command: img }), /configuration "r": .*img is a directory but not a thaw image \(no executable .*start\)/);
    chmodSync(join(img, 'start'), 0o755);
    assert.deepEqual(resolveCommand({ name: 'r', command: 'img', cwd: dir }), { argv: [join(img, 'start')], shell: false, image: img });
    assert.throws(() => resolveCommand({ name: 'm', command: 'no-such-program-xyz' }), (e: Error & { code?: string }) => e.code === 'E_COMMAND_NOT_FOUND');
    assert.throws(() => resolveCommand({ name: 'm', command: './nope.sh', cwd: dir }), /command not found: \.\/nope\.sh/);
  });
});
