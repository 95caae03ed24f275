/**
 * Running a guest: QEMU started with its console and control socket wired (`launchVm`), a VM
 * image restored (`restoreVm`) or booted cold (`bootVm`). What IMG/start and IMG/boot run.
 *
 * A restore: QEMU starts paused waiting for its device state (the RAM is the image's file,
 * mapped copy-on-write); migrate-incoming reads the state; `cont` runs the VM; the agent sets
 * the guest clock to the host's and reseeds the kernel CRNG (and, in a Node guest, the app's
 * own generators) and answers; only then is the port forwarded (hostfwd_add), so a client
 * never reaches a guest that still has the snapshot's clock and randomness: before that its
 * connection is refused, as by a server not yet listening.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ThawError, tail } from '../errors.js';
import { start, type Child } from '../launch/spawn.js';
import { ConsoleReader, restoreLine, type AgentEvent } from './agent.js';
import { VM_FILES, type VmManifest } from './image.js';
import { Qmp } from './qmp.js';
import { bootArgv, hostfwd, NETDEV_ID, restoreArgv, type Machine, type RestoreRam } from './qemu.js';

export interface RunningVm {
  child: Child;
  qmp: Qmp;
  /** The console's app output so far (bounded), for error messages. */
  appOutput(): string;
  /** The next agent event of this kind (or one already seen since the last call). */
  agentEvent<K extends AgentEvent['kind']>(kind: K, timeoutMs: number): Promise<Extract<AgentEvent, { kind: K }>>;
  send(line: string): void;
  /** The app exited inside the guest (its status), if it did. */
  appExit(): number | undefined;
  /** Has the agent started the app (and turned the console's echo off)? */
  agentUp(): boolean;
  /** The last answer to `port N` (how the app listens), if any. */
  listen(): 'any' | 'loopback' | 'none' | undefined;
  /** The other TCP ports listened on in the guest, as of that answer. */
  otherPorts(): number[];
  /** The guest page map's lines received since the last call (the agent's `pages`). */
  takePageLines(): string[];
  stop(): Promise<void>;
}

/** Start QEMU with argv; the console goes through the agent protocol reader. */
export async function launchVm(argv: string[], qmpName: string, o: { onApp?: (text: string) => void; env?: Record<string, string> } = {}): Promise<RunningVm> {
  const seen: AgentEvent[] = [];
  const waiters: Array<(e: AgentEvent) => boolean> = [];
  let app = '';
  let exitStatus: number | undefined;
  let listen: 'any' | 'loopback' | 'none' | undefined;
  let otherPorts: number[] = [];
  let agentUp = false;
  let pageLines: string[] = [];
  const reader = new ConsoleReader(
    (e) => {
      if (e.kind === 'exited') exitStatus = e.status;
      if (e.kind === 'started') agentUp = true;
      if (e.kind === 'port') {
        listen = e.listen;
        otherPorts = e.others;
        return;
      }
      if (e.kind === 'pages') {
        pageLines.push(e.line);
        return;
      }
      seen.push(e);
      for (let i = 0; i < waiters.length; i++) if (waiters[i]!(e)) waiters.splice(i--, 1);
    },
    (text) => {
      app = (app + text).slice(-64 * 1024);
      o.onApp?.(text);
    },
  );
  // QEMU dies with the process that started it (setpriv --pdeathsig, util-linux), even when
  // that process is killed with -9 and has no chance to stop it.
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
  const child = start(setpriv ? [setpriv, '--pdeathsig', 'SIGKILL', '--', ...argv] : argv, { stdin: 'pipe', env: o.env, onOutput: (stream, chunk) => (stream === 'stdout' ? reader.feed(chunk) : undefined) });
  child.proc.stdin?.on('error', () => undefined);
  let qmp: Qmp;
  try {
    qmp = await Qmp.connect(qmpName, () => !child.done);
  } catch (e) {
    await child.exited.catch(() => undefined);
    throw new ThawError('E_VM_QEMU', `QEMU did not start: ${(e as Error).message}`, { detail: tail(child.stderr()), hint: 'see QEMU\'s message below' });
  }
  return {
    child,
    qmp,
    appOutput: () => app,
    appExit: () => exitStatus,
    listen: () => listen,
    otherPorts: () => otherPorts,
    agentUp: () => agentUp,
    takePageLines: () => {
      const l = pageLines;
      pageLines = [];
      return l;
    },
    send: (line) => void child.proc.stdin?.write(line),
    agentEvent(kind, timeoutMs) {
      const i = seen.findIndex((e) => e.kind === kind);
      if (i >= 0) return Promise.resolve(seen.splice(i, 1)[0] as never);
      return new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new ThawError('E_VM_AGENT', `the guest agent did not answer (${kind}) within ${timeoutMs / 1000} s`, { detail: tail(app) })), timeoutMs);
        const gone = (): void => {
          clearTimeout(timer);
          rej(new ThawError('E_VM_QEMU', `QEMU exited while waiting for the guest agent (${kind})`, { detail: tail(child.stderr() || app) }));
        };
        void child.exited.then(gone, gone);
        waiters.push((e) => {
          if (e.kind !== kind) return false;
          clearTimeout(timer);
          seen.splice(seen.indexOf(e), 1);
          res(e as never);
          return true;
        });
      });
    },
    async stop() {
      qmp.close();
      await child.kill();
    },
  };
}

