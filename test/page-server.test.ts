/**
 * The page server end to end: its logs (a restore served on demand and one with --prefetch)
 * rendered by `thaw pages view --export` in headless Chromium, and a real QEMU guest (Debian's
 * kernel, busybox counting on the serial console, TCG) checkpointed and restored through it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../src/launch/chromium.js';
import { killAll, run, start, type Child } from '../src/launch/spawn.js';
import { importUffdLog } from '../src/import/uffd-log.js';
import { nativeHelpers, startPageServer, type PageServerStats } from '../src/vm/page-server.js';
import { needs, scratch, thaw } from './helpers.js';

const dir = scratch('thaw-page-server-');
const build = { cacheDir: join(dir, 'cache') };

after(async () => {
  await killAll();
});

/** One restore of `ram` served by the page server while thaw-uffd-touch reads `order`. */
async function restore(ram: string, log: string, order: string, prefetch?: string): Promise<void> {
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
    await restore(ram, join(dir, 'demand-uffd.log'), order);
    await restore(ram, join(dir, 'prefetch-uffd.log'), `${order},500`, join(dir, 'demand-uffd.log'));
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

/** A kernel QEMU can boot, from the host's Debian linux-image package. */
const kernel = existsSync('/boot') ? readdirSync('/boot').filter((f) => /^vmlinuz-/.test(f)).map((f) => join('/boot', f)).sort().pop() : undefined;

/** A newc cpio archive (what the kernel unpacks as its initramfs): busybox and an /init that counts. */
function initramfs(): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const add = (name: string, mode: number, data = Buffer.alloc(0)): void => {
    const fields = [ino++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length + 1, 0];
    const head = Buffer.from('070701' + fields.map((n) => n.toString(16).padStart(8, '0')).join('') + name + '\0');
    parts.push(head, Buffer.alloc((4 - (head.length % 4)) % 4), data, Buffer.alloc((4 - (data.length % 4)) % 4));
  };
  add('bin', 0o40755);
  add('bin/busybox', 0o100755, readFileSync('/bin/busybox'));
  add('init', 0o100755, Buffer.from('#!/bin/busybox sh\ni=0\nwhile :; do echo "tick $i"; i=$((i+1)); /bin/busybox sleep 0.1; done\n'));
  add('TRAILER!!!', 0);
  return Buffer.concat(parts);
}

/** A minimal QMP client: one command at a time, events skipped. */
async function qmp(path: string): Promise<{ cmd: (execute: string, args?: object) => Promise<unknown>; close: () => void }> {
  let sock!: Socket;
  for (let i = 0; ; i++) {
    try {
      sock = await new Promise<Socket>((resolve, reject) => {
        const s = connect(path, () => resolve(s));
        s.once('error', reject);
      });
      break;
    } catch (e) {
      if (i > 500) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  let buf = '';
  const waiting: Array<(v: { return?: unknown; error?: { desc: string } }) => void> = [];
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const msg = JSON.parse(buf.slice(0, nl)) as { return?: unknown; error?: { desc: string }; QMP?: unknown };
      buf = buf.slice(nl + 1);
      if ('return' in msg || 'error' in msg) waiting.shift()?.(msg);
    }
  });
  const cmd = (execute: string, args?: object): Promise<unknown> =>
    new Promise((resolve, reject) => {
      waiting.push((m) => (m.error ? reject(new Error(`${execute}: ${m.error.desc}`)) : resolve(m.return)));
      sock.write(JSON.stringify({ execute, arguments: args }) + '\n');
    });
  await cmd('qmp_capabilities');
  return { cmd, close: () => sock.destroy() };
}

