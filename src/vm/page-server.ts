/**
 * The userfaultfd page server a VM restore runs beside QEMU: guest RAM is a fresh, empty shmem
 * file that QEMU maps (`memory-backend-file,mem-path=<memPath>,share=on`); the preloaded
 * libthaw-uffd.so registers that mapping with a userfaultfd and hands it to thaw-uffd, which
 * fills each page the guest touches from the snapshot's RAM file and logs it (fireCRaCer's uffd
 * handler format, src/import/uffd-log.ts), optionally copying a recorded page list first
 * (REAP's record & prefetch). The C side is native/ (see native/README.md); the helpers are
 * compiled with gcc on first use into a cache directory keyed by the hash of their source.
 *
 * uffd MISSING mode refuses ext4 files, hence /dev/shm; the snapshot itself stays untouched
 * (read-only), so any number of restores can share it.
 *
 * A restore with it (the checkpoint taken with RAM in a `share=on` memory-backend-file and the
 * x-ignore-shared capability, so RAM is in its own file and not in the migration stream):
 *   const ps = await startPageServer({ ramFile, log, prefetch });
 *   start(['qemu-system-x86_64', '-M', 'microvm,…,memory-backend=mem', '-m', `${ps.size >> 20}M`,
 *          '-object', ps.memoryBackend('mem'), …, '-incoming', 'defer'], { env: ps.env });
 *   QMP: migrate-set-capabilities x-ignore-shared, migrate-incoming exec:cat STATE, cont.
 * When QEMU exits the server does too: `await ps.stats` (the log is then in place); if QEMU
 * never started or is to be abandoned, `await ps.stop()` (kill QEMU first: a fault nobody serves
 * waits for ever, which is also why QEMU must be killed should `stats` reject: the server died). The log's Loading/Zeroing ranges are offsets in the RAM file, which are guest
 * physical addresses while guest RAM is one block from 0 (microvm up to 3 GiB).
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ThawError, tail } from '../errors.js';
import { removeOnExit, run, running, start, type Child } from '../launch/spawn.js';
import { which } from '../launch/which.js';
import { cacheTemp, commitCacheDir, thawCacheDir } from './cache.js';

/** native/ at the package's top (this file runs as dist/src/vm/page-server.js). */
export const nativeSrc = fileURLToPath(new URL('../../../native/', import.meta.url));

export interface NativeHelpers {
  /** libthaw-uffd.so, for LD_PRELOAD. */
  shim: string;
  /** thaw-uffd, the page server. */
  handler: string;
  /** thaw-uffd-touch, the test client (maps the memory file, reads pages in a given order). */
  touch: string;
}

export interface BuildOptions {
  /** Where compiled helpers are kept (default THAW_CACHE_DIR, else $XDG_CACHE_HOME/thaw or ~/.cache/thaw). */
  cacheDir?: string;
  /** The compiler (default $CC, else gcc). */
  cc?: string;
  /** Called with a line to show while compiling (the first use only). */
  progress?: (line: string) => void;
  /** The C sources (default: native/ of thaw's checkout; a VM image carries its own copy). */
  srcDir?: string;
}

const GCC_FIX = 'install a C compiler: apt-get install gcc (Debian: gcc or build-essential)';

const building = new Map<string, Promise<NativeHelpers>>();

/** Compile native/ (once per source version) and return the helpers' paths. */
export function nativeHelpers(opts: BuildOptions = {}): Promise<NativeHelpers> {
  const key = JSON.stringify([opts.cacheDir ?? thawCacheDir(), opts.cc ?? process.env.CC, opts.srcDir ?? nativeSrc]);
  let p = building.get(key);
  if (!p) {
    // Two restores starting at once in one process share one compilation.
    p = compileHelpers(opts);
    building.set(key, p);
    p.catch(() => building.delete(key));
  }
  return p;
}

