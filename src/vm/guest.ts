/**
 * The guest: a kernel and an initramfs that run one app, assembled from the host's own files
 * and cached under a key of everything that goes in (so a second build of the same app costs
 * nothing, and any change to the app, its runtime, the kernel or thaw's agent makes a new one).
 *
 * - kernel: the distribution's /boot/vmlinuz decompressed to its ELF vmlinux, which QEMU boots
 *   directly (PVH entry): no xz stage at every boot under a software CPU.
 * - initramfs: thaw's own files under /thaw (a static busybox and its applets in /thaw/bin, the
 *   virtio modules the guest needs (virtio-mmio transport and virtio-net, with their
 *   dependencies from modules.dep), the agent, PID 1 after the init script), and the runtime and
 *   the app mirrored at their host paths with every symlink on the way (mirror.ts): the node
 *   binary, or for any other command what command-files.ts finds it needs, their `ldd`
 *   libraries, the app's directory, the working directory, --include paths. So the command runs
 *   in the guest exactly as typed, and PATH (the host's) finds what it finds here. A Java
 *   command gets a jlink'd JDK (java.base, jdk.httpserver and what jdeps finds the app needs) at
 *   /opt/thaw-jdk, first on PATH.
 */
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { ThawError, tail } from '../errors.js';
import { run } from '../launch/spawn.js';
import { agentBinary, reseedPreload } from './agent.js';
import { cacheDir, cacheTemp } from './cache.js';
import { commandFiles, elfFiles, interpreterOf, lddLibraries } from './command-files.js';
import { Mirror } from './mirror.js';
import { Initramfs } from './initramfs.js';
import { isExecutableFile, which } from '../launch/which.js';
import type { VmTools } from './requirements.js';

/** The port the app listens on inside the guest (its PORT); the host forwards to it. */
export const GUEST_PORT = 8080;
export const RESEED_ACK = '/run/thaw-reseed-ack';
const JDK_DIR = '/opt/thaw-jdk';

export type Runtime = 'node' | 'java' | 'other';

export interface AppSpec {
  command: string[];
  cwd: string;
  runtime: Runtime;
  /** The host executable argv[0] names (resolved on PATH, symlinks followed). */
  executable: string;
  /** Host files and directories the app needs besides its runtime (mirrored into the guest). */
  appPaths: string[];
  /** `--include` paths: mirrored as they are, for what thaw cannot guess. */
  includes: string[];
  /** The runtime's host files, mirrored at their host paths with their symlinks. */
  mirror: Mirror;
  /** ELF programs whose `ldd` libraries must all be found, and extension modules whose need not. */
  programs: string[];
  modules: string[];
  /** What the build output should say (left-out library trees, shims). */
  notes: string[];
}

export interface Guest {
  kernel: string;
  initrd: string;
  key: string;
  runtime: Runtime;
  /** Java: the modules of the guest's JDK. */
  javaModules?: string[];
  initrdBytes: number;
  cached: boolean;
}

/** The working directory of an app other than Node or Java is mirrored when it is this small. */
const CWD_MAX_BYTES = 64 * 1024 * 1024;
const CWD_MAX_FILES = 5000;
/** All the guest's files (runtime, libraries, app) may add up to this in a 512 MiB guest. */
const GUEST_FILES_MAX = 160 * 1024 * 1024;
/** The app's own files (named paths, the working directory, --include) may add up to this. */
const APP_MAX_BYTES = 512 * 1024 * 1024;
/** Host environment an interpreter's module search honours, passed on to the guest when set. */
const PASSED_ENV = ['PYTHONPATH', 'PERL5LIB', 'PERLLIB', 'RUBYLIB'];

