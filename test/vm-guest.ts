/**
 * A tiny QEMU guest for the page server's specs and benchmark, independent of the VM engine:
 * Debian's kernel from /boot, an initramfs of busybox-static whose /init counts `tick N` on the
 * serial console every 100 ms (after an md5sum of /data, a file of random bytes, when the
 * benchmark asks for a working set), TCG. Booted with guest RAM in a shmem file and checkpointed with
 * x-ignore-shared (the device state only), then restored with that RAM file served by the page
 * server, or mapped copy-on-write without one.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { monotonicMs, start, type Child } from '../src/launch/spawn.js';
import { startPageServer, type PageServerStats } from '../src/vm/page-server.js';

/** A kernel QEMU can boot, from the host's Debian linux-image package. */
export const kernel = existsSync('/boot') ? readdirSync('/boot').filter((f) => /^vmlinuz-/.test(f)).map((f) => join('/boot', f)).sort().pop() : undefined;

export const RAM_SIZE = 128 << 20;

/** A newc cpio archive (what the kernel unpacks as its initramfs): busybox and an /init that counts. */
function initramfs(dataMb: number): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const add = (name: string, mode: number, data = Buffer.alloc(0)): void => {
    const fields = [ino++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length + 1, 0];
    const head = Buffer.from('070701' + fields.map((n) => n.toString(16).padStart(8, '0')).join('') + name + '\0');
    parts.push(head, Buffer.alloc((4 - (head.length % 4)) % 4), data, Buffer.alloc((4 - (data.length % 4)) % 4));
  };
  add('bin', 0o40755);
  add('bin/busybox', 0o100755, readFileSync('/bin/busybox'));
  if (dataMb > 0) add('data', 0o100644, randomBytes(dataMb << 20));
  const sum = dataMb > 0 ? ' $(/bin/busybox md5sum /data | /bin/busybox cut -c1-8)' : '';
  add('init', 0o100755, Buffer.from(`#!/bin/busybox sh\ni=0\nwhile :; do echo "tick $i${sum}"; i=$((i+1)); /bin/busybox sleep 0.1; done\n`));
  add('TRAILER!!!', 0);
  return Buffer.concat(parts);
}

interface Qmp {
  cmd: (execute: string, args?: object) => Promise<unknown>;
  close: () => void;
}