const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 120_000, console?: string): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${console && existsSync(console) ? `; its console ended:\n${readFileSync(console, 'utf8').slice(-1500)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const ticks = (file: string): number[] => (existsSync(file) ? [...readFileSync(file, 'utf8').matchAll(/tick (\d+)/g)].map((m) => Number(m[1])) : []);

describe('QEMU restores a guest through the page server', { skip: needs('qemu', 'busybox') || (!kernel && 'needs a kernel in /boot: apt-get install linux-image-amd64') }, () => {
  const vm = join(dir, 'vm');
  const ramSize = 128 << 20;
  const khz = Math.round(Number(/cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 2000) * 1000);
  const qemu = (memObject: string, serial: string, qmpSock: string, extra: string[], env: Record<string, string> = {}): Child =>
    start(
      ['qemu-system-x86_64', '-M', 'microvm,pit=on,pic=on,rtc=on,memory-backend=mem', '-m', `${ramSize >> 20}M`, '-object', memObject, '-accel', 'tcg,thread=multi', '-cpu', 'max', '-smp', '1',
        '-nodefaults', '-no-user-config', '-display', 'none', '-serial', `file:${serial}`, '-qmp', `unix:${qmpSock},server=on,wait=off`,
        '-kernel', kernel!, '-initrd', join(vm, 'initrd.cpio'), '-append', `console=ttyS0 quiet tsc_early_khz=${khz} tsc=reliable init_on_free=1`, ...extra],
      { env },
    );

  test('boot, checkpoint (RAM in a file, x-ignore-shared), restore on demand, then with --prefetch: the guest counts on from where it stopped', { timeout: 300_000 }, async () => {
    mkdirSync(vm, { recursive: true });
    writeFileSync(join(vm, 'initrd.cpio'), initramfs());
    // Boot with guest RAM in a shmem file, as the VM engine builds.
    const shm = `/dev/shm/thaw-test-${process.pid}.ram`;
    writeFileSync(shm, '');
    try {
      const boot = qemu(`memory-backend-file,id=mem,mem-path=${shm},share=on,size=${ramSize}`, join(vm, 'boot.log'), join(vm, 'boot.qmp'), []);
      await until('the guest to count', () => ticks(join(vm, 'boot.log')).length >= 3 || boot.done, 120_000, join(vm, 'boot.log'));
      assert.equal(boot.done, false, boot.stderr());
      const q = await qmp(join(vm, 'boot.qmp'));
      await q.cmd('migrate-set-capabilities', { capabilities: [{ capability: 'x-ignore-shared', state: true }] });
      await q.cmd('stop');
      const last = Math.max(...ticks(join(vm, 'boot.log')));
      await q.cmd('migrate', { uri: `exec:cat > ${join(vm, 'state')}` });
      await until('the checkpoint', async () => ((await q.cmd('query-migrate')) as { status?: string }).status === 'completed');
      await q.cmd('quit').catch(() => undefined);
      q.close();
      await boot.exited;
      copyFileSync(shm, join(vm, 'ram'));
      // Two restores: the first records the pages the guest touches, the second prefetches them.
      const restoreOnce = async (name: string, prefetch?: string): Promise<{ stats: PageServerStats; ticks: number[] }> => {
        const ps = await startPageServer({ ramFile: join(vm, 'ram'), log: join(vm, `${name}-uffd.log`), prefetch, build });
        const serial = join(vm, `${name}.log`);
        const child = qemu(ps.memoryBackend(), serial, join(vm, `${name}.qmp`), ['-incoming', 'defer'], ps.env);
        const r = await qmp(join(vm, `${name}.qmp`));
        await r.cmd('migrate-set-capabilities', { capabilities: [{ capability: 'x-ignore-shared', state: true }] });
        await r.cmd('migrate-incoming', { uri: `exec:cat ${join(vm, 'state')}` });
        await until('the incoming state', async () => ((await r.cmd('query-status')) as { status: string }).status !== 'inmigrate');
        await r.cmd('cont');
        await until('the restored guest to count', () => ticks(serial).length >= 3 || child.done, 120_000, serial);
        assert.equal(child.done, false, child.stderr());
        await r.cmd('quit').catch(() => undefined);
        r.close();
        await child.exited;
        return { stats: await ps.stats, ticks: ticks(serial) };
      };
      const first = await restoreOnce('restore');
      // The guest goes on from the checkpoint: its first tick after the restore follows the last one before.
      assert.ok(first.ticks[0]! > last && first.ticks[0]! <= last + 3, `boot ended at tick ${last}, the restore printed ${first.ticks.slice(0, 3).join(', ')}`);
      assert.ok(first.stats.faults > 50, `${first.stats.faults} pages served`);
      assert.equal(first.stats.unknown, 0);
      const log = importUffdLog(readFileSync(join(vm, 'restore-uffd.log'), 'utf8'), 'restore-uffd.log')!;
      assert.equal(log.faults.length, first.stats.faults);
      assert.ok(log.faults.every((f) => f.physAddr! < ramSize), 'guest physical addresses inside guest RAM');

      const second = await restoreOnce('prefetch', join(vm, 'restore-uffd.log'));
      assert.ok(second.ticks[0]! > last && second.ticks[0]! <= last + 3);
      assert.ok(second.stats.prefetched > 0.9 * first.stats.faults, `prefetched ${second.stats.prefetched} of ${first.stats.faults}`);
      assert.ok(second.stats.faults < first.stats.faults / 2, `demand faults: ${second.stats.faults} with prefetch, ${first.stats.faults} without`);
    } finally {
      rmSync(shm, { force: true });
    }
  });
});
