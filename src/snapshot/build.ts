/**
 * `thaw build`: entry → bundle → `node --build-snapshot` (app init, warm-up, checkpoint
 * hooks) → blob → image directory. The image is assembled in a temporary sibling directory
 * and renamed into place at the end, so a failed build leaves nothing behind.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { ThawError, tail } from '../errors.js';
import { removeOnExit, start } from '../launch/spawn.js';
import { removeJitFiles } from '../launch/jit-files.js';
import { MANIFEST_FORMAT, sha256File, type Manifest } from '../image/manifest.js';
import { startScript } from '../image/start.js';
import { addBlobMapper, BLOB_MAP_FILE } from '../image/blob-map.js';
import { isWrite, PACKAGE_MAPS_DIR, STACKMAP_FILE, type BuildConfig, type BuildReport, type WarmupRequest } from '../runtime/protocol.js';
import { writeStackMap } from './stackmap.js';
import { bundle } from './bundle/index.js';
import { buildFailure, doctorLine, StackMapper } from './diagnose.js';
import { probeNode, type NodeInfo } from './node-info.js';
import { buildSea } from './sea.js';
import { readWarmup } from './warmup-file.js';
import { verifyImage, type VerifyOutcome } from './verify.js';
import { plainBundle } from './bundle/index.js';
import { applies } from '../runtime/node-features.js';
import { thawVersion } from '../version.js';
import { formatBytes } from '../io.js';

/** How V8 11.3 (Node 20) dies on compiled RegExp code in the heap (see node-features.ts). */
const REGEXP_CODE_ABORT = /unreachable code[\s\S]*Serializer::ObjectSerializer::SerializeObject[\s\S]*VisitCodePointer/;

export interface BuildOptions {
  entry: string;
  out: string;
  warmupFile?: string;
  node?: string;
  sea?: boolean;
  /**
   * Bundle the app's packages into the image instead of loading them from node_modules while
   * building (the default, except with --sea, whose single executable must hold everything).
   */
  bundlePackages?: boolean;
  /**
   * Load the app's packages (and its bundle) whitespace-minified (guest/minify.ts): a smaller
   * snapshot that restores with less CPU. On unless false (`--no-minify-packages`).
   */
  minifyPackages?: boolean;
  /**
   * Node/V8 flags for the build and for every restore: V8 restores a snapshot only under the
   * flags that built it (e.g. --perf-basic-prof, so a restored process can be profiled by name).
   */
  v8Flags?: string[];
  /**
   * Give every restore its own V8 hash seed, as a cold start has (V8 rehashes the snapshot's
   * tables at each start). Otherwise restores on Node 22 and later share the image's seed, one
   * the build drew at random (see rehashFlags).
   */
  rehash?: boolean;
  settleMs?: number;
  drainMs?: number;
  requestTimeoutMs?: number;
  buildTimeoutMs?: number;
  /** Start the image restored and the app cold, and compare their answers (default on). */
  verify?: boolean;
  /** More requests to compare (a warm-up-format file), beside the warm-up's GET/HEAD ones. */
  verifyFile?: string;
  /** Progress lines ("bundling…") for a terminal. */
  progress?: (msg: string) => void;
}

export interface BuildOutcome {
  manifest: Manifest;
  report: BuildReport;
  warnings: string[];
  /** Packages imported somewhere but not installed (they throw only if reached). */
  missing: string[];
  /** What verification compared, or why it did not run. */
  verified?: VerifyOutcome | { skipped: string };
  node: NodeInfo;
  /** Where the image is (opts.out), or the scratch dir for doctor. */
  dir: string;
}

const ENTRY_EXT = new Set(['.js', '.cjs', '.mjs', '.ts', '.mts', '.cts', '.jsx', '.tsx']);

/**
 * The file Node runs for `node DIR` (`node build`, SvelteKit's adapter-node; `node .`): the
 * directory's package.json "main" (as a file, with .js, or its index.js), else its index.js.
 */