/** The machine an image restores (paths made absolute under IMG). */
export function imageMachine(img: string, m: VmManifest): Machine {
  return { ...m.machine, qemu: m.qemu.path, kernel: join(img, VM_FILES.kernel), initrd: join(img, VM_FILES.initrd) };
}

export function readVmManifest(img: string): VmManifest {
  let m: VmManifest;
  try {
    m = JSON.parse(readFileSync(join(img, 'manifest.json'), 'utf8')) as VmManifest;
  } catch (e) {
    throw new ThawError('E_IMAGE_CORRUPT', `${img}/manifest.json cannot be read (${(e as Error).message})`, { hint: 'rebuild the image with thaw build --engine vm' });
  }
  if (m.engine !== 'vm') throw new ThawError('E_IMAGE_FORMAT', `${img} is not a VM image (engine ${m.engine ?? 'v8'})`, { hint: `start it with ${img}/start` });
  if (!existsSync(m.qemu.path)) throw new ThawError('E_VM_REQUIRES', `${m.qemu.path}, the QEMU that built this image, is missing`, { hint: 'apt-get install qemu-system-x86' });
  for (const f of [VM_FILES.kernel, VM_FILES.initrd, VM_FILES.ram, VM_FILES.state]) {
    if (!existsSync(join(img, f))) throw new ThawError('E_IMAGE_CORRUPT', `${join(img, f)} is missing from the VM image`, { hint: `rebuild it: thaw build --engine vm -o ${img} -- ${m.command.join(' ')}` });
  }
  return m;
}

/**
 * A userfaultfd page server for one restore (the shape of page-server.ts's PageServer): QEMU
 * maps `memPath` (fresh shmem, share=on) with `env` (the LD_PRELOAD shim); the server fills
 * each page the guest touches from the image's RAM file and logs it. Stop order matters: QEMU
 * first (a fault nobody serves waits for ever), then the server (it flushes its log).
 */
export interface RamServer {
  readonly env: Record<string, string>;
  readonly memPath: string;
  /** The unix socket QEMU's shim hands its userfaultfd over (in a directory of its own). */
  readonly socketPath?: string;
  readonly ready: Promise<void>;
  /** Settles when the server exits; a rejection means it died, and QEMU must go too. */
  readonly stats: Promise<unknown>;
  stop(): Promise<unknown>;
}

export interface RestoreTimings {
  /** Spawn → QMP connected, device state loaded, VM running, agent answered, port forwarded (ms from spawn). */
  qmpMs: number;
  stateMs: number;
  contMs: number;
  agentMs: number;
  /** Of which the agent's own work inside the guest (clock, CRNG, the app's reseed), ms. */
  agentWorkMs: number;
  forwardMs: number;
}

