/**
 * The program behind IMG/start and IMG/boot (bundled into IMG/restore.mjs at build time, so an
 * image needs Node and QEMU but not thaw's checkout): `restore.mjs [--cold] IMG`. It restores
 * (or boots) the guest on $PORT (default 8080), passes the app's console output through, stays
 * in the foreground like the server it runs, and ends QEMU with itself on SIGINT/SIGTERM/SIGHUP.
 * Exit status: the app's inside the guest when it exits, 1 when the restore fails.
 */
import { constants } from 'node:os';
import { formatError, ThawError } from '../errors.js';
import { bootVm, restoreVm, type RunningVm } from './restore.js';

// A server stopped by a signal stops quietly: QEMU is killed (the spawn module's exit hook
// kills whatever thaw started) and the status is 128 + the signal, as for any server.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => process.exit(128 + (constants.signals[sig] ?? 0)));

async function main(argv: string[]): Promise<number> {
  const cold = argv[0] === '--cold';
  const img = cold ? argv[1] : argv[0];
  if (!img) throw new ThawError('E_USAGE', 'usage: restore.mjs [--cold] IMG', { hint: 'run IMG/start or IMG/boot' });
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new ThawError('E_USAGE', `PORT=${process.env.PORT} is not a TCP port`, { hint: 'PORT=8080 IMG/start' });
  const onApp = (t: string): void => void process.stdout.write(t);
  let vm: RunningVm;
  if (cold) vm = await bootVm(img, port, { onApp });
  else {
    const r = await restoreVm(img, port, { onApp });
    vm = r.vm;
    if (process.env.THAW_VM_VERBOSE) {
      const t = r.timings;
      process.stderr.write(`thaw: restored ${img} on 127.0.0.1:${port}: QMP ${t.qmpMs.toFixed(0)} ms, state loaded ${t.stateMs.toFixed(0)} ms, running ${t.contMs.toFixed(0)} ms, agent ${t.agentMs.toFixed(0)} ms (its own work ${t.agentWorkMs.toFixed(1)} ms), forwarded ${t.forwardMs.toFixed(0)} ms\n`);
    }
  }
  // The app exiting inside the guest ends the VM too, with its status.
  const appGone = vm.agentEvent('exited', 2 ** 31 - 1).then((e) => e.status, () => undefined);
  const qemuGone = vm.child.exited.then((e) => e.status);
  const status = await Promise.race([appGone, qemuGone]);
  await vm.stop();
  if (status === undefined) return 1;
  return status;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(formatError(err) + '\n');
    process.exit(err instanceof ThawError ? err.exitCode : 70);
  },
);
