/**
 * A VM image on disk: manifest.json (engine "vm"), the guest's kernel and initramfs (hard links
 * to the cache, or copies: the image restores after the cache is cleared), the RAM file, the
 * device state, restore.mjs (thaw's restore code bundled into one file: the image needs Node
 * and QEMU, not thaw's checkout), native/ (the page server's C sources, compiled on first use),
 * pages.log (the working set one restore loaded, recorded at build time, for --prefetch),
 * guest-pages.json (the guest's page map at the checkpoint: guest-pages.ts), guest-nmt-PID.txt
 * (a JVM's Native Memory Tracking report, when it runs with it) and two launchers: `start` restores on $PORT, `boot` boots the
 * same guest cold (the baseline `thaw bench` compares a restore against).
 */
import type { AccelKind } from './kvm.js';
import type { Machine } from './qemu.js';
import type { Runtime } from './guest.js';

export const VM_FILES = { kernel: 'vmlinux', initrd: 'initrd.cpio', ram: 'ram', state: 'state', restore: 'restore.mjs', native: 'native', pages: 'pages.log', guestPages: 'guest-pages.json' } as const;

export interface VmManifest {
  format: 1;
  engine: 'vm';
  thaw: string;
  createdAt: string;
  command: string[];
  cwd: string;
  runtime: Runtime;
  accel: { kind: AccelKind; why: string };
  qemu: { path: string; version: string };
  /** The machine every restore recreates (kernel and initrd paths relative to the image). */
  machine: Omit<Machine, 'qemu' | 'kernel' | 'initrd'>;
  guest: { key: string; javaModules?: string[]; guestPort: number };
  /** Readiness path probed before the checkpoint (and by `IMG/boot` users). */
  ready: string;
  bytes: { ram: number; ramAllocated: number; state: number; initrd: number; kernel: number };
  warmup: { requests: number; statuses: Record<string, number>; ms: number };
  timings: { assembleMs: number; bootMs: number; warmupMs: number; snapshotMs: number };
  /** The pages one restore loaded until the app answered (IMG/pages.log), if recorded. */
  workingSet?: { pages: number; readyMs: number };
  /**
   * The guest's page map at the checkpoint (IMG/guest-pages.json), if taken: processes and
   * present pages of the app's process tree, the agent's time in the guest and the whole
   * capture's (the console transfer included), how many ELF headers were found in the RAM file
   * where the map puts them (all of those checked, or no map is kept), the pids with an NMT
   * report that maps regions.
   */
  guestPages?: { processes: number; pages: number; agentMs: number; ms: number; elfHeaders: number; nmt?: number[] };
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** IMG/start or IMG/boot: exec the recorded Node on the bundled restore code. */
export function launcher(kind: 'start' | 'boot', m: VmManifest, node: string): string {
  const what = kind === 'start' ? 'restores the microVM snapshot' : 'boots the guest cold (no snapshot)';
  return `#!/bin/sh
# thaw ${m.thaw} VM image launcher: ${what} of \`${m.command.join(' ')}\` on $PORT (default 8080).
# Built ${m.createdAt}. Do not edit; rebuild with thaw build --engine vm.
case $0 in */*) d=\${0%/*} ;; *) d=. ;; esac
node=\${THAW_NODE:-${q(node)}}
if [ ! -x "$node" ]; then
  echo "thaw: error: [E_NODE_MISSING] $node is gone; the VM image's launcher runs on Node: set THAW_NODE to a Node >= 20" >&2; exit 1
fi
exec "$node" "$d/${VM_FILES.restore}" ${kind === 'boot' ? '--cold ' : ''}"$d" "$@"
`;
}