function directoryEntry(dir: string): string | undefined {
  let main: unknown;
  try {
    main = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { main?: unknown }).main;
  } catch {
    main = undefined;
  }
  const isFile = (f: string): boolean => existsSync(f) && statSync(f).isFile();
  if (typeof main === 'string' && main) {
    const m = resolve(dir, main);
    for (const f of [m, `${m}.js`, join(m, 'index.js')]) if (isFile(f)) return f;
  }
  const index = join(dir, 'index.js');
  return isFile(index) ? index : undefined;
}

function checkEntry(given: string): string {
  if (!existsSync(given)) throw new ThawError('E_ENTRY_MISSING', `entry ${given} does not exist`, { hint: 'give the path of the app\'s main file, e.g. thaw build server.js -o img' });
  const entry = statSync(given).isDirectory() ? directoryEntry(given) : given;
  if (!entry) throw new ThawError('E_ENTRY_MISSING', `entry ${given} is a directory with neither a package.json "main" nor an index.js, so \`node\` could not run it either`, { hint: 'give the app\'s main file, e.g. thaw build server.js -o img' });
  if (!ENTRY_EXT.has(extname(entry))) throw new ThawError('E_ENTRY_TYPE', `entry ${entry} is not JavaScript or TypeScript (.js .cjs .mjs .jsx .ts .mts .cts .tsx)`, { hint: 'give the app\'s main source file' });
  return entry;
}

export function checkOut(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new ThawError('E_OUTPUT_EXISTS', `${out} exists and is not a directory`, { hint: 'choose another -o, or remove it' });
  const entries = readdirSync(out);
  if (entries.length && !entries.includes('manifest.json')) throw new ThawError('E_OUTPUT_EXISTS', `${out} exists and is not a thaw image; refusing to replace it`, { hint: 'choose another -o, or empty it' });
}

/** Is a process with this pid alive? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One build per output at a time: `OUT.lock` holds the builder's pid. A lock whose process is
 * gone (a build killed with -9) is taken over, and what that build left beside OUT (its
 * `OUT.tmp-PID-…` and `OUT.old-PID`) is swept. Returns the function that releases the lock.
 */
export function lockOutput(out: string): () => void {
  const lock = `${out}.lock`;
  for (;;) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(lock, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new ThawError('E_OUTPUT_BUSY', `another thaw build (pid ${pid}) is writing ${out}`, { hint: `wait for it, or build to another -o; if no build runs, remove ${lock}` });
      }
      rmSync(lock, { force: true });
    }
  }
  const forget = removeOnExit(lock);
  const prefix = `${basename(out)}.`;
  for (const f of readdirSync(dirname(out))) {
    const m = f.startsWith(prefix) ? /^(tmp|old)-(\d+)\b/.exec(f.slice(prefix.length)) : null;
    if (!m || Number(m[2]) === process.pid || alive(Number(m[2]))) continue;
    // A build killed between moving the old image aside and moving the new one in: the old
    // image is whole, so it goes back.
    if (m[1] === 'old' && !existsSync(out) && existsSync(join(dirname(out), f, 'manifest.json'))) renameSync(join(dirname(out), f), out);
    else rmSync(join(dirname(out), f), { recursive: true, force: true });
  }
  return () => {
    rmSync(lock, { force: true });
    forget();
  };
}

/**
 * The error for a build that could not write its image: a read-only folder, or a full disk
 * (an errno, or V8 failing to write the blob where little space is left). Else undefined.
 */
