import { basename, join, relative } from 'node:path';
import { buildImage } from '../snapshot/build.js';
import { buildNotes, initDrawsLine, StackMapper } from '../snapshot/diagnose.js';
import { formatBytes } from '../io.js';
import { progressLine } from './progress.js';
import { positive } from './options.js';
import type { CommandSpec } from './spec.js';

const positiveMs = (flag: string): ((v: string) => number) => positive(flag, 'milliseconds');

/** `kafkajs, mqtt and 3 more` from `name (imported by file)` entries. */
function missingNames(missing: string[]): string {
  const names = [...new Set(missing.map((x) => x.split(' ')[0]!.split('/').slice(0, x.startsWith('@') ? 2 : 1).join('/')))];
  return `${names.slice(0, 4).join(', ')}${names.length > 4 ? ` and ${names.length - 4} more` : ''}`;
}

interface BuildCliOptions {
  out?: string;
  engine: string;
  ready?: string;
  warmup?: string;
  node: string;
  sea?: boolean;
  bundlePackages?: boolean;
  minifyPackages?: boolean;
  rehash?: boolean;
  /** A file of more requests, or false for --no-verify. */
  verify?: string | false;
  nodeFlags?: string;
  settleMs?: number;
  drainMs?: number;
  include?: string[];
}

