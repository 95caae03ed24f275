import { existsSync, mkdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ThawError } from '../errors.js';
import { removeOnExit } from '../launch/spawn.js';
import { formatMetric } from '../profile/metric.js';
import { profileConfigs, type ProfileConfig } from '../profile/run.js';
import { namedCommand, positive, wholeNumber, wholeNumbers } from './options.js';
import { progressLine } from './progress.js';
import type { CommandSpec } from './spec.js';

const parseConfig = namedCommand({ test: /^(?!aggregate$)[\w.-]+$/, rule: 'a name is letters, digits, \'.\', \'_\' or \'-\' (and not "aggregate")' });
const parseFreqs = wholeNumbers('--freq', 'sampling rates in Hz', 1, 100_000);

interface ProfileCliOptions {
  out?: string;
  config?: ProfileConfig[];
  freq: string;
  runs: number;
  duration?: number;
  untilReady?: boolean;
  ready: string;
  timeout: number;
  keep?: boolean;
}

export const profileCommand: CommandSpec<ProfileCliOptions> = {
  name: 'profile',
  summary: 'profile configurations under perf with JIT symbols (Node, Java): folded stacks, flame graphs, diffs, coverage metric',
  help: [
    'Each configuration runs under `perf record -e cpu-clock -g` at each frequency, --runs times.',
    'Writes into DIR: NAME.folded and NAME.html per configuration, aggregate.folded/.html over all,',
    'NAME.diff.html (NAME against the aggregate) and metric.json (also printed as a table).',
    'Each run gets a free port in $PORT. COMMAND may be a thaw image directory.',
    'Examples:',
    '  thaw profile -o prof -c cold="node server.js" -c restored=out/img --until-ready --runs 3',
    '  thaw profile -o prof -c hot="java -cp . Hot" --freq 97,499,997',
  ].join('\n'),
  options: [
    { flags: '-o, --out <dir>', description: 'output directory' },
    { flags: '-c, --config <NAME=COMMAND>', description: 'a configuration (repeat)', repeat: true, parse: parseConfig },
    { flags: '--freq <list>', description: 'sampling frequencies in Hz, comma-separated', default: '997' },
    { flags: '--runs <n>', description: 'runs per configuration and frequency', default: 1, parse: wholeNumber('--runs', 1) },
    { flags: '--duration <seconds>', description: 'stop each run after this long (default: when the command exits)', parse: positive('--duration', 'seconds') },
    { flags: '--until-ready', description: 'stop each run once it answers HTTP 2xx (profiles startup)' },
    { flags: '--ready <url>', description: 'the readiness URL for --until-ready; $PORT is the run port', default: 'http://127.0.0.1:$PORT/' },
    { flags: '--timeout <seconds>', description: 'give up on a run after this long', default: 600, parse: positive('--timeout', 'seconds') },
    { flags: '--keep', description: 'keep perf.data and perf script text under DIR/raw' },
  ],
  async run(_args, opts) {
    const out = opts.out;
    const configs = opts.config ?? [];
    if (!out) throw new ThawError('E_USAGE', 'thaw profile needs -o DIR', { hint: 'thaw profile -o prof -c app="node app.js"' });
    if (configs.length === 0) throw new ThawError('E_USAGE', 'no configuration given', { hint: 'add -c NAME=COMMAND (repeat for each configuration)' });
    const names = new Set<string>();
    for (const c of configs) {
      if (names.has(c.name)) throw new ThawError('E_USAGE', `configuration ${c.name} is given twice`, { hint: 'give each -c a different NAME' });
      names.add(c.name);
    }
    if (opts.duration && opts.untilReady) throw new ThawError('E_USAGE', '--duration and --until-ready exclude each other', { hint: 'choose one way to stop a run' });
    parseFreqs(opts.freq);
    const createdOut = !existsSync(out);
    mkdirSync(out, { recursive: true });
    const raw = join(out, 'raw');
    mkdirSync(raw, { recursive: true });
    // Without --keep, perf's files are scratch: an interrupt or a failure takes them along.
    const forgetRaw = opts.keep ? () => undefined : removeOnExit(raw);
    // A directory thaw made for this run goes too if the run never finishes.
    const forgetOut = createdOut ? removeOnExit(out) : () => undefined;
    const line = progressLine('thaw profile');
    try {
      const freqs = parseFreqs(opts.freq);
      const runs = opts.runs;
      const r = await profileConfigs(configs, {
        freqs,
        runs,
        timeoutMs: opts.timeout * 1000,
        untilReady: opts.untilReady ? opts.ready : undefined,
        durationS: opts.duration,
        keep: Boolean(opts.keep),
        say: line.say,
        note: (m) => {
          line.done();
          process.stderr.write(`thaw profile: ${m.startsWith('warning:') ? m : `note: ${m}`}\n`);
        },
      }, out, raw).finally(line.done);
      process.stdout.write(formatMetric(r.metric) + '\n');
      if (freqs.length * runs > 1) {
        process.stdout.write('\ndistinct normalised stacks after each run (rates in order, runs within a rate)\n');
        for (const [name, g] of Object.entries(r.growth)) process.stdout.write(`  ${name}: ${g.join(' → ')}\n`);
      }
      process.stderr.write(`thaw profile: wrote ${r.written.length} files to ${out}\n`);
      return 0;
    } catch (e) {
      // Nothing half-written: every output file is renamed into place only at the end, so on
      // a failure only the directories thaw made may be left, and they go if empty.
      if (!opts.keep) rmSync(raw, { recursive: true, force: true });
      for (const d of createdOut ? [raw, out] : [raw]) {
        try {
          rmdirSync(d);
        } catch {
          /* not empty (--keep) or gone */
        }
      }
      throw e;
    } finally {
      forgetRaw();
      forgetOut();
    }
  },
};