function writeFault(err: unknown, out: string): ThawError | undefined {
  const folder = dirname(out);
  // Only thaw's own writes count: an app whose init writes to a full or read-only disk fails
  // with its own error (E_APP_INIT), which names the app's file.
  if (err instanceof ThawError && err.code !== 'E_SNAPSHOT_ABORT' && err.code !== 'E_BUILD_FAILED') return undefined;
  const errno = err as NodeJS.ErrnoException | undefined;
  if (!(err instanceof ThawError) && errno?.path && !resolve(errno.path).startsWith(folder)) return undefined;
  const code = errno?.code;
  const text = err instanceof ThawError ? `${err.message}\n${err.detail ?? ''}` : err instanceof Error ? err.message : '';
  if (code === 'EROFS' || /\bEROFS\b|read-only file system/i.test(text)) {
    return new ThawError('E_READ_ONLY', `${folder} is on a read-only file system, so the image ${basename(out)} cannot be written there (EROFS)`, { hint: 'build to a writable -o (or remount that file system read-write)' });
  }
  let space: { free: number; total: number } | undefined;
  try {
    const st = statfsSync(existsSync(folder) ? folder : '/');
    space = { free: st.bavail * st.bsize, total: st.blocks * st.bsize };
  } catch {
    /* no figures, then */
  }
  const full = code === 'ENOSPC' || code === 'EDQUOT' || /\bENOSPC\b|\bEDQUOT\b|no space left on device|quota exceeded/i.test(text) || (/SnapshotData::ToFile|num_written/.test(text) && space !== undefined && space.free < 256 * 1024 * 1024);
  if (!full) return undefined;
  const figures = space ? `; ${formatBytes(space.free)} free of ${formatBytes(space.total)} there now, with the partial image removed` : '';
  return new ThawError('E_DISK_FULL', `no space left on the device holding ${folder} while writing the image (${code === 'EDQUOT' ? 'EDQUOT' : 'ENOSPC'}${figures})`, { hint: 'free space on that disk, or build to another -o; nothing half-written was kept' });
}

