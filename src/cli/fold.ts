import { ThawError } from '../errors.js';
import { describeBadInput, foldFile } from '../profile/fold-stream.js';
import { wholeNumber } from './options.js';
import { progressLine } from './progress.js';
import type { CommandSpec } from './spec.js';

interface FoldOptions {
  threads?: number;
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
  ].join('\n'),
  options: [{ flags: '--threads <n>', description: 'threads for large files (default: the idle cores, i.e. cores minus the load average; 1 = no workers)', parse: wholeNumber('--threads', 1) }],
  async run([path], opts) {
    const line = progressLine('thaw fold');
    let last = 0;
    const { folder, stats } = await foldFile(path!, { threads: opts.threads, onProgress: (bytes, size) => {
      const now = Date.now();
      if (size === 0 || now - last < 200) return;
      last = now;
      line.say(`${Math.round((100 * bytes) / size)}% of ${(size / 1e6).toFixed(0)} MB`);
    } }).finally(line.done);
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
