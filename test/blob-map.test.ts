/**
 * End-to-end: IMG/start preloads the blob mapper (native/blob-shim.c), so a restored Node maps
 * its snapshot blob from the page cache instead of copying it twice; the app and its children
 * never see the preload, and every way the mapper cannot apply falls back to Node's own read,
 * silently.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../src/launch/port.js';
import { killAll, start } from '../src/launch/spawn.js';
import { answer, needs, nodes, root, scratch, serve, thaw } from './helpers.js';

const fx = join(root, 'test/fixtures/core/blob-map.cjs');
const work = scratch('thaw-blob-map-');
after(killAll);

interface Seen {
  preload: string | null;
  blobMap: string | null;
  childPreload: string;
  mapped: number;
  vm: string;
}

const ANSWER = '2,4,6';

describe('the blob mapper', { skip: needs('gcc') }, () => {
  const img = join(work, 'img');
  before(async () => {
    const b = await thaw(['build', fx, '-o', img, '--no-verify']);
    assert.equal(b.status, 0, b.stderr);
  });

  test('a restore maps the blob; neither the app nor its children see the preload', async () => {
    assert.ok(existsSync(join(img, 'libthaw-blob.so')), 'the image holds the mapper');
    const s = await serve(img, '/');
    const j = JSON.parse(s.body) as Seen;
    await s.child.kill();
    assert.ok(j.mapped > 0, 'the restored process maps its snapshot blob');
    assert.deepEqual([j.preload, j.blobMap, j.childPreload, j.vm], [null, null, 'unset', ANSWER]);
    assert.equal(s.child.stderr(), '', 'nothing on stderr');
  });

  test("the caller's own LD_PRELOAD is kept for the app and its children", async () => {
    const lib = '/lib/x86_64-linux-gnu/libm.so.6';
    if (!existsSync(lib)) return;
    const s = await serve(img, '/', { LD_PRELOAD: lib });
    const j = JSON.parse(s.body) as Seen;
    await s.child.kill();
    assert.ok(j.mapped > 0);
    assert.deepEqual([j.preload, j.childPreload, j.vm], [lib, lib, ANSWER]);
  });

  test('without the mapper (THAW_NO_BLOB_MAP, or its file gone) Node reads the blob as usual, silently', async () => {
    const off = await serve(img, '/', { THAW_NO_BLOB_MAP: '1' });
    const j = JSON.parse(off.body) as Seen;
    await off.child.kill();
    assert.deepEqual([j.mapped, j.preload, j.vm], [0, null, ANSWER]);

    const gone = join(work, 'gone');
    assert.equal((await thaw(['build', fx, '-o', gone, '--no-verify'])).status, 0);
    rmSync(join(gone, 'libthaw-blob.so'));
    const s = await serve(gone, '/');
    const k = JSON.parse(s.body) as Seen;
    await s.child.kill();
    assert.deepEqual([k.mapped, k.vm], [0, ANSWER]);
    assert.equal(s.child.stderr(), '', 'nothing on stderr');
  });

  test('a preload that finds another file than the one Node reads leaves Node to read it', async () => {
    // THAW_BLOB_MAP naming a file Node does not read: the mapper stays idle.
    const port = await freePort();
    const m = JSON.parse(readFileSync(join(img, 'manifest.json'), 'utf8')) as { node: { path: string } };
    const child = start([m.node.path, '--snapshot-blob', join(img, 'snapshot.blob')], { env: { PORT: String(port), LD_PRELOAD: join(img, 'libthaw-blob.so'), THAW_BLOB_MAP: join(img, 'bundle.cjs') } });
    const j = JSON.parse((await answer(child, port, '/')).body) as Seen;
    await child.kill();
    assert.deepEqual([j.mapped, j.preload, j.vm], [0, null, ANSWER]);
  });

  for (const node of ['22', '24', '26'] as const) {
    test(`restores map the blob on Node ${node} too`, async () => {
      const dir = join(work, `node-${node}`);
      const b = await thaw(['build', fx, '-o', dir, '--node', nodes[node]!, '--no-verify']);
      assert.equal(b.status, 0, b.stderr);
      const s = await serve(dir, '/');
      const j = JSON.parse(s.body) as Seen;
      await s.child.kill();
      assert.ok(j.mapped > 0, `Node ${node}: the blob is mapped`);
      assert.deepEqual([j.preload, j.childPreload, j.vm], [null, 'unset', ANSWER]);
    });
  }
});