/** What the command is: its runtime, its executable, the files it names, what it needs in the guest. */
export async function describeApp(command: string[], cwd: string, includes: string[] = []): Promise<AppSpec> {
  const argv0 = command[0]!;
  const exe = which(argv0);
  if (!exe) throw new ThawError('E_COMMAND_NOT_FOUND', `command not found: ${argv0}`, { hint: 'check the spelling, or give the full path' });
  const real = realpathSync(exe);
  const name = basename(real);
  const runtime: Runtime = /^node(js)?(\d+)?$/.test(name) || /^node$/.test(basename(argv0)) ? 'node' : basename(argv0) === 'java' || name === 'java' ? 'java' : 'other';
  const inc: string[] = [];
  for (const i of includes) {
    const p = resolve(cwd, i);
    if (!existsSync(p)) throw new ThawError('E_NOT_FOUND', `--include ${i}: ${p} does not exist`, { hint: 'give a file or directory on this machine to mirror into the guest' });
    inc.push(p);
  }
  const mirror = new Mirror();
  const app: AppSpec = { command, cwd, runtime, executable: real, appPaths: [], includes: inc, mirror, programs: [], modules: [], notes: [] };
  const appPaths = app.appPaths;
  const existing = (a: string): string | undefined => {
    const p = resolve(cwd, a);
    return existsSync(p) ? p : undefined;
  };
  if (runtime === 'node') {
    // The entry's directory: the first argument that is a file (after Node's own flags).
    const entry = command.slice(1).map((a) => (a.startsWith('-') ? undefined : existing(a))).find((p) => p && statSync(p).isFile());
    const named = command.slice(1).find((a) => /\.[cm]?[jt]sx?$/.test(a));
    if (!entry && named) throw new ThawError('E_ENTRY_MISSING', `${resolve(cwd, named)} does not exist`, { hint: `check the path of the script Node runs (relative to ${cwd})` });
    if (!entry) throw new ThawError('E_USAGE', `${command.join(' ')}: no entry file found in the command`, { hint: 'give the script Node runs: thaw build --engine vm -o img -- node server.js' });
    appPaths.push(dirname(entry));
    mirror.file(exe);
    app.programs.push(real);
  } else if (runtime === 'java') {
    for (let i = 1; i < command.length; i++) {
      const a = command[i]!;
      if ((a === '-jar' || a === '-cp' || a === '-classpath' || a === '--class-path') && command[i + 1]) {
        for (const part of command[i + 1]!.split(':')) {
          const p = existing(part);
          if (p) appPaths.push(p);
        }
        i++;
      }
    }
    if (!appPaths.length) throw new ThawError('E_USAGE', `${command.join(' ')}: no -jar FILE or -cp PATH found`, { hint: 'thaw build --engine vm -o img -- java -jar app.jar' });
  } else {
    const found = await commandFiles(command, cwd, mirror);
    app.programs.push(...found.programs);
    app.modules.push(...found.modules);
    app.notes.push(...found.notes);
    for (const a of command.slice(1)) {
      const p = existing(a);
      if (!p || p === '/') continue;
      // A file's directory when it is small (the app's other files sit beside it), else the file.
      if (statSync(p).isFile()) appPaths.push(mirror.scan(dirname(p), CWD_MAX_BYTES, CWD_MAX_FILES) ? dirname(p) : p);
      else appPaths.push(p);
    }
    // The working directory, when small: `python3 -m http.server` serves it, apps read
    // relative paths from it.
    const t = mirror.scan(cwd, CWD_MAX_BYTES, CWD_MAX_FILES);
    if (t) appPaths.push(cwd);
    else app.notes.push(`the working directory ${cwd} holds more than ${CWD_MAX_BYTES / 1048576} MiB or ${CWD_MAX_FILES} files: only the paths the command names are in the guest (--include more)`);
  }
  // An interpreter given with --include (for a script that runs it without exec) comes with
  // its library tree, as when the command names it.
  for (const p of inc) {
    if (!statSync(p).isFile() || !interpreterOf(p) || !isExecutableFile(p)) continue;
    const found = await commandFiles([p], cwd, mirror);
    app.programs.push(...found.programs);
    app.modules.push(...found.modules);
    app.notes.push(...found.notes);
  }
  return app;
}

