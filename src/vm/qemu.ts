/**
 * QEMU command lines for the guest, in one place so that a boot, the snapshot it is checkpointed
 * from and every restore describe the same machine (a restore must match the device model it
 * was saved from exactly).
 *
 * - `-M microvm` with the legacy PIT, PIC and RTC (the distribution kernel needs a timer and an
 *   interrupt controller it knows; the RTC gives the boot its wall clock), virtio-mmio devices.
 * - The kernel command line: `console=ttyS0 quiet`, `tsc_early_khz=` (TCG cannot calibrate the
 *   TSC; told the host's rate), `tsc=reliable` (no clocksource watchdog flipping to a slower
 *   clock), `init_on_free=1` (freed pages, the unpacked initramfs above all, are zero: the
 *   snapshot's RAM file compresses and pages in as zeros).
 * - Guest RAM is a `memory-backend-file`: the snapshot is that file plus the device state,
 *   written with migration capability x-ignore-shared (the RAM is not copied into the stream).
 *   The build maps it share=on (the guest writes into the image's file); a restore maps it
 *   share=off (copy-on-write: restores share one image and never change it), or, with a page
 *   server, a fresh /dev/shm file share=on that a userfaultfd handler fills.
 * - Serial console on stdio (the agent's channel), QMP on a unix socket, no display.
 * - User-mode networking; the build forwards a host port at spawn, a restore adds its forward
 *   with hostfwd_add only once the VM runs, so nothing answers on the port before.
 */
import { accelArgs, type AccelKind } from './kvm.js';

export const NETDEV_ID = 'net0';

export interface Machine {
  qemu: string;
  accel: AccelKind;
  kernel: string;
  initrd: string;
  memMiB: number;
  cpus: number;
  /** The kernel command line (recorded in the image: the restore must not change it). */
  append: string;
}

export function kernelAppend(tscKhz: number): string {
  return `console=ttyS0 quiet tsc_early_khz=${tscKhz} tsc=reliable init_on_free=1 panic=-1 rdinit=/init`;
}

/** `hostfwd` rule: host 127.0.0.1:hostPort → guest port. */
export function hostfwd(hostPort: number, guestPort: number): string {
  return `tcp:127.0.0.1:${hostPort}-:${guestPort}`;
}

/** ram undefined: anonymous memory (a cold boot that is never checkpointed). */
function common(m: Machine, ram: { path: string; share: boolean } | undefined, qmpName: string, netdev: string): string[] {
  return [
    m.qemu,
    '-M', 'microvm,pit=on,pic=on,rtc=on,memory-backend=mem',
    ...accelArgs(m.accel),
    '-smp', String(m.cpus),
    '-m', `${m.memMiB}M`,
    '-object', ram ? `memory-backend-file,id=mem,size=${m.memMiB}M,mem-path=${ram.path},share=${ram.share ? 'on' : 'off'}` : `memory-backend-ram,id=mem,size=${m.memMiB}M`,
    '-kernel', m.kernel,
    '-initrd', m.initrd,
    '-append', m.append,
    '-nodefaults', '-no-user-config', '-display', 'none',
    '-chardev', 'stdio,id=console,signal=off',
    '-serial', 'chardev:console',
    '-chardev', `socket,id=qmp,path=${qmpName},server=on,wait=off`,
    '-mon', 'chardev=qmp,mode=control',
    '-netdev', netdev,
    '-device', `virtio-net-device,netdev=${NETDEV_ID}`,
  ];
}

/** A cold boot, the app's port forwarded from the start (the build probes it); ram shared into a file to be checkpointed. */
export function bootArgv(m: Machine, o: { ramPath: string | undefined; qmpName: string; hostPort: number; guestPort: number }): string[] {
  return common(m, o.ramPath ? { path: o.ramPath, share: true } : undefined, o.qmpName, `user,id=${NETDEV_ID},hostfwd=${hostfwd(o.hostPort, o.guestPort)}`);
}

export interface RestoreRam {
  /**
   * 'image': map the image's RAM file copy-on-write (share=off). 'page-server': map `path`, a
   * fresh file in /dev/shm that a userfaultfd page server fills from the image (share=on:
   * userfaultfd MISSING mode needs shmem, not an ext4 file); the page server's LD_PRELOAD shim
   * goes into QEMU's environment, which the caller sets.
   */
  mode: 'image' | 'page-server';
  path: string;
}

/**
 * A restore: the same machine, paused (-S) and waiting for its device state
 * (`-incoming defer`, then migrate-incoming over QMP after setting x-ignore-shared).
 */
export function restoreArgv(m: Machine, o: { ram: RestoreRam; qmpName: string }): string[] {
  return [...common(m, { path: o.ram.path, share: o.ram.mode === 'page-server' }, o.qmpName, `user,id=${NETDEV_ID}`), '-S', '-incoming', 'defer'];
}
