/**
 * What the microVM engine needs from the machine, each named with the Debian package that
 * provides it, so a missing piece is one line (`[E_VM_REQUIRES] … apt-get install …`) instead
 * of a failure deep inside a guest boot: QEMU, a distribution kernel with its modules (booted
 * directly, PVH), a static busybox (the guest's shell and tools), xz (the kernel is
 * xz-compressed), gcc and the static C library (the guest agent is a small static C program),
 * and for Java apps jlink (the guest's JDK is a jlink'd runtime image).
 */
import { accessSync, closeSync, constants, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ThawError } from '../errors.js';
import { isExecutableFile, which } from '../launch/which.js';

export interface VmTools {
  qemu: string;
  /** /boot/vmlinuz-VERSION and its modules directory. */
  kernel: { image: string; version: string; modules: string };
  busybox: string;
  xz: string;
  gcc: string;
}

function missing(what: string, pkg: string, why: string): ThawError {
  return new ThawError('E_VM_REQUIRES', `${what} is missing: the vm engine needs it ${why}`, { hint: `apt-get install ${pkg}` });
}

/** Does this ELF file ask for a dynamic loader (a PT_INTERP program header)? */
export function isDynamicElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const h = Buffer.alloc(64);
    readSync(fd, h, 0, 64, 0);
    if (h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2) return false;
    const phoff = Number(h.readBigUInt64LE(32));
    const phentsize = h.readUInt16LE(54);
    const phnum = h.readUInt16LE(56);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) if (ph.readUInt32LE(i * phentsize) === 3) return true;
    return false;
  } finally {
    closeSync(fd);
  }
}

/** The newest /boot/vmlinuz-* whose modules include virtio-net (a distribution kernel). */
function findKernel(): VmTools['kernel'] | undefined {
  let names: string[] = [];
  try {
    names = readdirSync('/boot').filter((f) => f.startsWith('vmlinuz-'));
  } catch {
    return undefined;
  }
  const found = names
    .map((f) => ({ image: join('/boot', f), version: f.slice('vmlinuz-'.length) }))
    .filter((k) => existsSync(join('/lib/modules', k.version, 'kernel/drivers/net/virtio_net.ko')) || existsSync(join('/lib/modules', k.version, 'kernel/drivers/net/virtio_net.ko.xz')))
    .sort((a, b) => statSync(b.image).mtimeMs - statSync(a.image).mtimeMs);
  const k = found[0];
  if (!k) return undefined;
  try {
    accessSync(k.image, constants.R_OK);
  } catch {
    return undefined;
  }
  return { ...k, modules: join('/lib/modules', k.version) };
}

/** Check everything the engine needs for `runtime`, or throw E_VM_REQUIRES naming the package. */
export function checkRequirements(runtime: 'node' | 'java' | 'other'): VmTools {
  const qemu = which('qemu-system-x86_64');
  if (!qemu) throw missing('qemu-system-x86_64', 'qemu-system-x86', 'to run the guest');
  const kernel = findKernel();
  if (!kernel) throw missing('a Linux kernel in /boot with its virtio modules', 'linux-image-amd64', 'to boot the guest');
  const busybox = ['/bin/busybox', '/usr/bin/busybox', which('busybox')].find((p): p is string => !!p && isExecutableFile(p) && !isDynamicElf(p));
  if (!busybox) throw missing('a static busybox', 'busybox-static', "for the guest's shell and tools");
  const xz = which('xz');
  if (!xz) throw missing('xz', 'xz-utils', 'to decompress the kernel');
  const gcc = which('gcc');
  if (!gcc) throw missing('gcc', 'gcc', 'to build the guest agent');
  if (!['/usr/lib/x86_64-linux-gnu/libc.a', '/usr/lib/libc.a'].some((p) => existsSync(p))) throw missing('the static C library (libc.a)', 'libc6-dev', 'to build the guest agent');
  if (runtime === 'java' && !which('jlink')) throw missing('jlink', 'openjdk-17-jdk-headless', "to make the guest's Java runtime");
  return { qemu, kernel, busybox, xz, gcc };
}
