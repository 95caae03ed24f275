/**
 * `thaw build --engine vm`: boot the app's guest, wait until it answers, serve the warm-up
 * requests over the forwarded port, checkpoint over QMP, and write the image.
 *
 * The checkpoint: migration capability x-ignore-shared (guest RAM is the image's own file, so
 * only the device state is streamed: ~0.1 MiB in tens of ms), `stop`, `migrate` to
 * `exec:cat > IMG/state` (QEMU 7.2 has no file: URI), query-migrate until completed. The RAM
 * file then holds the guest exactly as stopped; zero pages are punched out (fallocate
 * --dig-holes), so the file takes on disk only what the guest uses.
 *
 * Everything is written into `IMG.tmp-PID-…` and renamed into place at the end; an interrupt
 * or a failure kills QEMU and removes it (launch/spawn.ts's exit hook), so nothing is left.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { ThawError, tail } from '../errors.js';
import { freePort } from '../launch/port.js';
import { httpOnce, resolveProbe, waitReady } from '../launch/probe.js';
import { removeOnExit, run } from '../launch/spawn.js';
import { checkOut, lockOutput } from '../snapshot/build.js';
import { readWarmup, warmupProbe } from '../snapshot/warmup-file.js';
import { thawVersion } from '../version.js';
import { assembleGuest, describeApp, GUEST_PORT, linkOrCopy } from './guest.js';
import { missingInGuest, withoutBootNoise } from './command-files.js';
import { VM_FILES, launcher, type VmManifest } from './image.js';
import { detectAccel, hostTscKhz } from './kvm.js';
import { Qmp } from './qmp.js';
import { bootArgv, kernelAppend, type Machine } from './qemu.js';
import { checkRequirements } from './requirements.js';
import { nativeSrc, startPageServer } from './page-server.js';
import { captureGuestPages, checkAgainstRam, nmtFile, type GuestPagesCapture } from './guest-pages.js';
import { importNmt } from '../import/nmt.js';
import { pageMapToJson } from '../model/pages-format.js';
import { launchVm, restoreVm } from './restore.js';

export const VM_MEM_MIB = 512;
export const VM_CPUS = 1;
/** Quiet time between the last warm-up answer and the checkpoint, ms. */
const SETTLE_MS = 1200;

export interface VmBuildOptions {
  command: string[];
  out: string;
  warmupFile?: string;
  /** Path probed until 2xx before the warm-up (default: the first GET of the warm-up, else /). */
  ready?: string;
  /** How long the guest may take to boot and answer, ms. */
  bootTimeoutMs?: number;
  node?: string;
  /** Host files and directories mirrored into the guest besides what thaw finds itself. */
  include?: string[];
  progress?: (msg: string) => void;
}

async function qemuVersion(qemu: string): Promise<string> {
  const r = await run([qemu, '--version'], { timeoutMs: 30_000 });
  return /version (\S+)/.exec(r.stdout)?.[1] ?? 'unknown';
}

/** Bundle restore-main into one file for the image (esbuild, as thaw bundles apps). */
async function bundleRestore(outfile: string): Promise<void> {
  const esbuild = await import('esbuild');
  const entry = fileURLToPath(new URL('./restore-main.js', import.meta.url));
  await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'silent', banner: { js: '// thaw VM restore (bundled from src/vm/restore-main.ts); run by IMG/start and IMG/boot.' } });
}

/** Why an NMT report from the guest cannot name regions (undefined: it can). */
function nmtProblem(text: string): string | undefined {
  const err = /^error: (.*)$/m.exec(text);
  if (err) return err[1];
  try {
    return importNmt(text) ? undefined : 'not an NMT report';
  } catch (e) {
    return e instanceof ThawError && e.code === 'E_NMT_SUMMARY' ? 'summary level: kept as it is; run the JVM with -XX:NativeMemoryTracking=detail for its regions in traces' : (e as Error).message;
  }
}

