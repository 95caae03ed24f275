/**
 * Faults from outside: kill -9 of the CLI or of its snapshot builder at random moments, kill -9
 * of a restored server mid-answer, a disk that fills during the write, a read-only output
 * folder. Each ends in one clear line (or none, for kill -9), no half image at -o, no process
 * left behind, and the next build to the same -o succeeds.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { killAll, run, start } from '../src/launch/spawn.js';
import { assertCleanFailure, builderOf, root, scratch, serve, settled, thaw, thawBin } from './helpers.js';

const fx = (name: string): string => join(root, 'test/fixtures/core', name);
const work = scratch('thaw-faults-');

after(killAll);

/** Files beside and including the image whose names start with `img`. */
const beside = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('img')).sort() : []);

/** An image directory is whole: its manifest, its launcher and a blob of the recorded size. */
function assertWhole(img: string): void {
  const manifest = JSON.parse(readFileSync(join(img, 'manifest.json'), 'utf8')) as { blob: { file: string; bytes: number } };
  assert.ok(existsSync(join(img, 'start')), `${img}/start`);
  assert.equal(statSync(join(img, manifest.blob.file)).size, manifest.blob.bytes, 'the blob is whole');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('kill -9 at random moments', () => {
  const dir = join(work, 'kill9');
  const img = join(dir, 'img');
  const build = (initMs: number) => start([thawBin, 'build', fx('slow-init.cjs'), '-o', img, '--no-verify'], { env: { INIT_MS: String(initMs), THAW_CLI_NODE: process.execPath } });

  test('of the CLI or of its builder: no process left, no half image at -o, the next build succeeds', async () => {
    mkdirSync(dir, { recursive: true });
    const first = await thaw(['build', fx('slow-init.cjs'), '-o', img, '--no-verify'], { env: { INIT_MS: '0' } });
    assert.equal(first.status, 0, first.stderr);
    const moments: string[] = [];
    for (const target of ['cli', 'builder', 'cli', 'builder'] as const) {
      const cli = build(3000);
      let victim = cli.pid;
      if (target === 'builder') {
        const pid = await builderOf(cli);
        assert.ok(pid, `the builder started: ${cli.stderr()}`);
        victim = pid;
      }
      // Anywhere from bundling to writing the image (a build here takes about 4 s).
      const delay = Math.floor(Math.random() * (target === 'cli' ? 4000 : 3300));
      moments.push(`${target}+${delay}ms`);
      await sleep(delay);
      try {
        process.kill(victim, 'SIGKILL');
      } catch {
        /* finished first: a moment like any other */
      }
      const exit = await cli.exited;
      if (target === 'builder' && exit.status !== 0) assert.match(cli.stderr(), /^thaw: error: \[E_BUILDER_KILLED\] the snapshot builder was killed \(SIGKILL\) by something outside thaw/m, moments.join(' '));
      // Within a second: the builder would otherwise run on to the end of its init.
      assert.deepEqual(await settled(dir, 1000), [], `no process left after kill -9 of the ${moments.join(' ')}`);
      // What is at -o is the old image or the new one, never half of either.
      if (existsSync(img)) assertWhole(img);
      const next = await thaw(['build', fx('slow-init.cjs'), '-o', img, '--no-verify'], { env: { INIT_MS: '0' } });
      assert.equal(next.status, 0, `${moments.join(' ')}: ${next.stderr}`);
      assert.deepEqual(beside(dir), ['img'], 'the image and nothing else');
      assertWhole(img);
    }
  });

  test('of IMG/start mid-answer: the client sees the connection close, nothing is left running', async () => {
    const dir2 = join(work, 'midanswer');
    const img2 = join(dir2, 'img');
    const b = await thaw(['build', fx('half-answer.cjs'), '-o', img2, '--no-verify']);
    assert.equal(b.status, 0, b.stderr);
    const s = await serve(img2);
    const outcome = await new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port: s.port, path: '/half' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
          // The head and the first half are here: kill the server now.
          if (body.includes('first half')) process.kill(s.child.pid, 'SIGKILL');
        });
        res.on('end', () => resolve(`ended: ${body}`));
        res.on('error', (e: NodeJS.ErrnoException) => resolve(`closed (${e.code ?? e.message}) after "${body}"`));
        res.on('aborted', () => resolve(`closed (aborted) after "${body}"`));
      });
      req.on('error', (e: NodeJS.ErrnoException) => resolve(`closed (${e.code ?? e.message}) before the head`));
      req.end();
    });
    assert.match(outcome, /^closed \((ECONNRESET|aborted)\) after "first half, "$/);
    assert.equal((await s.child.exited).signal, 'SIGKILL');
    assert.deepEqual(await settled(dir2), []);
  });
});

