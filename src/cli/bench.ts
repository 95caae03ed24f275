/** `thaw bench`: time to first response of any server, hyperfine-grade. */
import { readFileSync } from 'node:fs';
import { ThawError } from '../errors.js';
import { compareBaseline, formatBaseline } from '../bench/baseline.js';
import { readTimes } from '../bench/export/json.js';
import { formatFailures, formatTable, formatTimeline, runBench } from '../bench/index.js';
import type { BenchConfig } from '../bench/types.js';
import { atLeast, namedCommand, positive, wholeNumber } from './options.js';
import type { CommandSpec } from './spec.js';

const parseConfig = (v: string): BenchConfig => namedCommand()(v);
const num = (flag: string, min: number): ((v: string) => number) => wholeNumber(flag, min);

function parseHeader(v: string): [string, string] {
  const i = v.indexOf(':');
  if (i <= 0) throw new ThawError('E_USAGE', `--request-header ${JSON.stringify(v)} is not "Name: value"`, { hint: 'e.g. --request-header "accept: application/json"' });
  return [v.slice(0, i).trim(), v.slice(i + 1).trim()];
}

interface BenchOptions {
  config?: BenchConfig[];
  runs: number;
  warmupRuns?: number;
  warmup?: number;
  ready?: string;
  requestMethod?: string;
  requestBody?: string;
  requestHeader?: Array<[string, string]>;
  expect?: string;
  readyRegex?: string;
  probeInterval: number;
  after: number;
  timeline?: boolean;
  prepare?: string[];
  cleanup?: string[];
  timeout: number;
  interleave: boolean;
  json?: string;
  markdown?: string;
  csv?: string;
  html?: string;
  baseline?: string;
  threshold: number;
}