async function compileHelpers(opts: BuildOptions): Promise<NativeHelpers> {
  const src = opts.srcDir ?? nativeSrc;
  let files: string[];
  try {
    files = readdirSync(src).filter((f) => /\.[ch]$/.test(f)).sort();
  } catch {
    files = [];
  }
  if (!files.length) throw new ThawError('E_PAGE_SERVER', `the page server's C sources are missing from ${src}`, { hint: 'rebuild the image with this thaw (it copies native/ into it)' });
  const hash = createHash('sha256');
  for (const f of files) hash.update(f).update('\0').update(readFileSync(join(src, f))).update('\0');
  hash.update(process.arch);
  const dir = join(opts.cacheDir ?? thawCacheDir(), `native-${hash.digest('hex').slice(0, 16)}`);
  const out: NativeHelpers = { shim: join(dir, 'libthaw-uffd.so'), handler: join(dir, 'thaw-uffd'), touch: join(dir, 'thaw-uffd-touch') };
  if (Object.values(out).every((p) => existsSync(p))) return out;

  const cc = opts.cc ?? process.env.CC ?? 'gcc';
  if (!which(cc)) throw new ThawError('E_GCC_MISSING', `the page server's helpers (native/) are compiled on first use, and ${cc} is not installed`, { hint: GCC_FIX });
  opts.progress?.(`compiling the page server (native/) with ${cc}`);
  mkdirSync(join(dir, '..'), { recursive: true });
  const temp = cacheTemp(dir);
  const tmp = temp.path;
  try {
    mkdirSync(tmp);
    const flags = ['-O2', '-Wall', '-Werror'];
    const jobs: string[][] = [
      [cc, ...flags, '-shared', '-fPIC', '-o', join(tmp, 'libthaw-uffd.so'), join(src, 'uffd-shim.c'), '-ldl', '-lpthread'],
      [cc, ...flags, '-o', join(tmp, 'thaw-uffd'), join(src, 'uffd-handler.c')],
      [cc, ...flags, '-pthread', '-o', join(tmp, 'thaw-uffd-touch'), join(src, 'uffd-touch.c')],
    ];
    for (const argv of jobs) {
      const r = await run(argv, { timeoutMs: 120_000 });
      if (r.status !== 0) {
        const missingHeaders = /fatal error: .*\.h: No such file/.test(r.stderr);
        throw new ThawError(missingHeaders ? 'E_GCC_MISSING' : 'E_NATIVE_BUILD', missingHeaders ? `${cc} has no C library headers to compile the page server (native/)` : `compiling native/${basename(argv[argv.indexOf('-o') + 2]!)} failed`, {
          hint: missingHeaders ? 'apt-get install libc6-dev linux-libc-dev (Debian: build-essential)' : 'report it to thaw with the compiler output below',
          detail: tail(r.stderr, 20),
        });
      }
    }
    commitCacheDir(tmp, dir, () => Object.values(out).every((p) => existsSync(p)));
  } finally {
    temp.done();
  }
  return out;
}

/** Counts thaw-uffd prints when it exits. */
export interface PageServerStats {
  /** Page faults served (loaded + zeroed). */
  faults: number;
  loaded: number;
  zeroed: number;
  /** Pages copied ahead from the prefetch list (prefetchZeroed of them zero pages). */
  prefetched: number;
  prefetchZeroed: number;
  /** Time from the registration to the end of the prefetch list. */
  prefetchMs: number;
  /** Pages copied by fillRest (neither faulted nor prefetched), and when that was done. */
  filled: number;
  fillMs: number;
  /** Pages found filled already when copied (a fault raced a prefetch). */
  eexist: number;
  /** UFFD_EVENT_REMOVE / UNMAP / REMAP events. */
  removes: number;
  unmaps: number;
  remaps: number;
  /** Faults outside every registered mapping (should stay 0). */
  unknown: number;
  /** Time from the registration to the server's exit. */
  servedMs: number;
}

export interface PageServerOptions {
  /** The snapshot's RAM file (guest RAM from address 0), read-only. */
  ramFile: string;
  /** Write the page log here (kept when the server ends cleanly). */
  log?: string;
  /** Copy these pages first: an earlier log, or one file offset a line. */
  prefetch?: string;
  /**
   * Then copy every page not served yet, in the background: the process stops faulting, and its
   * memory file becomes a whole copy of the snapshot (needed before checkpointing it again).
   */
  fillRest?: boolean;
  /** Size of the memory file (default: the RAM file's size). */
  size?: number;
  /** Append `t=…ms` to every log line (default true; false gives fireCRaCer's exact lines). */
  times?: boolean;
  /** Directory of the memory file: must be tmpfs (default /dev/shm). */
  shmDir?: string;
  build?: BuildOptions;
}

export interface PageServer {
  /** Environment for the served process (QEMU): LD_PRELOAD, THAW_UFFD_MEM, THAW_UFFD_SOCKET. */
  readonly env: Record<string, string>;
  /** The fresh shmem file the served process must map shared (QEMU: memoryBackend()). */
  readonly memPath: string;
  readonly size: number;
  readonly socketPath: string;
  readonly helpers: NativeHelpers;
  /** Resolves once the server listens (the served process may be started then). */
  readonly ready: Promise<void>;
  /** Resolves with the counts when the server exits (the served process exited, or stop()). */
  readonly stats: Promise<PageServerStats>;
  /** QEMU's argument for the guest RAM: `-object` this, with `-machine …,memory-backend=ID`. */
  memoryBackend(id?: string): string;
  /** End the server (SIGTERM: it flushes the log), remove the memory file and socket; the counts. */
  stop(): Promise<PageServerStats>;
}

function isTmpfs(dir: string): boolean {
  try {
    const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' '));
    // The longest mount point that contains dir decides.
    let best: string[] | undefined;
    for (const m of mounts) if (m[1] && (dir === m[1] || dir.startsWith(m[1].endsWith('/') ? m[1] : m[1] + '/')) && (!best || m[1].length > best[1]!.length)) best = m;
    return best?.[2] === 'tmpfs' || best?.[2] === 'shmem';
  } catch {
    return false;
  }
}

