import { join, relative } from 'node:path';
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
  warmup?: string;
  node: string;
  sea?: boolean;
  bundlePackages?: boolean;
  /** A file of more requests, or false for --no-verify. */
  verify?: string | false;
  nodeFlags?: string;
  settleMs?: number;
  drainMs?: number;
}

export const buildCommand: CommandSpec<BuildCliOptions> = {
  name: 'build',
  args: '<entry>',
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

Examples:
  thaw build server.js -o img && img/start
  thaw build src/main.ts -o img --warmup warmup.json --node ~/.nvm/versions/node/v24/bin/node
  thaw build server.js -o img --sea     # img/start is a single executable with Node inside
  thaw build server.js -o img --node-flags --perf-basic-prof   # restores profile with JS names`,
  options: [
    { flags: '-o, --out <dir>', description: 'image directory to write (replaced atomically)' },
    { flags: '--warmup <file.json>', description: 'warm-up requests served in memory before the checkpoint' },
    { flags: '--node <path>', description: 'Node binary to build with (and to restore with)', default: process.execPath },
    { flags: '--sea', description: 'make IMG/start a single executable holding Node and the snapshot' },
    { flags: '--bundle-packages', description: "bundle every package the app can reach into the image, instead of loading the app's CommonJS packages from node_modules as Node does (only what runs is kept; the rest loads after restore)" },
    { flags: '--verify <file.json>', description: 'more requests (warm-up format) to compare restored vs cold before the image is kept' },
    { flags: '--no-verify', description: 'keep the image without starting it restored and cold to compare their answers' },
    { flags: '--node-flags <flags>', description: 'Node/V8 flags for the build and every restore, e.g. "--perf-basic-prof" (V8 restores only under the flags that built it)' },
    { flags: '--settle-ms <ms>', description: 'how long init may sit unchanged with open handles before warm-up starts anyway', parse: positiveMs('--settle-ms') },
    { flags: '--drain-ms <ms>', description: 'how long handles may stay open after beforeCheckpoint before the build fails', parse: positiveMs('--drain-ms') },
  ],
  async run([entry], opts) {
    if (!opts.out) throw new (await import('../errors.js')).ThawError('E_USAGE', 'thaw build needs -o IMG, the image directory to write', { hint: `thaw build ${entry} -o img` });
    const p = progressLine();
    const r = await buildImage({ entry: entry!, out: opts.out, warmupFile: opts.warmup, node: opts.node, sea: opts.sea, bundlePackages: opts.bundlePackages, v8Flags: opts.nodeFlags ? String(opts.nodeFlags).split(/\s+/).filter(Boolean) : undefined, settleMs: opts.settleMs, drainMs: opts.drainMs, verify: opts.verify !== false, verifyFile: typeof opts.verify === 'string' ? opts.verify : undefined, progress: p.say }).finally(p.done);
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
