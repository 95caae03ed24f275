/** `thaw pages snapshot`: the page map of live processes. */
import { writeAtomic } from '../../io.js';
import { ThawError } from '../../errors.js';
import type { PageMap } from '../../model/page-map.js';
import { pageMapToJson, serializeMemMapping } from '../../model/pages-format.js';
import { formatSummary, plural, summarize } from '../../model/pages-summary.js';
import { allPids, snapshot, type PageCacheMode } from '../../pages/capture.js';
import type { CommandSpec } from '../spec.js';
import { mb, progress, progressDone } from './shared.js';

function parsePid(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new ThawError('E_USAGE', `not a pid: ${JSON.stringify(v)}`, { hint: 'give process ids as numbers, or --all' });
  return n;
}

function describeMap(map: PageMap): string {
  const procs = map.owners.filter((o) => o.pid > 0);
  const pages = procs.reduce((s, o) => s + o.vaddr.length, 0);
  const kernel = map.owners.find((o) => o.pid === 0)?.vaddr.length;
  const cache = map.owners.find((o) => o.pid === -1)?.vaddr.length;
  return `${plural(procs.length, 'process', 'processes')}, ${plural(pages, 'present page')} (${mb(pages * map.pageSize)})` + (kernel !== undefined ? `, kernel ${kernel} pages` : '') + (cache !== undefined ? `, page cache ${cache} pages` : '');
}

interface SnapshotOptions {
  out?: string;
  all?: boolean;
  kernel: boolean;
  pagecache: string;
  summary?: boolean;
}

export const snapshotCmd: CommandSpec<SnapshotOptions> = {
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
    { flags: '--pagecache <mode>', description: 'page cache section: mapped (the file pages the processes map; the default), all (every file page in memory: scans all physical pages, seconds), none', default: 'mapped' },
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
    const out = opts.out;
    writeAtomic(out, out.endsWith('.json') ? JSON.stringify(pageMapToJson(map)) : serializeMemMapping(map));
    process.stderr.write(`thaw pages: wrote ${out}: ${describeMap(map)}\n`);
    if (opts.summary) process.stdout.write(formatSummary(summarize(map)) + '\n');
  },
};