async function forward(vm: RunningVm, port: number, guestPort: number): Promise<void> {
  const out = (await vm.qmp.hmp(`hostfwd_add ${NETDEV_ID} ${hostfwd(port, guestPort)}`)).trim();
  if (out) {
    throw new ThawError('E_PORT_IN_USE', `port ${port} is taken: QEMU could not forward it to the guest (${out.replace(/\s+/g, ' ')})`, { hint: 'stop what holds it, or start with PORT=<free port>' });
  }
}

export interface RestoreOptions {
  /** Serve guest RAM through a page server started for the image's RAM file (else: the file copy-on-write). */
  ramServer?: (ramFile: string) => Promise<RamServer>;
  onApp?: (t: string) => void;
}

/** Restore IMG on host port `port`; resolves once the port answers for the restored guest. */
export async function restoreVm(img: string, port: number, o: RestoreOptions = {}): Promise<{ vm: RunningVm; timings: RestoreTimings; server?: RamServer }> {
  img = resolve(img);
  const m = readVmManifest(img);
  const t0 = performance.now();
  const ramFile = join(img, VM_FILES.ram);
  const server = o.ramServer ? await o.ramServer(ramFile) : undefined;
  let vm: RunningVm;
  try {
    if (server) await server.ready;
    const qmpName = Qmp.socketPath('restore');
    const ram: RestoreRam = server ? { mode: 'page-server', path: server.memPath } : { mode: 'image', path: ramFile };
    vm = await launchVm(restoreArgv(imageMachine(img, m), { ram, qmpName }), qmpName, { onApp: o.onApp, env: server?.env });
  } catch (e) {
    await server?.stop();
    throw e;
  }
  if (server) {
    // QEMU is connected: it has mapped the memory file and its shim has handed the userfaultfd
    // over (the mmap() waits for that). Neither the file's name nor the socket's is needed any
    // more, so nothing is left in /dev/shm or the socket's directory even if this process is
    // killed with -9 from now on (the pages live as long as QEMU's mapping does).
    rmSync(server.memPath, { force: true });
    if (server.socketPath) rmSync(dirname(server.socketPath), { recursive: true, force: true });
    const qemuStop = vm.stop;
    let stopping = false;
    // A guest whose page server is gone would wait for ever on its next fault: QEMU goes too.
    const serverGone = (): void => {
      if (!stopping) void vm.child.kill();
    };
    server.stats.then(serverGone, serverGone);
    vm.stop = async () => {
      stopping = true;
      await qemuStop();
      await server.stop();
    };
  }
  try {
    const qmpMs = performance.now() - t0;
    await vm.qmp.execute('migrate-set-capabilities', { capabilities: [{ capability: 'x-ignore-shared', state: true }] });
    const state = join(img, VM_FILES.state);
    await vm.qmp.execute('migrate-incoming', { uri: `exec:cat '${state.replace(/'/g, `'\\''`)}'` });
    await vm.qmp.waitMigration(`loading ${state}`, 120_000);
    const stateMs = performance.now() - t0;
    await vm.qmp.execute('cont');
    const contMs = performance.now() - t0;
    const id = randomBytes(4).toString('hex');
    vm.send(restoreLine(id));
    let agentWorkMs = 0;
    for (;;) {
      const e = await vm.agentEvent('restored', 30_000);
      if (e.id === id) {
        agentWorkMs = e.ms;
        break;
      }
    }
    const agentMs = performance.now() - t0;
    await forward(vm, port, m.guest.guestPort);
    return { vm, server, timings: { qmpMs, stateMs, contMs, agentMs, agentWorkMs, forwardMs: performance.now() - t0 } };
  } catch (e) {
    await vm.stop();
    throw e;
  }
}

/** Boot IMG's guest cold (no snapshot; RAM anonymous) with the port forwarded at once. */
export async function bootVm(img: string, port: number, o: { onApp?: (t: string) => void } = {}): Promise<RunningVm> {
  img = resolve(img);
  const m = readVmManifest(img);
  const qmpName = Qmp.socketPath('boot');
  return launchVm(bootArgv(imageMachine(img, m), { ramPath: undefined, qmpName, hostPort: port, guestPort: m.guest.guestPort }), qmpName, { onApp: o.onApp });
}
