/**
 * End-to-end: `thaw build` (by default, or with --minify-packages) hands V8 the app's packages
 * whitespace-minified, and stack traces of a restored process still name the packages' original
 * files and lines, as a cold start's do; `--no-minify-packages` hands them over as written.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { freePort } from '../src/launch/port.js';
import { killAll, run, start } from '../src/launch/spawn.js';
import { answer, assertCleanFailure, root, scratch, serve, thaw } from './helpers.js';

const fx = (name: string): string => join(root, 'test/fixtures/core', name);
const work = scratch('thaw-minify-');

after(killAll);

/** The frames of a stack inside the package `pkg` (`at fn (file:line:col)`). */
const framesIn = (stack: string, pkg: string): string[] => stack.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('at ') && l.includes(`/node_modules/${pkg}/`));

describe('thaw build: minified package sources', () => {
  test("a restored error's stack names the package's original file:line:col, as cold", async () => {
    const img = join(work, 'min');
    const b = await thaw(['build', fx('minified-stack.cjs'), '-o', img, '--minify-packages', '--no-verify']);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /note: package sources are whitespace-minified/);
    assert.ok(existsSync(join(img, 'package-maps')) && readdirSync(join(img, 'package-maps')).length > 0, 'the image holds the packages\' stack maps');

    const port = await freePort();
    const cold = start([process.execPath, fx('minified-stack.cjs')], { env: { PORT: String(port) } });
    const coldStack = (await answer(cold, port, '/stack')).body;
    const coldSource = (await answer(cold, port, '/source')).body;
    await cold.kill();
    const expected = framesIn(coldStack, 'commander');
    assert.ok(expected.length >= 2, `cold: commander frames in\n${coldStack}`);

    const s = await serve(img, '/stack');
    const restoredSource = (await answer(s.child, s.port, '/source')).body;
    await s.child.kill();
    assert.deepEqual(framesIn(s.body, 'commander'), expected, `restored stack:\n${s.body}`);
    // What makes the snapshot smaller: V8 holds the package's source without its layout.
    assert.ok(coldSource.includes('\n'), 'cold: the function as written');
    assert.ok(!restoredSource.includes('\n') && restoredSource.length < coldSource.length, `restored: the minified function\n${restoredSource}`);
    assert.match(restoredSource, /^parseOptions\(args\)/, 'names are kept');
  });

  test('minified by default; --no-minify-packages keeps the source as written (toString() as cold)', async () => {
    const port = await freePort();
    const cold = start([process.execPath, fx('minified-stack.cjs')], { env: { PORT: String(port) } });
    const coldSource = (await answer(cold, port, '/source')).body;
    await cold.kill();
    const sourceOf = async (img: string, flags: string[]): Promise<{ source: string; stdout: string; maps: boolean }> => {
      const b = await thaw(['build', fx('minified-stack.cjs'), '-o', img, ...flags, '--no-verify']);
      assert.equal(b.status, 0, b.stderr);
      const s = await serve(img, '/source');
      await s.child.kill();
      return { source: s.body, stdout: b.stdout, maps: existsSync(join(img, 'package-maps')) };
    };
    const byDefault = await sourceOf(join(work, 'default'), []);
    assert.ok(!byDefault.source.includes('\n') && byDefault.source.length < coldSource.length, `default: the minified function\n${byDefault.source}`);
    assert.match(byDefault.stdout, /note: package sources are whitespace-minified .*--no-minify-packages/);
    const asWritten = await sourceOf(join(work, 'as-written'), ['--no-minify-packages']);
    assert.equal(asWritten.source, coldSource, 'the function as written, as cold');
    assert.doesNotMatch(asWritten.stdout, /whitespace-minified/);
    assert.equal(asWritten.maps, false, 'no stack maps for packages that were not minified');
  });

  test("a build that fails inside a minified package names the package's original lines, as node does", async () => {
    const img = join(work, 'throws');
    const r = await thaw(['build', fx('minified-throws.cjs'), '-o', img, '--minify-packages']);
    assertCleanFailure(r, 'E_APP_INIT', img);
    const cold = await run([process.execPath, fx('minified-throws.cjs')]);
    assert.notEqual(cold.status, 0);
    const where = (text: string): string[] => [...text.matchAll(/^[\s|]*at [^\n]*commander\/lib\/command\.js:(\d+:\d+)/gm)].map((m) => m[1]!);
    const expected = where(cold.stderr).slice(0, 5);
    assert.ok(expected.length >= 3, cold.stderr);
    assert.deepEqual(where(r.stderr).slice(0, 5), expected, r.stderr);
  });

  test('with --bundle-packages too: the bundled package is minified and its frames name its original lines', async () => {
    const img = join(work, 'bundled');
    const b = await thaw(['build', fx('minified-stack.cjs'), '-o', img, '--minify-packages', '--bundle-packages', '--no-verify']);
    assert.equal(b.status, 0, b.stderr);
    const port = await freePort();
    const cold = start([process.execPath, fx('minified-stack.cjs')], { env: { PORT: String(port) } });
    const expected = framesIn((await answer(cold, port, '/stack')).body, 'commander');
    await cold.kill();
    const s = await serve(img, '/stack');
    const source = (await answer(s.child, s.port, '/source')).body;
    await s.child.kill();
    assert.deepEqual(framesIn(s.body, 'commander'), expected, `restored stack:\n${s.body}`);
    assert.ok(!source.includes('\n'), `restored: the minified function\n${source}`);
  });
});
