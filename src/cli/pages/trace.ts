/** `thaw pages trace`: every page fault of a command's start, then its map. */
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { writeAtomic } from '../../io.js';
import { basename, join, resolve } from 'node:path';
import { ThawError } from '../../errors.js';
import { serializeMemMapping, traceToJson } from '../../model/pages-format.js';
import { attributedShare } from '../../model/faults.js';
import { formatSummary, summarize } from '../../model/pages-summary.js';
import { tracePageFaults } from '../../pages/trace.js';
import { run } from '../../launch/spawn.js';
import { positive } from '../options.js';
import { imageLauncher } from '../../image/launcher.js';
import { isVmImage, traceVmRestore } from '../../vm/trace.js';
import type { CommandSpec } from '../spec.js';
import { progress, progressDone } from './shared.js';

const parseSeconds = positive('--timeout', 'seconds');

interface TraceOptions {
  out?: string;
  name?: string;
  image?: string;
  /** The probe URL, or false for --no-ready. */
  ready: string | false;
  timeout: number;
  dropCaches?: boolean;
  json?: boolean;
}

export const traceCmd: CommandSpec<TraceOptions> = {
  name: 'trace',
  args: '[command...]',
  summary: 'record every page fault of a command from its start until it is ready or exits, then snapshot its map',
  help: [
    'Runs COMMAND under `perf record` (page-fault tracepoints with addresses, major faults), with PORT set to a',
    'free port, and probes GET http://127.0.0.1:$PORT/ until 2xx (as thaw bench). When it is ready (or when',
    'it exits, for commands that are not servers) the trace is written to DIR/NAME.json:',
    '  { faults: [{ time (ms), addr, page, access, major, pid, tid, mapping, category, physAddr }…] }',
    'in time order, with the page map at readiness; the map also goes to DIR/NAME.mem_mapping.txt.',
    'Examples:  thaw pages trace -o out -- node server.js',
    '           thaw pages trace -o out --no-ready -- node -e "Buffer.alloc(16<<20, 1)"',
    '           thaw pages trace -o out --image IMG          (a thaw restore: runs IMG/start)',
    'A VM image (thaw build --engine vm) is traced through its page server instead of perf: IMG/start',
    '--page-log DIR/NAME.uffd.log restores it, and the trace holds every guest-physical page the restore',
    'loaded until the probe answered (arguments after -- go to IMG/start, e.g. -- --prefetch FILE), each named',
    "by the guest's page map taken at the checkpoint (IMG/guest-pages.json: the guest process and mapping that",
    "held the page, and a JVM's NMT region; else the kernel image, or guest kernel/other); the map goes into the JSON.",
  ].join('\n'),
  passThrough: true,
  options: [
    { flags: '-o, --out <dir>', description: 'output directory' },
    { flags: '--name <name>', description: 'file name stem (default: the command name, or the image name)' },
    { flags: '--image <img>', description: 'trace a thaw restore: run IMG/start' },
    { flags: '--ready <url>', description: 'readiness probe URL ($PORT is the run\'s port)', default: 'http://127.0.0.1:$PORT/' },
    { flags: '--no-ready', description: 'no probe: trace until the command exits' },
    { flags: '--timeout <seconds>', description: 'give up after this long', default: 60, parse: parseSeconds },
    { flags: '--drop-caches', description: 'sync and drop the page cache first (root), so file pages fault in as major faults' },
    { flags: '--json', description: 'print a JSON summary (files, counts, attribution) on stdout' },
  ],
  async run(args, opts, rest) {
    if (!opts.out) throw new ThawError('E_USAGE', 'thaw pages trace needs -o DIR', { hint: 'thaw pages trace -o DIR -- COMMAND…' });
    let argv = rest.length ? rest : args;
    let name = opts.name;
    if (opts.image && isVmImage(resolve(opts.image))) return traceVm(resolve(opts.image), opts, rest.length ? rest : args);
    if (opts.image) {
      const img = resolve(opts.image);
      const startPath = imageLauncher(img);
      if (!startPath) throw new ThawError('E_IMAGE_MISSING', `${img} is not a thaw image (not a directory)`, { hint: `build one with: thaw build ENTRY -o ${opts.image}` });
      argv = [startPath, ...argv];
      name ??= basename(img);
    }
    if (argv.length === 0) throw new ThawError('E_USAGE', 'no command to trace', { hint: 'thaw pages trace -o DIR -- node server.js' });
    name ??= basename(argv[0]!).replace(/[^A-Za-z0-9._-]/g, '_') || 'trace';
    const dir = resolve(opts.out);
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new ThawError('E_USAGE', `-o ${dir} exists and is not a directory`);
    mkdirSync(dir, { recursive: true });
    const ready = opts.ready === false ? null : { url: opts.ready };
    if (opts.dropCaches) {
      // Documentation/admin-guide/sysctl/vm.rst: 3 frees the page cache and slab objects.
      try {
        await run(['sync'], { timeoutMs: 60_000 });
        writeFileSync('/proc/sys/vm/drop_caches', '3\n');
      } catch (e) {
        throw new ThawError('E_DROP_CACHES', `cannot drop caches: ${(e as Error).message}`, { hint: 'run as root, or leave out --drop-caches' });
      }
    }
    const r = await tracePageFaults({ argv, name, workDir: dir, ready, timeoutMs: opts.timeout * 1000, progress });
    progressDone();
    const summary = summarize(r.map, r.trace, r.nmt);
    const jsonPath = join(dir, `${name}.json`);
    writeAtomic(jsonPath, JSON.stringify(traceToJson(r.trace, r.map, { summary, nmt: r.nmt.length ? r.nmt : undefined })));
    const files = [jsonPath];
    if (r.map) {
      const txt = join(dir, `${name}.mem_mapping.txt`);
      writeAtomic(txt, serializeMemMapping(r.map));
      files.push(txt);
    }
    const share = attributedShare(r.trace);
    const end = r.trace.readyMs !== undefined ? `ready at ${r.trace.readyMs.toFixed(1)} ms (${r.afterReady} later faults left out)` : `exited with ${r.exitStatus}`;
    const majors = r.trace.faults.filter((f) => f.major).length;
    if (opts.json) {
      process.stdout.write(JSON.stringify({ files, name, faults: r.trace.faults.length, majorFaults: majors, readyMs: r.trace.readyMs, exitStatus: r.exitStatus, attributed: share, summary }, null, 2) + '\n');
    } else {
      process.stdout.write(formatSummary(summary) + '\n');
    }
    process.stderr.write(`thaw pages: ${r.trace.faults.length} faults (${majors} major), ${end}, ${(share * 100).toFixed(1)}% attributed; wrote ${files.join(', ')}\n`);
  },
};


