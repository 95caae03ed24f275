import { relative } from 'node:path';
import { buildImage } from '../snapshot/build.js';
import { formatBytes, progressLine } from './progress.js';
import type { CommandSpec } from './spec.js';

const positiveMs = (flag: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} takes a positive number of milliseconds, not "${v}"`);
  return n;
};

export const build: CommandSpec = {
  name: 'build',
  args: '<entry>',
  summary: 'checkpoint an app after init and warm-up into an image directory that starts restored',
  help: `The image directory holds manifest.json, the V8 snapshot (mode 0600), the bundle, and an
executable \`start\` that restores the app with only the recorded Node binary. The app runs its
init inside the snapshot builder; node:http/https/http2/tls and fetch are deferred until
restore, and a server created during the build listens after restore on the restored
process's PORT. Warm-up requests ({method, path, headers?, body?, repeat?}) are served by the
app's own handler in memory before the checkpoint; a 5xx answer fails the build.

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
    { flags: '--node-flags <flags>', description: 'Node/V8 flags for the build and every restore, e.g. "--perf-basic-prof" (V8 restores only under the flags that built it)' },
    { flags: '--settle-ms <ms>', description: 'how long init may sit unchanged with open handles before warm-up starts anyway', parse: positiveMs('--settle-ms') },
    { flags: '--drain-ms <ms>', description: 'how long handles may stay open after beforeCheckpoint before the build fails', parse: positiveMs('--drain-ms') },
  ],
  async run([entry], opts) {
    if (!opts.out) throw new (await import('../errors.js')).ThawError('E_USAGE', 'thaw build needs -o IMG, the image directory to write', { hint: `thaw build ${entry} -o img` });
    const p = progressLine();
    const r = await buildImage({ entry: entry!, out: opts.out, warmupFile: opts.warmup, node: opts.node, sea: opts.sea, v8Flags: opts.nodeFlags ? String(opts.nodeFlags).split(/\s+/).filter(Boolean) : undefined, settleMs: opts.settleMs, drainMs: opts.drainMs, progress: p.say }).finally(p.done);
    const m = r.manifest;
    const img = relative(process.cwd(), r.dir) || '.';
    const statuses = Object.entries(m.warmup.statuses).map(([s, n]) => `${n}×${s}`).join(' ');
    const lines = [
      `thaw: built ${img}/ from ${relative(process.cwd(), m.entry)} with Node ${m.node.version}${m.sea ? ' (single executable)' : ''}`,
      `  snapshot ${formatBytes(m.blob.bytes)}, bundle ${formatBytes(m.bundle.bytes)}; init ${m.timings.initMs} ms, build ${m.timings.snapshotMs} ms`,
      m.warmup.requests ? `  warm-up: ${m.warmup.requests} request(s) (${statuses}) in ${m.warmup.ms} ms` : '  warm-up: none (pass --warmup FILE.json to warm lazy paths into the snapshot)',
    ];
    const deferred = Object.keys(m.deferred);
    if (deferred.length) lines.push(`  deferred until restore: ${deferred.map((d) => (d === 'globalThis' ? 'fetch globals' : `node:${d}`)).join(', ')}`);
    if (m.envRead.length) lines.push(`  env read during the build (values baked in): ${m.envRead.join(', ')}`);
    if (r.report.entropy.length) lines.push(`  warning: ${r.report.entropy.length} random value(s) drawn during the build are shared by every restore; see thaw doctor`);
    for (const n of m.notes) lines.push(`  note: ${n}`);
    lines.push(`  start it: ${img}/start   (or: thaw run ${img})`);
    process.stdout.write(lines.join('\n') + '\n');
  },
};