export const benchCommand: CommandSpec<BenchOptions> = {
  name: 'bench',
  summary: 'time to first response of servers (cold, restored, any flags), hyperfine-grade statistics',
  help: [
    'Each run starts the command with a free port in PORT, probes until the first ready response,',
    'samples RSS/PSS/CPU of the process tree, then kills the tree. Times count from spawn to the',
    'complete response. A COMMAND that is a thaw image directory runs IMG/start.',
    '',
    'Examples:',
    '  thaw bench -c cold="node server.js" -c restored=out/img --runs 20 --json out/bench.json',
    `  thaw bench -c jvm="java -cp build/hello.jar Hello" --ready 'http://127.0.0.1:$PORT/hello' --after 20`,
    '  thaw bench -c cold="node server.js" --runs 20 --baseline out/bench.json --threshold 5',
  ].join('\n'),
  options: [
    { flags: '-c, --config <NAME=COMMAND>', description: 'a configuration (repeat); COMMAND may be a thaw image directory', repeat: true, parse: parseConfig },
    { flags: '-r, --runs <n>', description: 'timed runs per configuration', default: 10, parse: num('--runs', 1) },
    { flags: '-w, --warmup-runs <n>', description: 'untimed runs per configuration first (default 0)', parse: num('--warmup-runs', 0) },
    { flags: '--warmup <n>', description: 'the same as --warmup-runs (the older spelling, kept)', parse: num('--warmup', 0) },
    { flags: '--ready <url>', description: 'readiness probe: http://HOST:$PORT/PATH (until 2xx) or tcp://HOST:$PORT (default http://127.0.0.1:$PORT/)' },
    { flags: '--request-method <method>', description: 'HTTP method of the probe (a representative request)' },
    { flags: '--request-body <text>', description: 'HTTP body of the probe' },
    { flags: '-H, --request-header <header>', description: '"Name: value" header of the probe (repeat)', repeat: true, parse: parseHeader },
    { flags: '--expect <text>', description: 'the ready response body must contain this text' },
    { flags: '--ready-regex <regex>', description: 'ready when a line of stdout/stderr matches (instead of a network probe)' },
    { flags: '--probe-interval <ms>', description: 'milliseconds between probe attempts (resolution vs. CPU taken from the server)', default: 0.5, parse: atLeast('--probe-interval', 'milliseconds', 0.05) },
    { flags: '--after <n>', description: 'also time the Nth response and the latency of requests 1..N (warm-up curve)', default: 1, parse: num('--after', 1) },
    { flags: '--timeline', description: 'also show where each start spends its time, phase by phase, from spawn to response (Node servers; HTTP probe)' },
    { flags: '--prepare <cmd>', description: 'shell command before every run (once for all, or once per -c)', repeat: true },
    { flags: '--cleanup <cmd>', description: "shell command after each configuration's last run (once for all, or once per -c)", repeat: true },
    { flags: '-t, --timeout <seconds>', description: 'per-run limit to become ready', default: 30, parse: positive('--timeout', 'seconds') },
    { flags: '--no-interleave', description: 'run all of a configuration before the next (default: A B A B …)' },
    { flags: '--json <file>', description: "write hyperfine-shaped JSON (seconds) plus thaw's fields" },
    { flags: '--markdown <file>', description: 'write a markdown table' },
    { flags: '--csv <file>', description: 'write CSV (hyperfine columns first)' },
    { flags: '--html <file>', description: 'write a self-contained HTML report with the distributions and the warm-up curve' },
    { flags: '--baseline <old.json>', description: 'compare with a saved --json (or hyperfine JSON); exit 1 on a regression' },
    { flags: '--threshold <percent>', description: 'regression threshold for --baseline', default: 10, parse: atLeast('--threshold', 'percent', 0) },
  ],
  async run(_args, opts) {
    const configs = opts.config ?? [];
    if (!configs.length) throw new ThawError('E_USAGE', 'no configuration given', { hint: 'add -c NAME=COMMAND (repeat for each configuration)' });
    let baseline: Map<string, number[]> | null = null;
    if (opts.baseline) {
      let text: string;
      try {
        text = readFileSync(opts.baseline, 'utf8');
      } catch {
        throw new ThawError('E_BASELINE', `--baseline ${opts.baseline}: cannot read the file`, { hint: 'give a file written by thaw bench --json (or hyperfine --export-json)' });
      }
      baseline = readTimes(text);
      if (!baseline) throw new ThawError('E_BASELINE', `--baseline ${opts.baseline} is not a benchmark JSON`, { hint: 'give a file written by thaw bench --json (or hyperfine --export-json)' });
    }
    const headers = Object.fromEntries(opts.requestHeader ?? []);
    const report = await runBench({
      configs,
      runs: opts.runs,
      warmup: opts.warmupRuns ?? opts.warmup ?? 0,
      after: opts.after,
      timeline: opts.timeline,
      timeoutMs: opts.timeout * 1000,
      interleave: opts.interleave !== false,
      progress: true,
      prepare: opts.prepare,
      cleanup: opts.cleanup,
      probe: {
        url: opts.ready,
        method: opts.requestMethod,
        body: opts.requestBody,
        headers: Object.keys(headers).length ? headers : undefined,
        expect: opts.expect,
        regex: opts.readyRegex,
        intervalMs: opts.probeInterval,
      },
      exports: { json: opts.json, markdown: opts.markdown, csv: opts.csv, html: opts.html },
    });
    process.stdout.write(formatTable(report));
    process.stdout.write(formatTimeline(report));
    let code = 0;
    if (baseline) {
      const { rows, missing } = compareBaseline(report, baseline, opts.threshold);
      process.stdout.write(formatBaseline(rows, missing, opts.threshold));
      const bad = rows.filter((r) => r.regression);
      if (bad.length) {
        process.stderr.write(`thaw: error: [E_REGRESSION] ${bad.map((b) => b.name).join(', ')} slower than the baseline by more than ${opts.threshold}%\n`);
        code = 1;
      }
    }
    if (report.failures.length) {
      process.stderr.write(formatFailures(report) + '\n');
      code = 1;
    }
    return code;
  },
};
