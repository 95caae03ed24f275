/**
 * The page server end to end: its logs (a restore served on demand and one with --prefetch)
 * rendered by `thaw pages view --export` in headless Chromium, and a real QEMU guest (Debian's
 * kernel, busybox counting on the serial console, TCG) checkpointed and restored through it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../src/launch/chromium.js';
import { killAll, run } from '../src/launch/spawn.js';
import { importUffdLog } from '../src/import/uffd-log.js';
import { nativeHelpers, startPageServer } from '../src/vm/page-server.js';
import { needs, scratch, thaw } from './helpers.js';
import { bootAndCheckpoint, kernel, RAM_SIZE, restore } from './vm-guest.js';

const dir = scratch('thaw-page-server-');
const build = { cacheDir: join(dir, 'cache') };

after(async () => {
  await killAll();
});

/** One run of `ram` served by the page server while thaw-uffd-touch reads `order`. */
async function serveTouch(ram: string, log: string, order: string, prefetch?: string): Promise<void> {
  const ps = await startPageServer({ ramFile: ram, log, prefetch, build });
  const h = await nativeHelpers(build);
  const r = await run([h.touch, ...(prefetch ? ['--delay-ms', '300'] : []), ps.memPath, ram, order], { env: ps.env, timeoutMs: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /"mismatches":0/);
  await ps.stats;
}

describe('thaw pages view of page-server logs in headless Chromium', { skip: needs('chromium') }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test('an on-demand restore and a prefetched one: both panels draw, play, and the prefetch shows as such', async () => {
    const ram = join(dir, 'ram.bin');
    writeFileSync(ram, randomBytes(2048 * 4096));
    const order = '1000-1299,0-199,1800-1999';
    await serveTouch(ram, join(dir, 'demand-uffd.log'), order);
    await serveTouch(ram, join(dir, 'prefetch-uffd.log'), `${order},500`, join(dir, 'demand-uffd.log'));
    assert.match(readFileSync(join(dir, 'prefetch-uffd.log'), 'utf8'), /^Prefetch done: 700 pages/m);

    const html = join(dir, 'view.html');
    const r = await thaw(['pages', 'view', join(dir, 'demand-uffd.log'), join(dir, 'prefetch-uffd.log'), '--export', html]);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /warning/);
    const page = await browser.newPage({ viewport: { width: 1500, height: 850 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto('file://' + html);
    await page.waitForFunction(() => (window as unknown as { thawPages?: { ready: boolean } }).thawPages?.ready === true);
    assert.equal(await page.textContent('[data-testid="counter"]'), '0 / 1401');
    await page.click('[data-testid="step"]');
    assert.equal(await page.textContent('[data-testid="counter"]'), '1 / 1401');
    assert.match((await page.textContent('[data-testid="counter-0"]'))!, /^\d+ \/ 700 faults/);
    assert.match((await page.textContent('[data-testid="counter-1"]'))!, /^\d+ \/ 701 faults/);
    await page.click('[data-testid="play"]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="counter"]')!.textContent!.split(' / ')[0]) > 100);
    await page.click('[data-testid="play"]');
    // Seek to the end of the timeline: both panels draw every page.
    const tl = (await page.locator('[data-testid="timeline"]').boundingBox())!;
    await page.mouse.click(tl.x + tl.width - 1, tl.y + tl.height / 2);
    assert.ok(Number((await page.textContent('[data-testid="counter"]'))!.split(' / ')[0]) >= 1390, 'the playhead is at the end');
    const drawn = (i: number): Promise<number> =>
      page.evaluate((k) => {
        const c = document.querySelector(`[data-testid="grid-${k}"]`) as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const bg = [[0x15, 0x17, 0x1c], [0x1d, 0x20, 0x26]];
        let n = 0;
        for (let j = 0; j < d.length; j += 4) if (!bg.some(([r, g, b]) => d[j] === r && d[j + 1] === g && d[j + 2] === b)) n++;
        return n;
      }, i);
    assert.ok((await drawn(0)) > 100, 'the on-demand panel draws pages');
    assert.ok((await drawn(1)) > 100, 'the prefetch panel draws pages');
    // Hovering a drawn page names the fault that brought it in: a prefetch in the second panel.
    const tipAt = async (i: number): Promise<string> => {
      const at = await page.evaluate((k) => {
        const c = document.querySelector(`[data-testid="grid-${k}"]`) as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const bg = [[0x15, 0x17, 0x1c], [0x1d, 0x20, 0x26]];
        for (let j = 0; j < d.length; j += 4) if (!bg.some(([r, g, b]) => d[j] === r && d[j + 1] === g && d[j + 2] === b)) return { x: (j / 4) % c.width, y: Math.floor(j / 4 / c.width) };
        return null;
      }, i);
      assert.ok(at);
      const box = (await page.locator(`[data-testid="grid-${i}"]`).boundingBox())!;
      await page.mouse.move(box.x + at.x + 0.5, box.y + at.y + 0.5);
      return (await page.textContent('#tip')) ?? '';
    };
    assert.match(await tipAt(0), /fault #\d+ at [\d.]+ ms: read loaded tid \d+/);
    assert.match(await tipAt(1), /fault #\d+ at [\d.]+ ms: prefetch loaded/);
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('QEMU restores a guest through the page server', { skip: needs('qemu', 'busybox') || (!kernel && 'needs a kernel in /boot: apt-get install linux-image-amd64') }, () => {
  test('boot, checkpoint (RAM in a file, x-ignore-shared), restore on demand, then with --prefetch: the guest counts on from where it stopped', { timeout: 300_000 }, async () => {
    const cp = await bootAndCheckpoint(join(dir, 'vm'));
    const log = join(cp.dir, 'restore-uffd.log');
    const first = await restore(cp, 'restore', { served: true, log });
    // The guest goes on from the checkpoint: its first tick after the restore follows the last one before.
    assert.ok(first.ticks[0]! > cp.lastTick && first.ticks[0]! <= cp.lastTick + 3, `boot ended at tick ${cp.lastTick}, the restore printed ${first.ticks.slice(0, 3).join(', ')}`);
    const stats = first.stats!;
    assert.ok(stats.faults > 50, `${stats.faults} pages served`);
    assert.equal(stats.unknown, 0);
    const trace = importUffdLog(readFileSync(log, 'utf8'), log)!;
    assert.equal(trace.faults.length, stats.faults);
    assert.ok(trace.faults.every((f) => f.physAddr! < RAM_SIZE), 'guest physical addresses inside guest RAM');

    const second = await restore(cp, 'prefetch', { served: true, prefetch: log });
    assert.ok(second.ticks[0]! > cp.lastTick && second.ticks[0]! <= cp.lastTick + 3);
    assert.ok(second.stats!.prefetched > 0.9 * stats.faults, `prefetched ${second.stats!.prefetched} of ${stats.faults}`);
    assert.ok(second.stats!.faults < stats.faults / 2, `demand faults: ${second.stats!.faults} with prefetch, ${stats.faults} without`);
    // The snapshot's RAM file is only read: a restore without the page server (copy-on-write) still counts on.
    const plain = await restore(cp, 'plain', { served: false });
    assert.ok(plain.ticks[0]! > cp.lastTick && plain.ticks[0]! <= cp.lastTick + 3);
    assert.deepEqual(readdirSync('/dev/shm').filter((f) => f.startsWith(`thaw-uffd-${process.pid}-`)), [], 'no memory file left in /dev/shm');
  });
});