/** A minimal QMP client: one command at a time, events skipped. */
async function qmp(path: string, child: Child): Promise<Qmp> {
  let sock!: Socket;
  for (let i = 0; ; i++) {
    try {
      sock = await new Promise<Socket>((resolve, reject) => {
        const s = connect(path, () => resolve(s));
        s.once('error', reject);
      });
      break;
    } catch (e) {
      if (child.done) throw new Error(`QEMU exited: ${child.stderr()}`);
      if (i > 1000) throw e;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  let buf = '';
  const waiting: Array<(v: { return?: unknown; error?: { desc: string } }) => void> = [];
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const msg = JSON.parse(buf.slice(0, nl)) as { return?: unknown; error?: { desc: string } };
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

async function until(what: string, ok: () => boolean | Promise<boolean>, console?: string, ms = 120_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${console && existsSync(console) ? `; its console ended:\n${readFileSync(console, 'utf8').slice(-1500)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const ticks = (file: string): number[] => (existsSync(file) ? [...readFileSync(file, 'utf8').matchAll(/tick (\d+)/g)].map((m) => Number(m[1])) : []);

const khz = (): number => Math.round(Number(/cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 2000) * 1000);

function qemu(dir: string, memObject: string, serial: string, qmpSock: string, extra: string[], env: Record<string, string> = {}): Child {
  return start(
    ['qemu-system-x86_64', '-M', 'microvm,pit=on,pic=on,rtc=on,memory-backend=mem', '-m', `${RAM_SIZE >> 20}M`, '-object', memObject, '-accel', 'tcg,thread=multi', '-cpu', 'max', '-smp', '1',
      '-nodefaults', '-no-user-config', '-display', 'none', '-serial', `file:${serial}`, '-qmp', `unix:${qmpSock},server=on,wait=off`,
      '-kernel', kernel!, '-initrd', join(dir, 'initrd.cpio'), '-append', `console=ttyS0 quiet tsc_early_khz=${khz()} tsc=reliable init_on_free=1`, ...extra],
    { env },
  );
}

export interface Checkpoint {
  dir: string;
  /** Guest RAM (read by the page server, never written). */
  ram: string;
  /** QEMU's device state (the migration stream without RAM). */
  state: string;
  /** The last tick the guest printed before it was stopped. */
  lastTick: number;
}

/**
 * Boot the guest with RAM in a shmem file until it counts, then checkpoint it into dir. With
 * dataMb, every tick first reads a file of that size (a working set of dataMb × 256 pages).
 */
export async function bootAndCheckpoint(dir: string, dataMb = 0): Promise<Checkpoint> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'initrd.cpio'), initramfs(dataMb));
  const shm = `/dev/shm/thaw-test-${process.pid}-${Date.now()}.ram`;
  writeFileSync(shm, '');
  try {
    const serial = join(dir, 'boot.log');
    const boot = qemu(dir, `memory-backend-file,id=mem,mem-path=${shm},share=on,size=${RAM_SIZE}`, serial, join(dir, 'boot.qmp'), []);
    await until('the guest to count', () => ticks(serial).length >= 3 || boot.done, serial);
    if (boot.done) throw new Error(`QEMU exited: ${boot.stderr()}`);
    const q = await qmp(join(dir, 'boot.qmp'), boot);
    await q.cmd('migrate-set-capabilities', { capabilities: [{ capability: 'x-ignore-shared', state: true }] });
    await q.cmd('stop');
    const lastTick = Math.max(...ticks(serial));
    const state = join(dir, 'state');
    await q.cmd('migrate', { uri: `exec:cat > ${state}` });
    await until('the checkpoint', async () => ((await q.cmd('query-migrate')) as { status?: string }).status === 'completed');
    await q.cmd('quit').catch(() => undefined);
    q.close();
    await boot.exited;
    const ram = join(dir, 'ram');
    copyFileSync(shm, ram);
    return { dir, ram, state, lastTick };
  } finally {
    rmSync(shm, { force: true });
  }
}

export interface Restore {
  /** Ticks the restored guest printed. */
  ticks: number[];
  /** From before the page server (or QEMU) was started to the first tick on the console. */
  firstTickMs: number;
  /** … to the second: one whole turn of the guest's loop after the restore. */
  secondTickMs: number;
  stats?: PageServerStats;
}

/**
 * Restore a checkpoint: with the page server (`served`, optionally prefetching a list), or with
 * the RAM file mapped copy-on-write (share=off) as a restore without a page server does.
 */
export async function restore(cp: Checkpoint, name: string, opts: { served: boolean; prefetch?: string; log?: string }): Promise<Restore> {
  const serial = join(cp.dir, `${name}.log`);
  const qmpSock = join(cp.dir, `${name}.qmp`);
  rmSync(serial, { force: true });
  const t0 = monotonicMs();
  const ps = opts.served ? await startPageServer({ ramFile: cp.ram, log: opts.log, prefetch: opts.prefetch }) : undefined;
  const memObject = ps ? ps.memoryBackend() : `memory-backend-file,id=mem,mem-path=${cp.ram},share=off,size=${statSync(cp.ram).size}`;
  const child = qemu(cp.dir, memObject, serial, qmpSock, ['-incoming', 'defer'], ps?.env);
  try {
    const q = await qmp(qmpSock, child);
    // The stream was written with x-ignore-shared, so it is read with it too (the RAM block list
    // carries each block's address then); a share=off block is simply not in it.
    await q.cmd('migrate-set-capabilities', { capabilities: [{ capability: 'x-ignore-shared', state: true }] });
    await q.cmd('migrate-incoming', { uri: `exec:cat ${cp.state}` });
    await until('the incoming state', async () => ((await q.cmd('query-status')) as { status: string }).status !== 'inmigrate', serial, 60_000, 1);
    await q.cmd('cont');
    await until('the restored guest to count', () => ticks(serial).length >= 1 || child.done, serial, 60_000, 1);
    const firstTickMs = monotonicMs() - t0;
    await until('a second tick', () => ticks(serial).length >= 2 || child.done, serial, 60_000, 1);
    const secondTickMs = monotonicMs() - t0;
    await until('three ticks', () => ticks(serial).length >= 3 || child.done, serial);
    if (child.done) throw new Error(`QEMU exited: ${child.stderr()}`);
    await q.cmd('quit').catch(() => undefined);
    q.close();
    await child.exited;
    return { ticks: ticks(serial), firstTickMs, secondTickMs, stats: ps ? await ps.stats : undefined };
  } finally {
    await child.kill();
    await ps?.stop();
  }
}
