import { ThawError } from '../errors.js';
import { describeBadInput, foldFile } from '../profile/fold-stream.js';
import { wholeNumber } from './options.js';
import { progressLine } from './progress.js';
import type { CommandSpec } from './spec.js';

interface FoldOptions {
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