/** Files of a directory tree (skipping .git), for hashing and archiving. */
function walk(root: string, out: string[] = []): string[] {
  const st = statSync(root);
  if (st.isFile()) {
    out.push(root);
    return out;
  }
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (e.name === '.git' || e.name === '.thaw') continue;
    const p = join(root, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function isElf(p: string): boolean {
  const fd = openSync(p, 'r');
  try {
    const b = Buffer.alloc(4);
    return readSync(fd, b, 0, 4, 0) === 4 && b.readUInt32BE(0) === 0x7f454c46;
  } finally {
    closeSync(fd);
  }
}

/** Modules to insmod, in load order: each one's dependencies first (from modules.dep). */
function moduleOrder(modulesDir: string, wanted: string[]): string[] {
  const dep = new Map<string, string[]>();
  for (const line of readFileSync(join(modulesDir, 'modules.dep'), 'utf8').split('\n')) {
    const [mod, rest] = line.split(':');
    if (mod) dep.set(mod, (rest ?? '').trim().split(/\s+/).filter(Boolean));
  }
  const byName = new Map([...dep.keys()].map((k) => [basename(k).replace(/\.ko(\.\w+)?$/, ''), k]));
  const order: string[] = [];
  const visit = (m: string): void => {
    if (order.includes(m)) return;
    for (const d of [...(dep.get(m) ?? [])].reverse()) visit(d);
    order.push(m);
  };
  for (const w of wanted) {
    const m = byName.get(w);
    if (!m) throw new ThawError('E_VM_REQUIRES', `the kernel's modules lack ${w}`, { hint: 'apt-get install linux-image-amd64' });
    visit(m);
  }
  return order;
}

/** Decompress /boot/vmlinuz (a bzImage with an xz payload) to the ELF vmlinux, cached. */
async function kernelElf(tools: VmTools, dir: string): Promise<string> {
  const st = statSync(tools.kernel.image);
  const out = join(dir, `vmlinux-${tools.kernel.version}-${createHash('sha256').update(`${st.size}:${st.mtimeMs}`).digest('hex').slice(0, 12)}`);
  if (existsSync(out)) return out;
  const img = readFileSync(tools.kernel.image);
  const magic = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
  const at = img.indexOf(magic);
  if (at < 0) throw new ThawError('E_VM_REQUIRES', `${tools.kernel.image} has no xz payload thaw can unpack`, { hint: 'apt-get install linux-image-amd64 (Debian kernels are xz-compressed)' });
  const xzIn = cacheTemp(`${out}.xz`);
  const tmp = cacheTemp(out);
  try {
    writeFileSync(xzIn.path, img.subarray(at));
    const r = await run(['sh', '-c', 'xz -dc --single-stream < "$1" > "$2"', 'sh', xzIn.path, tmp.path], { timeoutMs: 120_000 });
    if (r.status !== 0 || !existsSync(tmp.path) || !isElf(tmp.path)) {
      throw new ThawError('E_VM_REQUIRES', `could not decompress ${tools.kernel.image}`, { hint: 'apt-get install xz-utils', detail: tail(r.stderr) });
    }
    renameSync(tmp.path, out);
    return out;
  } finally {
    xzIn.done();
    tmp.done();
  }
}

/** A jlink'd JDK with the modules the app needs, cached by its module list and JDK. */
async function jdkImage(app: AppSpec, dir: string): Promise<{ path: string; modules: string[] }> {
  const jdeps = which('jdeps');
  const mods = new Set(['java.base', 'jdk.httpserver']);
  if (jdeps) {
    const jars = app.appPaths.filter((p) => p.endsWith('.jar'));
    if (jars.length) {
      const r = await run([jdeps, '--print-module-deps', '--ignore-missing-deps', '--multi-release', 'base', ...jars], { timeoutMs: 120_000 });
      if (r.status === 0) for (const m of r.stdout.trim().split(',')) if (/^[\w.]+$/.test(m)) mods.add(m);
    }
  }
  const modules = [...mods].sort();
  const jlink = which('jlink')!;
  const java = realpathSync(jlink);
  const out = join(dir, `jdk-${createHash('sha256').update(`${java}:${statSync(java).mtimeMs}:${modules.join(',')}`).digest('hex').slice(0, 12)}`);
  if (existsSync(out)) return { path: out, modules };
  const tmp = cacheTemp(out);
  try {
    const r = await run([jlink, '--add-modules', modules.join(','), '--strip-debug', '--no-header-files', '--no-man-pages', '--output', tmp.path], { timeoutMs: 300_000 });
    if (r.status !== 0) {
      throw new ThawError('E_VM_GUEST', `jlink could not make the guest's JDK (${modules.join(', ')})`, { hint: 'check that the JDK is complete (apt-get install openjdk-17-jdk-headless)', detail: tail(r.stderr) });
    }
    renameSync(tmp.path, out);
    return { path: out, modules };
  } finally {
    tmp.done();
  }
}

const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function initScript(app: AppSpec, modules: string[], pathDirs: string[]): string {
  const env: Record<string, string> = { PORT: String(GUEST_PORT), HOST: '0.0.0.0', HOME: '/root', PATH: [...new Set([...pathDirs, '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin', '/thaw/bin'])].join(':'), TMPDIR: '/tmp' };
  // Any app may reseed what it keeps itself after a restore: the agent sends SIGPWR to an app
  // that catches it and waits for a line on this FIFO (the Node preload does so).
  env.THAW_RESEED_ACK = RESEED_ACK;
  if (app.runtime === 'node') env.NODE_OPTIONS = '--require /thaw/reseed.cjs';
  if (app.runtime === 'other') for (const k of PASSED_ENV) if (process.env[k]) env[k] = process.env[k]!;
  return `#!/thaw/bin/sh
# thaw guest init: mount, load the virtio modules, bring up the network slirp expects, then
# hand PID 1 to thaw's agent, which starts the app and serves the host on the console. /tmp and
# /run stay on the initramfs's own root (already in RAM): a tmpfs mounted there would hide an
# app that lives under /tmp on the host, as a checkout in /tmp does. busybox lives in /thaw/bin,
# last on the app's PATH: the rest of the root mirrors the host's paths.
export PATH=/thaw/bin
/thaw/bin/busybox --install -s /thaw/bin
mkdir -p /proc /sys /dev /tmp /run /root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
${modules.map((m) => `insmod /thaw/modules/${basename(m)} || echo "thaw-init: insmod ${basename(m)} failed"`).join('\n')}
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
echo "nameserver 10.0.2.3" > /etc/resolv.conf
hostname thaw-guest
${Object.entries(env).map(([k, v]) => `export ${k}=${shq(v)}`).join('\n')}
cd ${shq(app.cwd)} || cd /
exec /thaw/agent -- ${app.command.map(shq).join(' ')}
`;
}

/** Assemble (or find in the cache) the guest for `app`. */
export async function assembleGuest(app: AppSpec, tools: VmTools, say: (m: string) => void = () => undefined): Promise<Guest> {
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  say('preparing the guest kernel');
  const kernel = await kernelElf(tools, dir);
  const agent = await agentBinary(tools.gcc, dir);
  const modules = moduleOrder(tools.kernel.modules, ['virtio_mmio', 'virtio_net']);

  // The runtime (mirrored at its host paths, or the jlink'd JDK at JDK_DIR) and the app.
  const mirror = app.mirror;
  const jdkFiles = new Map<string, string>();
  const pathDirs: string[] = [];
  let javaModules: string[] | undefined;
  const programs = [...app.programs];
  const modulesElf = [...app.modules];
  let jdkRoot: string | undefined;
  if (app.runtime === 'java') {
    say("linking the guest's JDK (jlink)");
    const jdk = await jdkImage(app, dir);
    javaModules = jdk.modules;
    jdkRoot = realpathSync(jdk.path);
    for (const f of walk(jdk.path)) {
      jdkFiles.set(f, JDK_DIR + f.slice(jdk.path.length));
      if (/\/bin\/[^/]+$/.test(f) && isElf(f)) programs.push(f);
      else if (/\.so$/.test(f) && isElf(f)) modulesElf.push(f);
    }
    pathDirs.push(`${JDK_DIR}/bin`);
  }
  // The runtime's own directory first (a child it spawns by name finds it even when the command
  // gave a full path), then the host's PATH, so a name resolves in the guest as it does here.
  if (app.runtime !== 'java') pathDirs.push(dirname(app.executable), ...(isAbsolute(app.command[0]!) ? [dirname(app.command[0]!)] : []));
  pathDirs.push(...(process.env.PATH ?? '').split(':').filter((d) => isAbsolute(d)));
  let appBytes = 0;
  for (const p of [...app.appPaths, ...app.includes]) {
    const t = mirror.scan(p, APP_MAX_BYTES - appBytes);
    if (!t) throw new ThawError('E_VM_GUEST', `the app's files (${[...app.appPaths, ...app.includes].join(', ')}) add up to more than ${APP_MAX_BYTES / 1048576} MiB, more than the guest's memory`, { hint: 'build from a directory that holds only the app (and its dependencies), and --include only what it needs' });
    appBytes += t.bytes;
    mirror.addScan(t);
    if (app.runtime === 'other' || app.includes.includes(p)) modulesElf.push(...elfFiles(t.files));
  }
  // Every ELF's libraries and loader (libraries the JDK brings itself are already in place).
  for (const lib of await lddLibraries(programs, modulesElf)) if (!jdkRoot || !realpathSync(lib).startsWith(jdkRoot + '/')) mirror.file(lib);
  // /bin/sh for system(3), popen(3) and `#!/bin/sh` scripts: busybox unless the host's is mirrored.
  if (!mirror.has('/bin/sh')) {
    const bin = mirror.dir('/bin') ?? '/bin';
    mirror.dirs.add(bin);
    mirror.links.set(`${bin}/sh`, '/thaw/bin/busybox');
  }

  // The initramfs sits in guest RAM packed and unpacked at once while the kernel unpacks it:
  // past GUEST_FILES_MAX it fails ("Initramfs unpacking failed: write error") and the kernel
  // finds no /init. Say so here, with what takes the room.
  const sizes = new Map<string, number>();
  let total = statSync(agent).size + statSync(tools.busybox).size;
  for (const [f, at] of [...[...mirror.files].map((f) => [f, f] as const), ...jdkFiles]) {
    const n = statSync(f).size;
    total += n;
    const group = at.split('/').slice(0, 5).join('/');
    sizes.set(group, (sizes.get(group) ?? 0) + n);
  }
  if (total > GUEST_FILES_MAX) {
    const mib = (n: number): string => `${Math.round(n / 1048576)} MiB`;
    const biggest = [...sizes].filter(([, n]) => n >= 1048576).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([g, n]) => `${g} ${mib(n)}`);
    throw new ThawError('E_VM_GUEST', `the guest's files add up to ${mib(total)}, more than a 512 MiB guest can unpack (${mib(GUEST_FILES_MAX)}); the biggest: ${biggest.join(', ')}`, {
      hint: 'leave big trees out: build from a directory that holds only the app, --include less, or use a leaner runtime install',
    });
  }

  const init = initScript(app, modules, pathDirs);
  const reseed = app.runtime === 'node' ? reseedPreload() : '';
  const h = createHash('sha256');
  h.update(`${kernel}\n${agent}\n${init}\n${reseed}\n${tools.busybox}:${statSync(tools.busybox).mtimeMs}\n`);
  for (const [src, dst] of [...jdkFiles].sort()) {
    const st = statSync(src);
    h.update(`${src}>${dst}:${st.size}:${st.mtimeMs}\n`);
  }
  for (const f of [...mirror.files].sort()) {
    const st = statSync(f);
    h.update(`${f}:${st.size}:${st.mtimeMs}\n`);
  }
  for (const [l, t] of [...mirror.links].sort()) h.update(`${l}->${t}\n`);
  for (const d of [...mirror.dirs].sort()) h.update(`${d}/\n`);
  const key = h.digest('hex').slice(0, 16);
  const initrd = join(dir, `initrd-${key}.cpio`);
  if (existsSync(initrd)) return { kernel, initrd, key, runtime: app.runtime, javaModules, initrdBytes: statSync(initrd).size, cached: true };

  say(`writing the guest's initramfs (${app.runtime === 'java' ? 'JDK' : basename(app.executable)}, libraries, app)`);
  const fs = new Initramfs();
  fs.dir('/dev').char('/dev/console', 5, 1).char('/dev/null', 1, 3, 0o666);
  fs.file('/thaw/bin/busybox', tools.busybox, 0o755).symlink('/thaw/bin/sh', 'busybox');
  fs.data('/init', init, 0o755);
  fs.file('/thaw/agent', agent, 0o755);
  if (reseed) fs.data('/thaw/reseed.cjs', reseed);
  for (const m of modules) fs.file(`/thaw/modules/${basename(m)}`, join(tools.kernel.modules, m), 0o644);
  fs.data('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n').data('/etc/group', 'root:x:0:\n').data('/etc/hosts', '127.0.0.1 localhost thaw-guest\n');
  for (const [src, dst] of jdkFiles) fs.file(dst, src);
  for (const d of mirror.dirs) if (!fs.has(d)) fs.dir(d);
  for (const f of mirror.files) fs.file(f, f);
  for (const [l, t] of mirror.links) fs.symlink(l, t);
  if (!fs.has(app.cwd)) fs.dir(app.cwd); // the command runs where it was typed

  const tmp = cacheTemp(initrd);
  try {
    const bytes = fs.write(tmp.path);
    renameSync(tmp.path, initrd);
    pruneInitrds(dir);
    return { kernel, initrd, key, runtime: app.runtime, javaModules, initrdBytes: bytes, cached: false };
  } finally {
    tmp.done();
  }
}

/**
 * Keep the cache from growing with every edit of an app: only the KEEP_INITRDS most recently
 * written initramfs archives stay (~100 MB each with Node). Images hold hard links (or
 * copies) of theirs, so pruning never breaks one.
 */
const KEEP_INITRDS = 8;
function pruneInitrds(dir: string): void {
  const all = readdirSync(dir)
    .filter((f) => /^initrd-[0-9a-f]+\.cpio$/.test(f))
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { f } of all.slice(KEEP_INITRDS)) rmSync(join(dir, f), { force: true });
}

/** Put a cached file into an image: a hard link when the cache is on the same filesystem. */
export function linkOrCopy(src: string, dst: string): void {
  try {
    linkSync(src, dst);
  } catch {
    copyFileSync(src, dst);
  }
}