/** Build the image (or, with `scratch`, a throwaway one for doctor). */
export async function buildImage(opts: BuildOptions, scratch = false): Promise<BuildOutcome> {
  const entry = checkEntry(resolve(opts.entry));
  const out = resolve(opts.out);
  if (!scratch) checkOut(out);
  const warmup = opts.warmupFile ? readWarmup(opts.warmupFile) : [];
  const extraRequests = opts.verifyFile ? readWarmup(opts.verifyFile, '--verify') : [];
  for (const f of opts.v8Flags ?? []) {
    if (!/^--[a-z0-9][a-z0-9_-]*(=\S+)?$/i.test(f)) throw new ThawError('E_USAGE', `--node-flags: "${f}" is not a --flag or --flag=value`, { hint: 'e.g. --node-flags "--perf-basic-prof --max-old-space-size=512"' });
    if (/^--(snapshot-blob|build-snapshot|interpreted-frames-native-stack|(no-)?rehash[-_]snapshot)\b/.test(f)) throw new ThawError('E_USAGE', `--node-flags: ${f} cannot be used with a thaw image`, { hint: f.startsWith('--interpreted') ? 'V8 crashes restoring a snapshot under it; --perf-basic-prof alone names JIT frames' : /rehash/.test(f) ? 'thaw build --rehash gives every restore its own hash seed' : 'thaw sets it itself' });
  }
  if (opts.sea && opts.v8Flags?.length) throw new ThawError('E_USAGE', '--node-flags cannot go with --sea (a single executable takes no Node flags)', { hint: 'drop one of them' });
  const say = opts.progress ?? (() => undefined);
  const node = await probeNode(resolve(opts.node ?? process.execPath));
  const major = Number(node.version.slice(1).split('.')[0]);

  let unlock = (): void => undefined;
  const tmp = `${out}.tmp-${process.pid}-${Date.now().toString(36)}`;
  try {
    mkdirSync(dirname(out), { recursive: true });
    if (!scratch) unlock = lockOutput(out);
    mkdirSync(tmp, { recursive: true });
  } catch (e) {
    unlock();
    throw writeFault(e, out) ?? e;
  }
  const forgetTmp = removeOnExit(tmp);
  try {
    // Asked for, a missing esbuild executable is an error; by default the image is built without.
    const minifier = opts.minifyPackages === false ? undefined : esbuildBinary(opts.minifyPackages === true);
    const reportPath = join(tmp, 'report.json');
    const config: BuildConfig = {
      bundleUrl: join(out, 'bundle.cjs'),
      argv1: entry,
      entry,
      reportPath,
      sourcesPath: join(tmp, 'sources.json'),
      stackmapPath: join(tmp, STACKMAP_FILE),
      ...(minifier ? { minify: { esbuild: minifier, dir: join(tmp, PACKAGE_MAPS_DIR) } } : {}),
      // The minifier is this same executable when there is one: found once.
      esbuild: minifier ?? findEsbuild(),
      acorn: createRequire(import.meta.url).resolve('acorn'),
      warmup,
      shapes: node.shapes,
      webGlobals: node.webGlobals,
      settleMs: opts.settleMs ?? 1500,
      drainMs: opts.drainMs ?? 2000,
      requestTimeoutMs: opts.requestTimeoutMs ?? 30_000,
    };
    const bundlePath = join(tmp, 'bundle.cjs');
    const packages = opts.bundlePackages || opts.sea ? 'bundle' : 'load';
    /** Packages bundled although the app's packages are loaded: they require an ES module. */
    const alsoBundled = new Set<string>();
    const blobPath = join(tmp, 'snapshot.blob');
    const userFlags = opts.v8Flags ?? [];
    let buildFlags: string[] = [...userFlags];
    const env: Record<string, string | undefined> = { PORT: undefined, HOST: undefined, NODE_OPTIONS: undefined };
    const notes: string[] = minifier ? ['package sources are whitespace-minified in this image: stack traces name their original lines; Function.prototype.toString() of their functions shows the minified text (--no-minify-packages builds without)'] : [];
    const runBuilder = async (): Promise<{ status: number; signal: string | null; stderr: string; timedOut?: boolean }> => {
      rmSync(reportPath, { force: true });
      if (config.minify) rmSync(config.minify.dir, { recursive: true, force: true });
      if (opts.sea) return buildSea(node, bundlePath, tmp, env, opts.buildTimeoutMs ?? 600_000);
      // --expose-internals lets the guest fix Node's own snapshot-hostile state
      // (runtime/guest/node-internals.ts); it is a Node option, so restores do without it.
      const child = start([node.path, ...buildFlags, '--expose-internals', '--snapshot-blob', blobPath, '--build-snapshot', bundlePath], { env, cwd: process.cwd(), logFile: join(tmp, 'build.log') });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        void child.kill();
      }, opts.buildTimeoutMs ?? 600_000);
      const exit = await child.exited.finally(() => clearTimeout(timer));
      // What the app started in the builder's process group dies with it (a builder killed
      // from outside leaves its children running otherwise).
      await child.kill();
      if (buildFlags.includes('--perf-basic-prof')) removeJitFiles([child.pid], process.cwd());
      return { status: exit.status, signal: exit.signal, stderr: child.stderr(), timedOut };
    };
    const readReport = (): BuildReport | undefined => (existsSync(reportPath) ? (JSON.parse(readFileSync(reportPath, 'utf8')) as BuildReport) : undefined);
    let b: Awaited<ReturnType<typeof bundle>>;
    let outcome: Awaited<ReturnType<typeof runBuilder>>;
    let report: BuildReport | undefined;
    let bundleMs = 0;
    let snapshotMs = 0;
    for (;;) {
      say(`bundling ${basename(entry)}`);
      const t0 = performance.now();
      b = await bundle(entry, bundlePath, config, major, config.bundleUrl, packages, alsoBundled);
      writeStackMap(bundlePath, `${bundlePath}.map`, join(tmp, STACKMAP_FILE));
      bundleMs += performance.now() - t0;

      say(`building the snapshot with Node ${node.version}${warmup.length ? ` (${warmup.reduce((n, r) => n + (r.repeat ?? 1), 0)} warm-up requests)` : ''}`);
      const t1 = performance.now();
      outcome = await runBuilder();
      if (outcome.status !== 0 && !opts.sea && applies('regexp-code-unserializable', node.version) && REGEXP_CODE_ABORT.test(outcome.stderr) && !buildFlags.includes('--regexp-interpret-all')) {
        // node-features.ts 'regexp-code-unserializable': V8 11.3 cannot serialise compiled RegExp
        // code. Interpreted regexps have none; the flag must then be used at every restore too.
        buildFlags = [...userFlags, '--regexp-interpret-all'];
        notes.push(`Node ${node.version} cannot snapshot compiled RegExp code, so this image runs regular expressions interpreted (--regexp-interpret-all, at build and restore); Node 22+ has no such limit`);
        say('rebuilding with interpreted regular expressions (Node 20)');
        outcome = await runBuilder();
      }
      snapshotMs += performance.now() - t1;
      report = readReport();
      // A package thaw's loader ran required an ES module, which the loader cannot run: bundle
      // the packages on the way to it (esbuild makes CommonJS of it) and build again.
      const esm = report?.esmRequire;
      const more = esm?.packages.filter((p) => !alsoBundled.has(p)) ?? [];
      // (Also when the app caught the failure: Node 20.19+ and 22.12+ load it, so a cold start would.)
      if (!esm || !more.length || alsoBundled.size > 50) break;
      for (const p of more) alsoBundled.add(p);
      say(`bundling ${more.join(', ')} (${more.length > 1 ? 'they require' : 'it requires'} an ES module, ${relative(process.cwd(), esm.file)})`);
    }
    if (alsoBundled.size) notes.push(`bundled ${[...alsoBundled].sort().join(', ')} into the image: ${alsoBundled.size > 1 ? 'they require' : 'it requires'} ES modules, which thaw's loader does not run`);
    const mapper = new StackMapper(bundlePath, join(out, 'bundle.cjs'));
    if (outcome.timedOut) throw new ThawError('E_TIMEOUT', `the snapshot builder did not finish within ${Math.round((opts.buildTimeoutMs ?? 600_000) / 1000)} s${report ? ` (it was in ${report.phase})` : ''}`, { hint: 'an init or warm-up that waits for something that never comes? thaw doctor ENTRY shows what the build saw', detail: tail(outcome.stderr, 8) || undefined });
    if (outcome.signal === 'SIGKILL' && !/Fatal error|Check failed|FATAL ERROR|out of memory/i.test(outcome.stderr)) {
      throw new ThawError('E_BUILDER_KILLED', `the snapshot builder was killed (SIGKILL) by something outside thaw${report ? ` during ${report.ok ? 'serialisation' : report.phase}` : ''}: a kill -9, or the kernel's out-of-memory killer`, { hint: 'build again; if it recurs, `dmesg | grep -i oom` says whether memory ran out' });
    }
    if (outcome.status !== 0 || !report?.ok || !existsSync(opts.sea ? join(tmp, 'start') : blobPath)) {
      const shown = relative(process.cwd(), entry) || entry;
      // Doctor's own build (scratch) does not tell the person to run doctor.
      const err = buildFailure(report, outcome, outcome.stderr, mapper, { entry: shown, doctor: scratch ? undefined : doctorLine(shown, opts.warmupFile, opts.node) });
      throw Object.assign(err, { report, bundleWarnings: b.warnings, missing: b.missing, mapper, node, notes });
    }

    for (const c of report.connectedAtInit ?? []) {
      const at = mapper.ownSite(c.stack);
      notes.push(`the app connected to ${c.to} during init${at ? ` (${at})` : ''}; no connection survives a checkpoint, so every restore starts without it: connect in onRestore() (thaw's runtime), or on first use`);
    }

    say('writing the image');
    const blobFile = opts.sea ? 'start' : 'snapshot.blob';
    const blobAbs = join(tmp, blobFile);
    // The blob holds everything the app held in memory: keep it private to its owner.
    chmodSync(blobAbs, opts.sea ? 0o700 : 0o600);
    const statuses: Record<string, number> = {};
    for (const w of report.warmup) statuses[w.status] = (statuses[w.status] ?? 0) + 1;
    // Restores map the blob instead of copying it when a C compiler built the mapper.
    const blobMap = !opts.sea && (await addBlobMapper(tmp)) ? BLOB_MAP_FILE : undefined;
    const seed = rehashFlags(major, !!opts.sea, !!opts.rehash);
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      thaw: thawVersion,
      createdAt: new Date().toISOString(),
      entry,
      cwd: process.cwd(),
      argv1: entry,
      node: { path: node.path, version: node.version, v8: node.v8, arch: node.arch, platform: node.platform, modules: node.modules, size: node.size, mtimeS: node.mtimeS },
      flags: { build: buildFlags, restore: [...buildFlags, ...seed.flags] },
      hashSeed: seed.hashSeed,
      notes,
      blob: { file: blobFile, bytes: statSync(blobAbs).size, sha256: await sha256File(blobAbs) },
      ...(blobMap ? { blobMap } : {}),
      bundle: { file: 'bundle.cjs', bytes: statSync(bundlePath).size, sha256: await sha256File(bundlePath) },
      warmup: { requests: report.warmup.length, statuses, ms: Math.round(report.warmupMs) },
      envRead: report.envRead,
      deferred: report.deferred,
      sea: !!opts.sea,
      timings: { bundleMs: Math.round(bundleMs), snapshotMs: Math.round(snapshotMs), initMs: Math.round(report.initMs), warmupMs: Math.round(report.warmupMs) },
    };
    rmSync(reportPath, { force: true });
    rmSync(config.sourcesPath, { force: true });
    writeFileSync(join(tmp, 'report.json'), JSON.stringify(report, null, 2));
    if (!opts.sea) {
      writeFileSync(join(tmp, 'start'), startScript(manifest, thawVersion), { mode: 0o755 });
      // The stamp the launcher's fast path compares against (image/start.ts): written after
      // the blob, so it is the newer.
      writeFileSync(join(tmp, '.verified'), '');
    }
    writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    if (scratch) return { manifest, report, warnings: b.warnings, missing: b.missing, node, dir: tmp };
    let verified: BuildOutcome['verified'];
    if (opts.verify !== false) {
      const server = report.servers.list.find((x) => x.port !== null);
      if (!server) verified = { skipped: 'the app listens on no TCP port' };
      else if (server.port === 0 && !server.portFromEnv) verified = { skipped: 'the app listens on a port the system picks (0), so thaw cannot reach it' };
      else {
        // What to compare: the warm-up's reads (once each) and the --verify file, else GET /.
        const seen = new Set<string>();
        const key = (r: WarmupRequest): string => JSON.stringify([r.method, r.path, r.headers, r.body]);
        const reads = warmup.filter((r) => !isWrite(r) && !seen.has(key(r)) && seen.add(key(r)));
        const requests: WarmupRequest[] = [...reads, ...extraRequests].map((r) => ({ ...r, repeat: undefined }));
        const what = [reads.length ? "the warm-up's reads" : '', extraRequests.length ? '--verify' : ''].filter(Boolean).join(' and ') || 'GET /, as there were no reads to replay';
        if (!requests.length) requests.push({ method: 'GET', path: '/' });
        // A TypeScript entry runs cold as Node runs it (type stripping, Node 22.18+), else from
        // a plain bundle of it whose stack traces Node maps back to the .ts source.
        const cold = /\.([cm]?tsx?|jsx)$/.test(entry) ? [[node.path, ...userFlags, entry], [node.path, ...userFlags, '--enable-source-maps', await plainBundle(entry, join(tmp, 'cold'), major)]] : [[node.path, ...userFlags, entry]];
        verified = await verifyImage({
          restored: [join(tmp, 'start')],
          cold,
          cwd: process.cwd(),
          env: { PORT: undefined, HOST: undefined, NODE_OPTIONS: undefined },
          server,
          warmup,
          requests,
          what,
          warmupStatuses: report.warmup.map((w) => w.status),
          usesRuntime: report.resources > 0 || report.appMain || b.usesRuntime,
          startTimeoutMs: 60_000,
          requestTimeoutMs: opts.requestTimeoutMs ?? 30_000,
          progress: say,
        });
        for (const f of ['cold.cjs', 'cold.mjs', 'cold.cjs.map', 'cold.mjs.map']) rmSync(join(tmp, f), { force: true });
      }
    }
    // Swap into place: the old image (if any) is moved aside first, then removed.
    const old = existsSync(out) ? `${out}.old-${process.pid}` : undefined;
    if (old) renameSync(out, old);
    renameSync(tmp, out);
    forgetTmp();
    if (old) rmSync(old, { recursive: true, force: true });
    return { manifest, report, warnings: b.warnings, missing: b.missing, verified, node, dir: out };
  } catch (err) {
    // THAW_KEEP_FAILED_BUILD=1 keeps the bundle, build.log and report.json for a bug report.
    if (process.env.THAW_KEEP_FAILED_BUILD) process.stderr.write(`thaw: kept the failed build in ${tmp}\n`);
    else rmSync(tmp, { recursive: true, force: true });
    forgetTmp();
    const fault = writeFault(err, out);
    if (fault) throw fault;
    if (err instanceof ThawError) throw err;
    throw new ThawError('E_BUILD_FAILED', `build of ${opts.entry} failed: ${(err as Error).message}`, { detail: tail((err as Error).stack ?? '') });
  } finally {
    unlock();
  }
}

