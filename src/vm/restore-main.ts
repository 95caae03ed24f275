/**
 * The program behind IMG/start and IMG/boot (bundled into IMG/restore.mjs at build time, so an
 * image needs Node and QEMU but not thaw's checkout):
 *   restore.mjs IMG [--page-log FILE] [--prefetch [FILE]]
 *   restore.mjs --cold IMG
 * It restores (or boots) the guest on $PORT (default 8080), passes the app's console output
 * through, stays in the foreground like the server it runs, and ends QEMU with itself on
 * SIGINT/SIGTERM/SIGHUP. With --page-log or --prefetch guest RAM is served by the userfaultfd
 * page server (src/vm/page-server.ts) instead of mapped copy-on-write: every page the guest
 * loads is logged to FILE with its time, and --prefetch copies a recorded log's pages first
 * (without FILE: IMG/pages.log, the working set recorded when the image was built).
 * Exit status: the app's inside the guest when it exits, 1 when the restore fails.
 */
import { constants } from 'node:os';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { formatError, ThawError } from '../errors.js';
import { installExitHook } from '../launch/spawn.js';
import { VM_FILES } from './image.js';
import { startPageServer } from './page-server.js';
import { bootVm, restoreVm, type RamServer, type RunningVm } from './restore.js';

const USAGE = 'usage: IMG/start [--page-log FILE] [--prefetch [FILE]], or IMG/boot';

interface Args {
  cold: boolean;
  img: string;
  pageLog?: string;
  prefetch?: string;
}

function parse(argv: string[]): Args {
  const cold = argv[0] === '--cold';
  const img = cold ? argv[1] : argv[0];
  if (!img) throw new ThawError('E_USAGE', 'usage: restore.mjs [--cold] IMG', { hint: 'run IMG/start or IMG/boot' });
  const a: Args = { cold, img };
  const rest = argv.slice(cold ? 2 : 1);
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (name !== '--page-log' && name !== '--prefetch') throw new ThawError('E_USAGE', `unknown option ${arg}`, { hint: USAGE });
    if (cold) throw new ThawError('E_USAGE', `${name} applies to a restore (IMG/start), not to a cold boot`, { hint: `run IMG/start ${name}` });
    let value = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : undefined;
    if (value === undefined && !(rest[i + 1] ?? '--').startsWith('--')) value = rest[++i];
    // --prefetch alone: the working set recorded into the image when it was built.
    if (!value && name === '--prefetch') {
      value = join(img, VM_FILES.pages);
      if (!existsSync(value)) throw new ThawError('E_NOT_FOUND', `${img} has no recorded working set (${VM_FILES.pages}): it was built by an older thaw, or where the page server could not run`, { hint: 'rebuild the image, or give --prefetch FILE (a --page-log of an earlier restore)' });
    }
    if (!value) throw new ThawError('E_USAGE', `${name} needs a file`, { hint: USAGE });
    if (name === '--page-log') {
      const dir = dirname(resolve(value));
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ThawError('E_NOT_FOUND', `--page-log ${value}: the directory ${dir} does not exist`, { hint: `mkdir -p ${dir}` });
      a.pageLog = resolve(value);
    } else {
      if (!existsSync(value) || !statSync(value).isFile()) throw new ThawError('E_NOT_FOUND', `--prefetch ${value} does not exist`, { hint: 'give it the --page-log FILE of an earlier restore' });
      a.prefetch = resolve(value);
    }
  }
  return a;
}

// A signal stops the VM quietly, QEMU first and then its page server (which then writes out
// its log), and exits with 128 + the signal, as any server does. A second signal, or a stop
// that hangs, exits at once: the exit hook then kills whatever thaw started.
let vm: RunningVm | undefined;
let stopping = false;
installExitHook();
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.removeAllListeners(sig);
  process.on(sig, () => {
    const exit = (): never => process.exit(128 + (constants.signals[sig] ?? 0));
    if (stopping || !vm) exit();
    stopping = true;
    setTimeout(exit, 5000).unref();
    vm!.stop().then(exit, exit);
  });
}

async function main(argv: string[]): Promise<number> {
  const a = parse(argv);
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new ThawError('E_USAGE', `PORT=${process.env.PORT} is not a TCP port`, { hint: 'PORT=8080 IMG/start' });
  const onApp = (t: string): void => void process.stdout.write(t);
  let server: RamServer | undefined;
  if (a.cold) vm = await bootVm(a.img, port, { onApp });
  else {
    const served = a.pageLog || a.prefetch;
    const ramServer = served
      ? (ramFile: string): Promise<RamServer> =>
          startPageServer({
            ramFile,
            log: a.pageLog,
            prefetch: a.prefetch,
            build: { srcDir: join(resolve(a.img), VM_FILES.native), progress: (l) => void (process.stderr.isTTY && process.stderr.write(`thaw: ${l} (once)\n`)) },
          })
      : undefined;
    const r = await restoreVm(a.img, port, { onApp, ramServer });
    vm = r.vm;
    server = r.server;
    if (process.env.THAW_VM_VERBOSE) {
      const t = r.timings;
      process.stderr.write(`thaw: restored ${a.img} on 127.0.0.1:${port}${served ? ' (RAM from the page server)' : ''}: QMP ${t.qmpMs.toFixed(0)} ms, state loaded ${t.stateMs.toFixed(0)} ms, running ${t.contMs.toFixed(0)} ms, agent ${t.agentMs.toFixed(0)} ms (its own work ${t.agentWorkMs.toFixed(1)} ms), forwarded ${t.forwardMs.toFixed(0)} ms\n`);
    }
  }
  // The app exiting inside the guest ends the VM too, with its status.
  const appGone = vm.agentEvent('exited', 2 ** 31 - 1).then((e) => e.status, () => undefined);
  const qemuGone = vm.child.exited.then((e) => e.status);
  const status = await Promise.race([appGone, qemuGone]);
  if (stopping) return new Promise<number>(() => undefined);
  await vm.stop();
  // The page server dying takes QEMU with it: say why the server stopped.
  if (server) await server.stats;
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