export const buildCommand: CommandSpec<BuildCliOptions> = {
  name: 'build',
  args: '[entry] [command...]',
  summary: 'checkpoint an app after init and warm-up into an image directory that starts restored',
  help: `The image directory holds manifest.json, the V8 snapshot (mode 0600), the bundle, and an
executable \`start\` that restores the app with only the recorded Node binary. The app runs its
init inside the snapshot builder; node:http/https/http2/tls and fetch are deferred until
restore, and a server created during the build listens after restore on the restored
process's PORT. Warm-up requests ({method, path, headers?, body?, repeat?}) are served by the
app's own handler in memory before the checkpoint; a 5xx answer fails the build.

Before the image is kept, thaw verifies it: the image is started restored and the app cold
(twice, each cold start given the same warm-up over HTTP), the warm-up's GET/HEAD requests
and those of --verify FILE.json (GET / when there are none) go to all three, and status,
content type and body must agree. Values that differ between the two cold starts too (ids,
timestamps, nonces) are shown, not failed. A difference fails the build and no image is kept.

With --engine vm, thaw checkpoints any server (Java included) inside a QEMU microVM instead:
the command after -- runs in a guest built from the host's kernel, busybox and the command's
runtime (Node and its libraries; a jlink'd JDK; for any other command the program as found on
PATH, its libraries, its #! interpreter and, for python/perl/ruby, the library tree the
interpreter reports, the paths the command names and a small working directory; --include
PATH for anything else), listening on $PORT (8080) and $HOST (0.0.0.0) inside; once GET --ready (default: the first GET of the warm-up, else /) answers
2xx and the warm-up requests are served over the network, the VM is checkpointed. IMG/start
restores it on $PORT, IMG/boot boots the same guest cold. Needs qemu-system-x86,
linux-image-amd64, busybox-static, xz-utils, gcc and libc6-dev (and a JDK for Java).

Examples:
  thaw build server.js -o img && img/start
  thaw build --engine vm -o img --warmup warmup.json -- node server.js
  thaw build --engine vm -o img --ready /hello -- java -jar app.jar
  thaw build --engine vm -o img -- python3 -m http.server 8080
  thaw build --engine vm -o img --include /etc/app.toml -- ./server
  thaw build src/main.ts -o img --warmup warmup.json --node ~/.nvm/versions/node/v24/bin/node
  thaw build server.js -o img --sea     # img/start is a single executable with Node inside
  thaw build server.js -o img --node-flags --perf-basic-prof   # restores profile with JS names`,
  options: [
    { flags: '-o, --out <dir>', description: 'image directory to write (replaced atomically)' },
    { flags: '--engine <engine>', description: 'v8 (a V8 startup snapshot of a Node app) or vm (a QEMU microVM snapshot of any server: thaw build --engine vm -o IMG -- COMMAND…)', default: 'v8' },
    { flags: '--ready <path>', description: 'vm engine: the path probed until 2xx before the warm-up and the checkpoint' },
    { flags: '--include <path>', description: "vm engine: a host file or directory to mirror into the guest at the same path, besides what thaw finds (config, data, a venv); repeatable", repeat: true },
    { flags: '--warmup <file.json>', description: 'warm-up requests served before the checkpoint (in memory; over the network with --engine vm)' },
    { flags: '--node <path>', description: 'Node binary to build with (and to restore with)', default: process.execPath },
    { flags: '--sea', description: 'make IMG/start a single executable holding Node and the snapshot' },
    { flags: '--bundle-packages', description: "bundle every package the app can reach into the image, instead of loading the app's CommonJS packages from node_modules as Node does (only what runs is kept; the rest loads after restore)" },
    { flags: '--minify-packages', description: "hand V8 the app's packages and its bundle whitespace-minified (the default; names kept; stack traces still name the original lines): a smaller snapshot that restores with less CPU; toString() of their functions shows the minified text" },
    { flags: '--no-minify-packages', description: "hand V8 the app's packages and bundle as written (toString() of their functions returns their text with comments and layout)" },
    { flags: '--rehash', description: "give every restore its own V8 hash seed, as a cold start has (V8 then rehashes the snapshot's tables at each start: ~10 ms of a ts-service restore); without it the restores of an image share one seed, drawn at random by its build (Node 22 and later)" },
    { flags: '--verify <file.json>', description: 'more requests (warm-up format) to compare restored vs cold before the image is kept' },
    { flags: '--no-verify', description: 'keep the image without starting it restored and cold to compare their answers' },
    { flags: '--node-flags <flags>', description: 'Node/V8 flags for the build and every restore, e.g. "--perf-basic-prof" (V8 restores only under the flags that built it)' },
    { flags: '--settle-ms <ms>', description: 'how long init may sit unchanged with open handles before warm-up starts anyway', parse: positiveMs('--settle-ms') },
    { flags: '--drain-ms <ms>', description: 'how long handles may stay open after beforeCheckpoint before the build fails', parse: positiveMs('--drain-ms') },
  ],
  async run([entry, ...more], opts, rest) {
    const { ThawError } = await import('../errors.js');
    if (opts.engine === 'vm') return buildVm(rest.length ? rest : [entry, ...more].filter((x): x is string => !!x), opts);
    if (opts.engine !== 'v8') throw new ThawError('E_USAGE', `--engine ${opts.engine} is not an engine thaw has`, { hint: '--engine v8 (default) or --engine vm' });
    // (Worded as commander words a missing argument: the entry is optional only for --engine vm.)
    if (!entry) throw new ThawError('E_USAGE', "missing required argument 'entry'", { hint: 'thaw build --help shows the usage' });
    if (more.length) throw new ThawError('E_USAGE', `thaw build takes one entry, not ${[entry, ...more].join(' ')}`, { hint: `arguments for a command are for --engine vm: thaw build --engine vm -o img -- ${[entry, ...more].join(' ')}` });
    if (opts.ready !== undefined) throw new ThawError('E_USAGE', '--ready is for --engine vm', { hint: 'the V8 engine serves the warm-up in memory; drop --ready' });
    if (opts.include?.length) throw new ThawError('E_USAGE', '--include is for --engine vm', { hint: 'the V8 engine bundles what the app imports; drop --include' });
    if (!opts.out) throw new ThawError('E_USAGE', 'thaw build needs -o IMG, the image directory to write', { hint: `thaw build ${entry} -o img` });
    const p = progressLine();
    const r = await buildImage({ entry: entry!, out: opts.out, warmupFile: opts.warmup, node: opts.node, sea: opts.sea, bundlePackages: opts.bundlePackages, minifyPackages: opts.minifyPackages, rehash: opts.rehash, v8Flags: opts.nodeFlags ? String(opts.nodeFlags).split(/\s+/).filter(Boolean) : undefined, settleMs: opts.settleMs, drainMs: opts.drainMs, verify: opts.verify !== false, verifyFile: typeof opts.verify === 'string' ? opts.verify : undefined, progress: p.say }).finally(p.done);
    const m = r.manifest;
    const img = relative(process.cwd(), r.dir) || '.';
    const statuses = Object.entries(m.warmup.statuses).map(([s, n]) => `${n}×${s}`).join(' ');
    const lines = [
      `thaw: built ${img}/ from ${relative(process.cwd(), m.entry)} with Node ${m.node.version}${m.sea ? ' (single executable)' : ''}`,
      `  ${m.sea ? 'single executable (Node and the snapshot)' : 'snapshot'} ${formatBytes(m.blob.bytes)}, bundle ${formatBytes(m.bundle.bytes)}; init ${m.timings.initMs} ms, build ${m.timings.snapshotMs} ms`,
      m.warmup.requests ? `  warm-up: ${m.warmup.requests} request(s) (${statuses}) in ${m.warmup.ms} ms` : '  warm-up: none (pass --warmup FILE.json to warm lazy paths into the snapshot)',
    ];
    const clientErrors = r.report.warmup.filter((w) => w.status >= 400 && w.status < 500);
    if (clientErrors.length) {
      const shown = [...new Map(clientErrors.map((w) => [`${w.method} ${w.path}`, `${w.method} ${w.path} → ${w.status}`])).values()];
      lines.push(`  warning: ${clientErrors.length} warm-up request(s) answered 4xx (${shown.slice(0, 3).join(', ')}${shown.length > 3 ? ', …' : ''}): they warmed an error page, not the route; check their paths in the warm-up file`);
    }
    const deferred = Object.keys(m.deferred);
    if (deferred.length) lines.push(`  deferred until restore: ${deferred.map((d) => (d === 'globalThis' ? 'fetch globals' : `node:${d}`)).join(', ')}`);
    if (m.envRead.length) lines.push(`  env read during the build (values baked in): ${m.envRead.slice(0, 12).join(', ')}${m.envRead.length > 12 ? ` and ${m.envRead.length - 12} more (thaw doctor lists them)` : ''}`);
    const draws = initDrawsLine(r.report, () => new StackMapper(join(r.dir, 'bundle.cjs')));
    if (draws) lines.push(`  ${draws}`);
    if (r.report.filesRead.length) lines.push(`  files read during the build (contents baked in; rebuild after editing them): ${r.report.filesRead.slice(0, 4).map((f) => relative(process.cwd(), f) || f).join(', ')}${r.report.filesRead.length > 4 ? ` and ${r.report.filesRead.length - 4} more (thaw doctor lists them)` : ''}`);
    if (r.report.runtimeRequires.length) lines.push(`  loaded by a computed require during the build: ${[...new Set(r.report.runtimeRequires.map((x) => x.request))].join(', ')}`);
    if (r.report.reopened.length) lines.push(`  reopened in every restore (append-mode streams): ${r.report.reopened.map((f) => relative(process.cwd(), f) || f).join(', ')}`);
    if (r.missing.length) lines.push(`  not installed, fail only if reached (as under node): ${missingNames(r.missing)}`);
    // The same notes thaw doctor prints (snapshot/diagnose.ts).
    for (const n of buildNotes(r.report, m.notes)) lines.push(`  note: ${n}`);
    const v = r.verified;
    if (v && 'skipped' in v) lines.push(`  verify: skipped, ${v.skipped}`);
    else if (v) {
      const vol = v.volatile.length ? `; ${v.volatile.reduce((n, x) => n + x.values, 0)} value(s) in ${v.volatile.length} answer(s) differ as between two cold starts (${v.volatile.slice(0, 2).map((x) => x.request).join(', ')})` : '';
      const uns = v.unstable.length ? `; ${v.unstable.length} answer(s) vary in shape between cold starts (status and type compared)` : '';
      lines.push(`  verified: ${v.compared} request(s) (${v.what}) answered alike restored and cold${vol}${uns}`);
    }
    lines.push(`  start it: ${img}/start   (or: thaw run ${img})`);
    process.stdout.write(lines.join('\n') + '\n');
  },
};