/** A VM image: the restore's page-server log is the trace (no perf, no host page map). */
async function traceVm(img: string, opts: TraceOptions, args: string[]): Promise<void> {
  if (opts.ready === false) throw new ThawError('E_USAGE', '--no-ready does not apply to a VM image: its server runs until stopped', { hint: 'give --ready URL, or leave it out (GET /)' });
  if (opts.dropCaches) throw new ThawError('E_USAGE', '--drop-caches does not apply to a VM image: its RAM comes from the page server, not the page cache', { hint: 'leave out --drop-caches' });
  const name = opts.name ?? basename(img);
  const dir = resolve(opts.out!);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new ThawError('E_USAGE', `-o ${dir} exists and is not a directory`);
  const created = !existsSync(dir);
  mkdirSync(dir, { recursive: true });
  const log = join(dir, `${name}.uffd.log`);
  const r = await traceVmRestore({ img, name, log, ready: { url: opts.ready }, timeoutMs: opts.timeout * 1000, args, progress }).catch((e: unknown) => {
    if (created) rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  progressDone();
  const summary = summarize(r.map, r.trace, r.nmt);
  const jsonPath = join(dir, `${name}.json`);
  writeAtomic(jsonPath, JSON.stringify(traceToJson(r.trace, r.map, { summary, nmt: r.nmt.length ? r.nmt : undefined })));
  const files = [jsonPath, log];
  const loaded = r.trace.faults.filter((f) => f.action === 'load').length;
  const prefetched = r.trace.faults.filter((f) => f.prefetch).length;
  if (opts.json) {
    process.stdout.write(JSON.stringify({ files, name, faults: r.trace.faults.length, loaded, prefetched, readyMs: r.trace.readyMs, attributed: attributedShare(r.trace), summary }, null, 2) + '\n');
  } else {
    process.stdout.write(formatSummary(summary) + '\n');
  }
  process.stderr.write(`thaw pages: ${r.trace.faults.length} guest pages served (${loaded} loaded from the snapshot, ${r.trace.faults.length - loaded} zero${prefetched ? `, ${prefetched} prefetched` : ''}), ${r.trace.readyMs !== undefined ? `ready at ${r.trace.readyMs.toFixed(1)} ms (${r.afterReady} later pages left out)` : 'until stopped'}, ${r.map ? `${(attributedShare(r.trace) * 100).toFixed(1)}% named by the guest's page map` : 'no guest page map in the image (rebuild it to name pages)'}; wrote ${files.join(', ')}\n`);
}