export async function buildVmImage(o: VmBuildOptions): Promise<{ manifest: VmManifest; dir: string; accelWhy: string; cachedGuest: boolean; notes: string[] }> {
  const say = o.progress ?? (() => undefined);
  if (!o.command.length) throw new ThawError('E_USAGE', 'thaw build --engine vm needs the command that starts the server, after --', { hint: 'thaw build --engine vm -o img -- node server.js   (or -- java -jar app.jar)' });
  const out = resolve(o.out);
  checkOut(out);
  const warmup = o.warmupFile ? readWarmup(o.warmupFile) : [];
  if (o.ready !== undefined && !o.ready.startsWith('/')) throw new ThawError('E_USAGE', `--ready ${o.ready} must be a path starting with /`, { hint: '--ready /health' });
  const ready = o.ready ?? warmup.find((w) => w.method === 'GET')?.path ?? '/';
  const app = await describeApp(o.command, process.cwd(), o.include ?? []);
  const tools = checkRequirements(app.runtime);
  const accel = detectAccel();
  const t0 = performance.now();
  const guest = await assembleGuest(app, tools, say);
  const assembleMs = performance.now() - t0;

  mkdirSync(dirname(out), { recursive: true });
  const unlock = lockOutput(out);
  const tmp = `${out}.tmp-${process.pid}-${Date.now().toString(36)}`;
  mkdirSync(tmp, { recursive: true });
  const forgetTmp = removeOnExit(tmp);
  let vm: Awaited<ReturnType<typeof launchVm>> | undefined;
  try {
    linkOrCopy(guest.kernel, join(tmp, VM_FILES.kernel));
    linkOrCopy(guest.initrd, join(tmp, VM_FILES.initrd));
    const machine: Machine = { qemu: tools.qemu, accel: accel.kind, kernel: join(tmp, VM_FILES.kernel), initrd: join(tmp, VM_FILES.initrd), memMiB: VM_MEM_MIB, cpus: VM_CPUS, append: kernelAppend(hostTscKhz()) };
    const hostPort = await freePort();
    const qmpName = Qmp.socketPath('build');
    const ramPath = join(tmp, VM_FILES.ram);
    const b0 = performance.now();
    vm = await launchVm(bootArgv(machine, { ramPath, qmpName, hostPort, guestPort: GUEST_PORT }), qmpName);
    const running = vm;
    // Every second: progress, and ask the agent how the app listens (a server bound to
    // 127.0.0.1 in the guest never answers the forwarded port: say so at once). An app that
    // answers, but not 2xx, for 10 s is not going to: say which status and suggest --ready. An
    // app that listens on other ports but not $PORT for 15 s chose its own port: say which.
    const probe = resolveProbe({ url: `http://127.0.0.1:$PORT${ready}` }, hostPort);
    let answering: { since: number; status: number } | undefined;
    let elsewhere: { since: number; ports: number[] } | undefined;
    let missing: ReturnType<typeof missingInGuest>;
    const timer = setInterval(() => {
      say(`booting the guest (${accel.kind.toUpperCase()}) and waiting for GET ${ready}: ${((performance.now() - b0) / 1000).toFixed(0)} s`);
      if (!running.agentUp()) return; // until the agent runs, the console echoes what it is sent
      running.send(`port ${GUEST_PORT}\n`);
      const others = running.listen() === 'none' ? running.otherPorts() : [];
      elsewhere = others.length ? { since: elsewhere?.since ?? performance.now(), ports: others } : undefined;
      httpOnce(probe).then(
        (a) => (answering = a.status >= 200 && a.status < 300 ? undefined : { since: answering?.since ?? performance.now(), status: a.status }),
        () => (answering = undefined),
      );
    }, 1000);
    try {
      await waitReady({ ...probe, intervalMs: 50 }, {
        deadline: performance.now() + (o.bootTimeoutMs ?? 240_000),
        abort: () => {
          // A guest kernel that panics reboots (panic=-1) into the same panic: stop at the first.
          const panic = /Kernel panic - not syncing: ([^\n[]*)/.exec(running.appOutput());
          if (panic) {
            const unpack = /Initramfs unpacking failed: ([^\n[]*)/.exec(running.appOutput());
            missing = { what: '', hint: unpack ? 'leave big trees out of the guest: build from a directory that holds only the app, --include less' : "see the guest kernel's lines below" };
            return `the guest kernel panicked (${panic[1]!.trim()})${unpack ? `: its initramfs did not unpack (${unpack[1]!.trim()}), the guest's files do not fit its memory` : ''}`;
          }
          const st = running.appExit();
          if (st !== undefined) {
            missing = missingInGuest(running.appOutput());
            return `the app exited with status ${st} inside the guest before it answered${missing ? `: ${missing.what}` : ''}`;
          }
          if (running.listen() === 'loopback') return `the app listens on 127.0.0.1:${GUEST_PORT} inside the guest, which the host's forwarded port cannot reach`;
          if (answering && performance.now() - answering.since > 10_000) return `the app has answered HTTP ${answering.status}, not 2xx, for 10 s`;
          if (elsewhere && performance.now() - elsewhere.since > 15_000) return `the app listens on port ${elsewhere.ports.join(', ')} inside the guest, not on $PORT (${GUEST_PORT}), for 15 s`;
          return running.child.done ? 'QEMU exited before the app answered' : null;
        },
      });
    } catch (e) {
      const err = e as ThawError;
      const wrongPath = answering !== undefined && running.listen() !== 'loopback';
      const wrongPort = elsewhere !== undefined && running.listen() === 'none';
      const notReady = err.code === 'E_NOT_READY' || running.listen() === 'loopback' || wrongPath || wrongPort;
      throw new ThawError(notReady ? 'E_NOT_READY' : 'E_VM_BOOT', `${o.command.join(' ')} did not answer GET ${ready} in the guest: ${err.message}`, {
        hint: missing
          ? missing.hint
          : wrongPath
            ? `give a path the app answers 2xx: --ready /health (before --), or a warm-up file whose first GET is one`
            : wrongPort
              ? `make the app listen on port ${GUEST_PORT}: it is in $PORT inside the guest (e.g. python3 -m http.server ${GUEST_PORT}, or listen(process.env.PORT))`
              : notReady
                ? `the app must listen on $PORT (${GUEST_PORT}) on all interfaces ($HOST is 0.0.0.0 in the guest: 127.0.0.1 is not reachable from the host), and answer 2xx on ${ready} (--ready PATH)`
                : 'see what the app printed below',
        detail: tail(withoutBootNoise(running.appOutput()) + '\n' + running.child.stderr(), 20),
      });
    } finally {
      clearInterval(timer);
    }
    const bootMs = performance.now() - b0;

    // Warm-up over the forwarded port.
    const w0 = performance.now();
    const statuses: Record<string, number> = {};
    let n = 0;
    for (const r of warmup) {
      const p = resolveProbe(warmupProbe(r), hostPort);
      for (let i = 0; i < (r.repeat ?? 1); i++) {
        say(`warm-up ${++n}: ${r.method} ${r.path}`);
        let status: number;
        try {
          status = (await httpOnce(p)).status;
        } catch (e) {
          throw new ThawError('E_WARMUP_FAILED', `warm-up ${r.method} ${r.path} failed in the guest: ${(e as Error).message}`, { detail: tail(running.appOutput()) });
        }
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status >= 500) throw new ThawError('E_WARMUP_5XX', `warm-up ${r.method} ${r.path} answered ${status} in the guest`, { detail: tail(running.appOutput()) });
      }
    }
    const warmupMs = performance.now() - w0;

    // Let the app's per-second caches expire before the checkpoint: they run on the guest's
    // monotonic clock, which a restore does not advance. Node caches the HTTP Date header for
    // up to a second (lib/internal/http.js utcDate); checkpointed with it filled, every
    // restore would send the snapshot's date until that timer fires.
    say('letting per-second caches expire');
    await new Promise((r) => setTimeout(r, SETTLE_MS));

    // The guest's page map, for `thaw pages trace --image` to name what each restored page
    // holds. Without one the image still restores; its traces name no mapping.
    say("reading the guest's page map");
    let guestPages: GuestPagesCapture | undefined;
    const g0 = performance.now();
    try {
      guestPages = await captureGuestPages(running);
    } catch (e) {
      if (!(e instanceof ThawError) || e.code !== 'E_VM_AGENT') throw e;
      say(`note: no guest page map (${e.message})`);
    }

    const guestPagesMs = performance.now() - g0;

    say('checkpointing the guest');
    const s0 = performance.now();
    await running.qmp.execute('migrate-set-capabilities', { capabilities: [{ capability: 'x-ignore-shared', state: true }] });
    await running.qmp.execute('stop');
    const state = join(tmp, VM_FILES.state);
    await running.qmp.execute('migrate', { uri: `exec:cat > '${state.replace(/'/g, `'\\''`)}'` });
    await running.qmp.waitMigration('the checkpoint');
    const snapshotMs = performance.now() - s0;
    await running.qmp.execute('quit').catch(() => undefined);
    await running.child.exited;
    vm = undefined;
    // Zero pages become holes: the RAM file takes on disk what the guest uses.
    await run(['fallocate', '--dig-holes', ramPath], { timeoutMs: 120_000 }).catch(() => undefined);
    // Guest-physical address = offset in the RAM file: the map is kept only when the RAM file
    // holds an ELF header at every place the map puts the first page of the executable or a
    // library.
    let guestPagesInfo: VmManifest['guestPages'];
    if (guestPages) {
      const check = checkAgainstRam(guestPages.map, ramPath);
      if (check.checked > 0 && check.matched === check.checked) {
        writeFileSync(join(tmp, VM_FILES.guestPages), JSON.stringify(pageMapToJson(guestPages.map)));
        guestPagesInfo = { processes: guestPages.processes, pages: guestPages.pages, agentMs: Math.round(guestPages.agentMs), ms: Math.round(guestPagesMs), elfHeaders: check.matched };
        for (const [pid, text] of guestPages.nmt) {
          // A JVM with Native Memory Tracking: its report names the JVM's own regions (Java
          // heap, metaspace, code cache…) in traces. Only the detail level has the map of them.
          writeFileSync(join(tmp, nmtFile(pid)), text);
          const why = nmtProblem(text);
          if (why) say(`note: ${nmtFile(pid)}: ${why}`);
          else (guestPagesInfo.nmt ??= []).push(pid);
        }
      } else say(`note: no guest page map kept: ${check.matched} of ${check.checked} ELF headers found where it puts them in the RAM file`);
    }

    say('writing the image');
    await bundleRestore(join(tmp, VM_FILES.restore));
    // The page server's C sources: a restore with --page-log or --prefetch compiles them on its
    // first use (gcc), from the image, so the image does not need thaw's checkout for that either.
    mkdirSync(join(tmp, VM_FILES.native));
    for (const f of readdirSync(nativeSrc).filter((n) => /\.[ch]$/.test(n))) copyFileSync(join(nativeSrc, f), join(tmp, VM_FILES.native, f));
    const manifest: VmManifest = {
      format: 1,
      engine: 'vm',
      thaw: thawVersion,
      createdAt: new Date().toISOString(),
      command: o.command,
      cwd: process.cwd(),
      runtime: app.runtime,
      accel,
      qemu: { path: tools.qemu, version: await qemuVersion(tools.qemu) },
      machine: { accel: machine.accel, memMiB: machine.memMiB, cpus: machine.cpus, append: machine.append },
      guest: { key: guest.key, javaModules: guest.javaModules, guestPort: GUEST_PORT },
      ready,
      bytes: {
        ram: statSync(ramPath).size,
        ramAllocated: statSync(ramPath).blocks * 512,
        state: statSync(state).size,
        initrd: guest.initrdBytes,
        kernel: statSync(guest.kernel).size,
      },
      warmup: { requests: n, statuses, ms: Math.round(warmupMs) },
      timings: { assembleMs: Math.round(assembleMs), bootMs: Math.round(bootMs), warmupMs: Math.round(warmupMs), snapshotMs: Math.round(snapshotMs) },
      guestPages: guestPagesInfo,
    };
    const node = o.node ?? process.execPath;
    for (const kind of ['start', 'boot'] as const) {
      writeFileSync(join(tmp, kind), launcher(kind, manifest, node));
      chmodSync(join(tmp, kind), 0o755);
    }
    writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');

    // Record & prefetch: one restore of the new image through the page server, until the app
    // answers, records its working set (IMG/pages.log) for `IMG/start --prefetch`; it is also the
    // proof that the image restores. The page server needs a userfaultfd (root, or
    // vm.unprivileged_userfaultfd=1): without one the image is kept, with no recorded pages.
    say('recording the working set: one restore through the page server');
    const pagesLog = join(tmp, VM_FILES.pages);
    const recPort = await freePort();
    let rec: Awaited<ReturnType<typeof restoreVm>> | undefined;
    try {
      rec = await restoreVm(tmp, recPort, { ramServer: (ramFile) => startPageServer({ ramFile, log: pagesLog, build: { srcDir: join(tmp, VM_FILES.native), progress: say } }) });
    } catch (e) {
      // No userfaultfd here: the server could not start, or QEMU's shim could not register.
      const noUffd = e instanceof ThawError && (e.code === 'E_PAGE_SERVER' || (e.code === 'E_VM_QEMU' && /thaw-uffd shim/.test(e.detail ?? '')));
      if (!noUffd) throw e;
      say(`note: no working set recorded (${e.message})`);
    }
    if (rec) {
      vm = rec.vm;
      const r0 = performance.now();
      try {
        await waitReady(resolveProbe({ url: `http://127.0.0.1:$PORT${ready}`, intervalMs: 2 }, recPort), { deadline: r0 + 60_000, abort: () => (rec.vm.child.done ? 'QEMU exited' : null) });
      } catch (e) {
        throw new ThawError('E_VM_SNAPSHOT', `the new image's first restore did not answer GET ${ready}: ${(e as Error).message}`, { hint: 'build again; if it recurs, see what the app printed below', detail: tail(rec.vm.appOutput() + '\n' + rec.vm.child.stderr(), 20) });
      }
      await rec.vm.stop();
      vm = undefined;
      const log = readFileSync(pagesLog, 'utf8');
      const pages = (log.match(/^UFFD_EVENT_PAGEFAULT/gm) ?? []).length;
      manifest.workingSet = { pages, readyMs: Math.round(rec.timings.forwardMs + performance.now() - r0) };
      writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    }
    const old = existsSync(out) ? `${out}.old-${process.pid}` : undefined;
    if (old) renameSync(out, old);
    renameSync(tmp, out);
    forgetTmp();
    if (old) rmSync(old, { recursive: true, force: true });
    return { manifest, dir: out, accelWhy: accel.why, cachedGuest: guest.cached, notes: app.notes };
  } catch (err) {
    if (vm) await vm.stop();
    rmSync(tmp, { recursive: true, force: true });
    forgetTmp();
    throw err;
  } finally {
    unlock();
  }
}