/** `thaw build --engine vm -o IMG [--warmup FILE] [--ready PATH] -- COMMAND…` */
async function buildVm(command: string[], opts: BuildCliOptions): Promise<void> {
  const { ThawError } = await import('../errors.js');
  if (!command.length) throw new ThawError('E_USAGE', 'thaw build --engine vm needs the command that starts the server, after --', { hint: 'thaw build --engine vm -o img -- node server.js   (or -- java -jar app.jar)' });
  if (!opts.out) throw new ThawError('E_USAGE', 'thaw build --engine vm needs -o IMG, the image directory to write', { hint: `thaw build --engine vm -o img -- ${command.join(' ')}` });
  for (const [flag, set] of [['--sea', opts.sea], ['--bundle-packages', opts.bundlePackages], ['--minify-packages', opts.minifyPackages], ['--rehash', opts.rehash], ['--node-flags', opts.nodeFlags], ['--verify', typeof opts.verify === 'string'], ['--settle-ms', opts.settleMs], ['--drain-ms', opts.drainMs]] as const) {
    if (set) throw new ThawError('E_USAGE', `${flag} is for the V8 engine, not --engine vm`, { hint: `drop ${flag}` });
  }
  const { buildVmImage } = await import('../vm/build.js');
  const p = progressLine();
  const r = await buildVmImage({ command, out: opts.out, warmupFile: opts.warmup, ready: opts.ready, include: opts.include, progress: p.say }).finally(p.done);
  const m = r.manifest;
  const rel = relative(process.cwd(), r.dir) || '.';
  const img = rel.startsWith('..') ? r.dir : rel;
  const statuses = Object.entries(m.warmup.statuses).map(([s, n]) => `${n}×${s}`).join(' ');
  process.stdout.write(
    [
      `thaw: built ${img}/ (microVM) from \`${command.join(' ')}\` (${m.runtime === 'java' ? `Java, JDK modules ${m.guest.javaModules?.join(', ')}` : m.runtime === 'node' ? 'Node' : `${basename(command[0]!)} and what it needs, mirrored from the host`})`,
      `  accelerator: ${m.accel.kind.toUpperCase()} (${m.accel.why}); QEMU ${m.qemu.version}, ${m.machine.memMiB} MiB, ${m.machine.cpus} vCPU`,
      `  guest ${r.cachedGuest ? 'from the cache' : `assembled in ${(m.timings.assembleMs / 1000).toFixed(1)} s`} (initramfs ${formatBytes(m.bytes.initrd)}); cold boot to GET ${m.ready}: ${(m.timings.bootMs / 1000).toFixed(1)} s`,
      m.warmup.requests ? `  warm-up: ${m.warmup.requests} request(s) (${statuses}) in ${m.warmup.ms} ms` : '  warm-up: none (pass --warmup FILE.json to warm lazy paths before the checkpoint)',
      `  snapshot: RAM ${formatBytes(m.bytes.ramAllocated)} on disk (of ${formatBytes(m.bytes.ram)}), device state ${formatBytes(m.bytes.state)}, in ${m.timings.snapshotMs} ms`,
      m.workingSet
        ? `  working set: ${m.workingSet.pages} pages loaded by a restore until it answered (${formatBytes(m.workingSet.pages * 4096)}, ${img}/pages.log): ${img}/start --prefetch copies them first`
        : '  working set: not recorded (the page server could not run here)',
      m.guestPages
        ? `  guest page map: ${m.guestPages.processes} process(es), ${m.guestPages.pages} present pages at the checkpoint (${img}/guest-pages.json${m.guestPages.nmt?.length ? `, NMT of JVM ${m.guestPages.nmt.join(', ')}` : ''}): thaw pages trace --image ${img} names the mapping of every page a restore loads`
        : '  guest page map: not taken (traces of this image name no mapping)',
      ...r.notes.map((n) => `  note: ${n}`),
      `  start it: PORT=8080 ${img}/start   (or: thaw run ${img}); cold boot: ${img}/boot`,
    ].filter(Boolean).join('\n') + '\n',
  );
}
