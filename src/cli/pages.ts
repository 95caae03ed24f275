import { existsSync, mkdirSync, renameSync, statSync, writeFileSync, accessSync, constants as fsConstants } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ThawError } from '../errors.js';
import type { PageMap } from '../model/pages.js';
import { pageMapToJson, serializeMemMapping, traceToJson } from '../model/pages-format.js';
import { attributedShare } from '../model/faults.js';
import { formatSummary, summarize } from '../model/pages-summary.js';
import { allPids, snapshot, type PageCacheMode } from '../pages/snapshot.js';
import { tracePageFaults } from '../pages/trace.js';
import { run } from '../launch/spawn.js';
import { buildHtml, loadInputs, panelsFrom, serve } from '../pages/view.js';
import type { CommandSpec } from './spec.js';

const progress = (msg: string): void => {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${msg}`);
};
const progressDone = (): void => {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
};

/** Write through a temporary file and rename, so a failure leaves nothing half-written. */
function writeAtomic(path: string, data: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function parsePid(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new ThawError('E_USAGE', `not a pid: ${JSON.stringify(v)}`, { hint: 'give process ids as numbers, or --all' });
  return n;
}

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

function describeMap(map: PageMap): string {
  const procs = map.owners.filter((o) => o.pid > 0);
  const pages = procs.reduce((s, o) => s + o.vaddr.length, 0);
  const kernel = map.owners.find((o) => o.pid === 0)?.vaddr.length;
  const cache = map.owners.find((o) => o.pid === -1)?.vaddr.length;
  return `${procs.length} process(es), ${pages} present pages (${mb(pages * map.pageSize)})` + (kernel !== undefined ? `, kernel ${kernel} pages` : '') + (cache !== undefined ? `, page cache ${cache} pages` : '');
}

const snapshotCmd: CommandSpec = {
  name: 'snapshot',
  args: '[pids...]',
  summary: 'write the page map of processes (fireCRaCer mem_mapping text, or JSON for *.json)',
  help: [
    'Per process `= PID exe`, a `v START END NAME` line per /proc/PID/maps line, a `p VADDR PADDR EXCL SHARED`',
    'line per present page; then `= 0 kernel` (kernel code/rodata/data/bss from /proc/iomem with kpageflags)',
    'and `= -1 pagecache` (physical pages backed by files). Physical addresses need root.',
    'Examples:  thaw pages snapshot 1234 -o mem_mapping.txt      thaw pages snapshot --all -o all.json',
  ].join('\n'),
  options: [
    { flags: '-o, --out <file>', description: 'output file (.json: compact JSON; anything else: mem_mapping text)' },
    { flags: '--all', description: 'every user process (as fireCRaCer mem_mapping.sh)' },
    { flags: '--no-kernel', description: 'leave out the kernel section' },
    { flags: '--pagecache <mode>', description: 'page cache section: all (scan every physical page), mapped (pages the processes map), none', default: 'all' },
    { flags: '--summary', description: 'print the attribution table (category, RSS, shared, page cache) on stdout' },
  ],
  async run(args, opts) {
    if (!opts.out) throw new ThawError('E_USAGE', 'thaw pages snapshot needs -o FILE', { hint: 'thaw pages snapshot PID -o mem_mapping.txt' });
    const mode = String(opts.pagecache) as PageCacheMode;
    if (!['all', 'mapped', 'none'].includes(mode)) throw new ThawError('E_USAGE', `--pagecache ${mode}: expected all, mapped or none`);
    const pids = opts.all ? allPids() : args.map(parsePid);
    if (pids.length === 0) throw new ThawError('E_USAGE', 'no process given', { hint: 'thaw pages snapshot PID… -o FILE, or --all' });
    if (process.getuid?.() !== 0) process.stderr.write('thaw pages: not root: physical addresses read as 0 and kpageflags is unreadable (run as root for a physical view)\n');
    const map = snapshot(pids, { kernel: opts.kernel !== false && process.getuid?.() === 0, pagecache: process.getuid?.() === 0 ? mode : 'none', skipGone: !!opts.all, progress });
    progressDone();
    const out = String(opts.out);
    writeAtomic(out, out.endsWith('.json') ? JSON.stringify(pageMapToJson(map)) : serializeMemMapping(map));
    process.stderr.write(`thaw pages: wrote ${out}: ${describeMap(map)}\n`);
    if (opts.summary) process.stdout.write(formatSummary(summarize(map)) + '\n');
  },
};

function parseSeconds(v: string): number {
  const n = Number(v);
  if (!(n > 0)) throw new ThawError('E_USAGE', `--timeout ${v}: expected seconds > 0`);
  return n;
}

const traceCmd: CommandSpec = {
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
    let name = opts.name as string | undefined;
    if (opts.image) {
      const img = resolve(String(opts.image));
      const startPath = join(img, 'start');
      try {
        accessSync(startPath, fsConstants.X_OK);
      } catch {
        throw new ThawError('E_IMAGE_MISSING', `${img} is not a thaw image (no executable ${startPath})`, { hint: `build one with: thaw build ENTRY -o ${opts.image}` });
      }
      argv = [startPath, ...argv];
      name ??= basename(img);
    }
    if (argv.length === 0) throw new ThawError('E_USAGE', 'no command to trace', { hint: 'thaw pages trace -o DIR -- node server.js' });
    name ??= basename(argv[0]!).replace(/[^A-Za-z0-9._-]/g, '_') || 'trace';
    const dir = resolve(String(opts.out));
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new ThawError('E_USAGE', `-o ${dir} exists and is not a directory`);
    mkdirSync(dir, { recursive: true });
    const ready = opts.ready === false ? null : { url: String(opts.ready) };
    if (opts.dropCaches) {
      // Documentation/admin-guide/sysctl/vm.rst: 3 frees the page cache and slab objects.
      try {
        await run(['sync'], { timeoutMs: 60_000 });
        writeFileSync('/proc/sys/vm/drop_caches', '3\n');
      } catch (e) {
        throw new ThawError('E_DROP_CACHES', `cannot drop caches: ${(e as Error).message}`, { hint: 'run as root, or leave out --drop-caches' });
      }
    }
    const r = await tracePageFaults({ argv, name, workDir: dir, ready, timeoutMs: Number(opts.timeout) * 1000, progress });
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

const viewCmd: CommandSpec = {
  name: 'view',
  args: '<files...>',
  summary: 'show page maps and fault traces in the browser page visualizer (served on localhost, or --export one HTML file)',
  help: [
    'FILES: mem_mapping text (thaw pages snapshot, fireCRaCer mem_mapping.sh), uffd handler logs, trace JSON',
    '(thaw pages trace), `jcmd PID VM.native_memory detail` output. Each trace becomes a panel (two play',
    'side by side), paired with its own snapshot or the page map given before it.',
    'Examples:  thaw pages view mem_mapping.txt uffd.log nmt.txt --export restore.html',
    '           thaw pages view out/cold.json out/restore.json',
  ].join('\n'),
  options: [
    { flags: '--export <out.html>', description: 'write one self-contained HTML file instead of serving' },
    { flags: '--port <n>', description: 'port to serve on (0: any free one)', default: '0' },
  ],
  async run(files, opts) {
    const { html, problems, view } = await buildHtml(files);
    for (const p of problems.slice(0, 20)) process.stderr.write(`thaw pages: warning: ${p}\n`);
    if (problems.length > 20) process.stderr.write(`thaw pages: warning: … ${problems.length - 20} more unreadable lines\n`);
    if (opts.export) {
      const out = String(opts.export);
      writeAtomic(out, html);
      const faults = view.panels.reduce((s, p) => s + (p.faults?.count ?? 0), 0);
      process.stderr.write(`thaw pages: wrote ${out} (${view.panels.length} panel(s), ${faults} faults, ${mb(html.length)})\n`);
      return;
    }
    const port = Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ThawError('E_USAGE', `--port ${opts.port}: expected 0..65535`);
    const s = await serve(html, port);
    process.stdout.write(`thaw pages view: ${s.url}  (Ctrl-C to stop)\n`);
    await new Promise<void>((done) => {
      process.once('SIGINT', () => {
        s.close();
        done();
      });
    });
  },
};

const summaryCmd: CommandSpec = {
  name: 'summary',
  args: '<files...>',
  summary: 'the attribution table: per process and category, virtual / RSS / touched / shared / page cache',
  help: [
    'FILES as for `thaw pages view`. With NMT output (`jcmd PID VM.native_memory detail`) the JVM\'s anonymous',
    'memory splits into java heap, metaspace, code cache, class data archive, stacks…',
    'Example:  thaw pages summary mem_mapping.txt uffd.log nmt.txt',
  ].join('\n'),
  options: [{ flags: '--json', description: 'print JSON ({ panels: [{ title, rows, totals }] }) instead of a table' }],
  async run(files, opts) {
    const { inputs, problems } = loadInputs(files);
    for (const p of problems.slice(0, 20)) process.stderr.write(`thaw pages: warning: ${p}\n`);
    const panels = panelsFrom(inputs, problems).map((p) => ({ title: p.title, ...summarize(p.map, p.trace, p.nmt) }));
    if (opts.json) process.stdout.write(JSON.stringify({ panels }, null, 2) + '\n');
    else process.stdout.write(panels.map((p) => (panels.length > 1 ? `${p.title}\n` : '') + formatSummary(p)).join('\n\n') + '\n');
  },
};

export const pagesCommand: CommandSpec = {
  name: 'pages',
  summary: 'memory page maps, page-fault traces of a start or restore, and the page visualizer',
  subcommands: [snapshotCmd, traceCmd, viewCmd, summaryCmd],
};