/** Can this process mount a tmpfs (root, and allowed to: a container may not be)? */
function mountable(): false | string {
  if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs';
  const probe = join(work, 'mount-probe');
  mkdirSync(probe, { recursive: true });
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe]).status !== 0) return 'needs permission to mount a tmpfs (CAP_SYS_ADMIN)';
  spawnSync('umount', [probe]);
  return false;
}
const asRoot = mountable();

describe('the file system refuses the write', () => {
  /** Mount a tmpfs at dir for fn, unmounted afterwards whatever happens. */
  async function withTmpfs(dir: string, options: string, fn: () => Promise<void>): Promise<void> {
    mkdirSync(dir, { recursive: true });
    const m = await run(['mount', '-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
    assert.equal(m.status, 0, `mount: ${m.stderr}`);
    try {
      await fn();
    } finally {
      await run(['umount', dir]);
    }
  }

  test('a disk full during the write: one line naming ENOSPC with the fix, no half image; with space the next build succeeds', { skip: asRoot }, async () => {
    const dir = join(work, 'full');
    const img = join(dir, 'img');
    // 1 MiB holds the bundle but not the blob (several MB).
    await withTmpfs(dir, 'size=1m', async () => {
      const r = await thaw(['build', fx('slow-init.cjs'), '-o', img, '--no-verify'], { env: { INIT_MS: '0' } });
      assertCleanFailure(r, 'E_DISK_FULL', img);
      assert.match(r.stderr, /^thaw: error: \[E_DISK_FULL\] no space left on the device holding .*\/full while writing the image \(ENOSPC; .* free of 1\.0 MB there now, with the partial image removed\)\n  fix: free space on that disk, or build to another -o; nothing half-written was kept\n$/);
      assert.deepEqual(beside(dir), [], 'no lock, no temporary image');
      const grow = await run(['mount', '-o', 'remount,size=128m', dir]);
      assert.equal(grow.status, 0, grow.stderr);
      const next = await thaw(['build', fx('slow-init.cjs'), '-o', img, '--no-verify'], { env: { INIT_MS: '0' } });
      assert.equal(next.status, 0, next.stderr);
      assertWhole(img);
      assert.deepEqual(beside(dir), ['img']);
    });
  });

  test('a read-only output folder: one line naming it, nothing written', { skip: asRoot }, async () => {
    const dir = join(work, 'ro');
    await withTmpfs(dir, 'size=16m', async () => {
      const remount = await run(['mount', '-o', 'remount,ro', dir]);
      assert.equal(remount.status, 0, remount.stderr);
      const r = await thaw(['build', fx('slow-init.cjs'), '-o', join(dir, 'img'), '--no-verify'], { env: { INIT_MS: '0' } });
      assertCleanFailure(r, 'E_READ_ONLY', join(dir, 'img'));
      assert.match(r.stderr, /^thaw: error: \[E_READ_ONLY\] .*\/ro is on a read-only file system, so the image img cannot be written there \(EROFS\)\n  fix: build to a writable -o .*\n$/);
      assert.deepEqual(beside(dir), []);
    });
  });
});
