import { ThawError } from '../errors.js';
import { describeBadInput, foldFile } from '../profile/fold-stream.js';
import { wholeNumber } from './options.js';
import { progressLine } from './progress.js';
import type { CommandSpec } from './spec.js';

export interface FoldOptions {
  threads?: number;
  pid?: boolean;
  tid?: boolean;
  inline?: boolean;
  context?: boolean;
  srcline?: boolean;
  eventFilter?: string;
  kernel?: boolean;
  jit?: boolean;
  all?: boolean;
  addrs?: boolean;
}

export const foldCommand: CommandSpec<FoldOptions> = {
  name: 'fold',
  args: '<perf_script_txt>',
  summary: 'fold `perf script` text into folded stacks on stdout (the lines stackcollapse-perf.pl prints, faster)',
  help: [
    'Input: the text of `perf script -i perf.data` (or - for stdin), e.g. after',
    '  perf record -e cpu-clock -g -F 997 -- node --perf-basic-prof app.js',
    'Output: one `frame;frame;… weight` line per distinct stack, weighted by sample period.',
    'Unrecognised or truncated lines are skipped and reported on stderr with their line numbers.',
    'The options are stackcollapse-perf.pl\'s, with the same meaning; --pid and --tid need',
    '`perf script -F comm,pid,tid,cpu,time,event,ip,sym,dso,trace` output. --inline runs',
    'addr2line (binutils) on the binaries named in the input, so it needs those same files here.',
  ].join('\n'),
  options: [
    { flags: '--pid', description: 'include the PID with process names (comm-PID)' },
    { flags: '--tid', description: 'include the PID and TID with process names (comm-PID/TID)' },
    { flags: '--inline', description: 'un-inline frames of ELF files with addr2line' },
    { flags: '--context', description: 'with --inline: add file:line to each frame' },
    { flags: '--srcline', description: 'input is `perf script -F+srcline`: add each frame\'s source line' },
    { flags: '--event-filter <event>', description: 'keep samples of this event type (default: the first one seen)' },
    { flags: '--kernel', description: 'annotate kernel functions with _[k]' },
    { flags: '--jit', description: 'annotate JIT functions (from /tmp/perf-PID.map) with _[j]' },
    { flags: '--all', description: 'all annotations (--kernel --jit)' },
    { flags: '--addrs', description: 'include raw addresses where symbols cannot be found' },
    { flags: '--threads <n>', description: 'threads for large files (default: 1, or more for 128 MB+ files when whole cores sit idle; 1 = no workers)', parse: wholeNumber('--threads', 1) },
  ],
  async run([path], opts) {
    const line = progressLine('thaw fold');
    let last = 0;
    const collapse = { pid: opts.pid, tid: opts.tid, inline: opts.inline, context: opts.context, srcline: opts.srcline, eventFilter: opts.eventFilter, kernel: opts.kernel, jit: opts.jit, all: opts.all, addrs: opts.addrs };
    const { folder, stats } = await foldFile(path!, { threads: opts.threads, collapse, onProgress: (bytes, size) => {
      const now = Date.now();
      if (size === 0 || now - last < 200) return;
      last = now;
      line.say(`${Math.round((100 * bytes) / size)}% of ${(size / 1e6).toFixed(0)} MB`);
    } }).finally(line.done);
    if (stats.samples === 0 && stats.danglingSample) {
      throw new ThawError('E_FOLD_INPUT', `${path} ends inside its first perf sample (no blank line after it; ${stats.lines} lines): stackcollapse-perf.pl drops that sample, and so does thaw fold`, {
        hint: `end the file with a blank line: echo >> ${path}`,
      });
    }
    if (stats.samples === 0) {
      throw new ThawError('E_FOLD_INPUT', `${path} holds no perf samples (${stats.lines} lines, ${stats.badLines} unrecognised${stats.badSamples[0] ? `, first at line ${stats.badSamples[0].line}` : ''})`, {
        hint: 'give the text of `perf script -i perf.data` from a `perf record -g` capture',
      });
    }
    const lines = folder.lines();
    // Write in large latin1 blocks: bytes out are the bytes that came in.
    const out = process.stdout;
    const BLOCK = 1 << 20;
    let buf = '';
    for (const l of lines) {
      buf += l + '\n';
      if (buf.length >= BLOCK) {
        if (!out.write(Buffer.from(buf, 'latin1'))) await new Promise((r) => out.once('drain', r));
        buf = '';
      }
    }
    if (buf) out.write(Buffer.from(buf, 'latin1'));
    const warn = describeBadInput(path!, stats);
    if (warn) process.stderr.write(`thaw fold: ${warn.split('\n').join('\nthaw fold: ')}\n`);
    return 0;
  },
};

/**
 * `fold ARGS…` in its plain shapes (the path, then foldCommand's options, each at most once, as
 * `--flag`, `--opt value` or `--opt=value`) → what the full CLI would parse them into; null for
 * anything else (help, unknown or repeated options, a bad value, not one path), which the full
 * CLI then parses and answers. bin/thaw's fast start for `thaw fold` (fold-entry.ts) uses it.
 */
export function plainFoldArgs(argv: readonly string[]): { path: string; opts: FoldOptions } | null {
  if (argv[0] !== 'fold') return null;
  const specs = new Map<string, { key: string; takesValue: boolean; parse?: (v: string) => unknown }>();
  for (const o of foldCommand.options ?? []) {
    const m = /^--([a-z-]+)( <\w+>)?$/.exec(o.flags);
    if (!m) continue;
    specs.set(m[1]!, { key: m[1]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), takesValue: !!m[2], parse: o.parse });
  }
  const opts: Record<string, unknown> = {};
  let path: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) {
      if ((a.startsWith('-') && a !== '-') || path !== undefined) return null;
      path = a;
      continue;
    }
    const spec = specs.get(m[1]!);
    if (!spec || opts[spec.key] !== undefined) return null;
    if (!spec.takesValue) {
      if (m[2] !== undefined) return null;
      opts[spec.key] = true;
      continue;
    }
    const v = m[2] ?? argv[++i];
    if (v === undefined || v === '' || v.startsWith('-')) return null;
    try {
      opts[spec.key] = spec.parse ? spec.parse(v) : v;
    } catch {
      return null;
    }
  }
  return path === undefined ? null : { path, opts: opts as FoldOptions };
}