/**
 * The partial logs of earlier servers for the same log whose process is gone (killed with -9:
 * no exit hook removed them), so repeated runs that end so (thaw bench kills its runs) do not
 * pile them up.
 */
function removeStalePartials(log: string): void {
  const dir = dirname(log);
  const prefix = `${basename(log)}.`;
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(prefix) || !n.endsWith('.partial')) continue;
    const pid = Number(n.slice(prefix.length, -'.partial'.length));
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !running(pid)) rmSync(join(dir, n), { force: true });
  }
}

/** Start thaw-uffd for one restore; the served process is started by the caller with `env`. */
export async function startPageServer(opts: PageServerOptions): Promise<PageServer> {
  let ramSize: number;
  try {
    const st = statSync(opts.ramFile);
    if (!st.isFile()) throw new Error('not a file');
    ramSize = st.size;
  } catch {
    throw new ThawError('E_PAGE_SERVER', `the snapshot's RAM file ${opts.ramFile} is missing or not a file`, { hint: 'rebuild the image' });
  }
  if (opts.prefetch && !existsSync(opts.prefetch)) throw new ThawError('E_NOT_FOUND', `${opts.prefetch} does not exist`, { hint: 'give a page log of an earlier restore to --prefetch' });
  const shmDir = opts.shmDir ?? '/dev/shm';
  if (!existsSync(shmDir) || !isTmpfs(shmDir)) {
    throw new ThawError('E_PAGE_SERVER', `${shmDir} is not a tmpfs: userfaultfd cannot serve a file on another file system`, { hint: 'mount a tmpfs there (mount -t tmpfs tmpfs /dev/shm), or pass another tmpfs directory' });
  }
  const helpers = await nativeHelpers(opts.build);
  const size = opts.size ?? ramSize;
  const pageSize = 4096;
  if (size <= 0 || size % pageSize) throw new ThawError('E_PAGE_SERVER', `a memory size of ${size} bytes is not a positive multiple of ${pageSize}`);

  const dir = mkdtempSync(join(tmpdir(), 'thaw-uffd-'));
  const forgetDir = removeOnExit(dir);
  const memPath = join(shmDir, `thaw-uffd-${process.pid}-${randomBytes(4).toString('hex')}.mem`);
  const forgetMem = removeOnExit(memPath);
  const fd = openSync(memPath, 'wx', 0o600);
  try {
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
  const socketPath = join(dir, 'uffd.sock');
  const partialLog = opts.log ? `${opts.log}.${process.pid}.partial` : undefined;
  if (opts.log) removeStalePartials(opts.log);
  const forgetLog = partialLog ? removeOnExit(partialLog) : () => undefined;
  const argv = [helpers.handler, ...(opts.times !== false ? ['--times'] : []), ...(partialLog ? ['--log', partialLog] : []), ...(opts.prefetch ? ['--prefetch', opts.prefetch] : []), ...(opts.fillRest ? ['--fill-rest'] : []), socketPath, opts.ramFile];

  let listening: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (listening = resolve));
  let out = '';
  let child: Child;
  try {
    child = start(argv, { stdio: 'pipe', onOutput: (s, c) => {
      if (s !== 'stdout') return;
      out += c;
      if (out.includes('listening ')) listening();
    } });
  } catch (e) {
    cleanup();
    throw e;
  }
  function cleanup(): void {
    rmSync(memPath, { force: true });
    rmSync(dir, { recursive: true, force: true });
    if (partialLog) rmSync(partialLog, { force: true });
    forgetMem();
    forgetDir();
    forgetLog();
  }
  const failed = (what: string): ThawError => new ThawError('E_PAGE_SERVER', `the page server (thaw-uffd) ${what}`, { hint: 'see its stderr below', detail: tail(child.stderr()) });

  const stats = child.exited.then((exit) => {
    const line = child.stdout().split('\n').find((l) => l.startsWith('{"faults"'));
    if (!line) {
      cleanup();
      throw failed(exit.signal ? `was killed by ${exit.signal}` : `exited with status ${exit.status}`);
    }
    if (partialLog && opts.log) renameSync(partialLog, opts.log);
    cleanup();
    return JSON.parse(line) as PageServerStats;
  });
  stats.catch(() => undefined);
  const readyOrExit = Promise.race([ready, stats.then(() => Promise.reject(failed('exited before it listened')))]);
  try {
    await readyOrExit;
  } catch (e) {
    await child.kill();
    await stats.catch(() => undefined);
    throw e;
  }

  // Prepended: a preload the caller had stays in effect.
  const preload = [helpers.shim, process.env.LD_PRELOAD].filter(Boolean).join(' ');
  return {
    env: { LD_PRELOAD: preload, THAW_UFFD_MEM: memPath, THAW_UFFD_SOCKET: socketPath },
    memPath,
    size,
    socketPath,
    helpers,
    ready,
    stats,
    memoryBackend: (id = 'mem') => `memory-backend-file,id=${id},mem-path=${memPath},share=on,size=${size}`,
    async stop() {
      if (!child.done) await child.kill(2000);
      return stats;
    },
  };
}