/**
 * The hash seed of a restore. V8 hashes strings and dictionary keys with a per-process secret
 * (hash-flooding protection) and, restoring a snapshot, by default draws a new one and rehashes
 * every table the snapshot holds: on ts-service ~10 ms of a ~95 ms restore (its isolate phase
 * 35 → 26 ms, its context 18 → 13 ms; BENCHMARKS.md). With --no-rehash-snapshot the restore
 * keeps the secret the snapshot was built with, which the builder process drew at random, so
 * each build has its own and all restores of one image share it: a fleet of restores exposes
 * it as one long-lived process does. Node 20's V8 counts the flag into the snapshot's
 * checksum (a restore under it is refused), and a single executable takes no flags: both keep
 * a seed per restore, as does `thaw build --rehash`.
 */
export function rehashFlags(nodeMajor: number, sea: boolean, rehash: boolean): { flags: string[]; hashSeed: 'image' | 'restore' } {
  return rehash || sea || nodeMajor < 22 ? { flags: [], hashSeed: 'restore' } : { flags: ['--no-rehash-snapshot'], hashSeed: 'image' };
}

/**
 * The esbuild executable the guest minifies package files with (one run per file while
 * building): ESBUILD_BINARY_PATH as esbuild itself honours it, else the platform package
 * installed beside the esbuild thaw uses.
 */
function esbuildBinary(required: boolean): string | undefined {
  const found = findEsbuild();
  if (found || !required) return found;
  throw new ThawError('E_USAGE', `--minify-packages needs esbuild's executable (${ESBUILD_PACKAGE}), which is not installed beside thaw`, { hint: 'reinstall thaw (npm install), set ESBUILD_BINARY_PATH, or build without --minify-packages' });
}

const ESBUILD_PACKAGE = `@esbuild/${process.platform}-${process.arch}`;

/** The esbuild executable, or undefined when it is not installed. */
function findEsbuild(): string | undefined {
  const env = process.env.ESBUILD_BINARY_PATH;
  if (env) return env;
  try {
    return createRequire(createRequire(import.meta.url).resolve('esbuild')).resolve(`${ESBUILD_PACKAGE}/bin/esbuild`);
  } catch {
    return undefined;
  }
}
