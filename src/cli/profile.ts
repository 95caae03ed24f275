import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ThawError } from '../errors.js';
import { freePort } from '../launch/port.js';
import { profileFromStacks, type PerfScriptFolder } from '../import/perf-script.js';
import { diffProfiles } from '../model/profile-diff.js';
import { ProfileBuilder, type FrameKind, type Profile } from '../model/profile.js';
import { coverageMetric, formatMetric, normaliseStack } from '../profile/metric.js';
import { recordOnce, type StopWhen } from '../profile/record.js';
import { serializeFolded } from '../profile/export/folded.js';
import { diffFlameData, flameData, renderFlameHtml } from '../render/flame.js';
import { writeAtomic } from './flame.js';
import type { CommandSpec } from './spec.js';

interface ProfileConfig {
  name: string;
  command: string;
}

function parseConfig(v: string): ProfileConfig {
  const eq = v.indexOf('=');
  if (eq <= 0 || eq === v.length - 1) throw new ThawError('E_USAGE', `-c ${JSON.stringify(v)} is not NAME=COMMAND`, { hint: 'write e.g. -c cold="node server.js" or -c restored=out/img' });
  const name = v.slice(0, eq);
  if (!/^[\w.-]+$/.test(name) || name === 'aggregate') throw new ThawError('E_USAGE', `-c ${name}=…: a name is letters, digits, '.', '_' or '-' (and not "aggregate")`, { hint: 'it names the files written, e.g. -c cold=…' });
  return { name, command: v.slice(eq + 1) };
}

function parseFreqs(v: string): number[] {
  const fs = v.split(',').map((s) => Number(s.trim()));
  if (fs.length === 0 || fs.some((f) => !Number.isInteger(f) || f < 1 || f > 100_000)) throw new ThawError('E_USAGE', `--freq ${v}: a comma-separated list of sampling rates in Hz`, { hint: 'e.g. --freq 97,499,997' });
  return fs;
}

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new ThawError('E_USAGE', `${flag} ${v}: expected a whole number >= 1`, { hint: `e.g. ${flag} 3` });
    return n;
  };
}

function positiveNumber(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!(n > 0)) throw new ThawError('E_USAGE', `${flag} ${v}: expected a number of seconds > 0`, { hint: `e.g. ${flag} 2` });
    return n;
  };
}

/** A thaw image directory runs through its own `start`; anything else is a shell command. */
function commandLine(command: string): string {
  const c = command.trim();
  try {
    if (statSync(c).isDirectory()) {
      const startPath = join(c, 'start');
      accessSync(startPath, constants.X_OK);
      return `exec '${resolve(startPath).replace(/'/g, `'\\''`)}'`;
    }
  } catch {
    /* not an image */
  }
  return command;
}

export interface RunInfo {
  config: string;
  /** Did Node get --perf-basic-prof? (Not for restored V8 snapshots.) */
  nodePerfMap: boolean;
  freq: number;
  run: number;
  samples: number;
  distinctStacks: number;
  wallMs: number;
  readyMs?: number;
  exitStatus: number;
  badLines: number;
}

export const profileCommand: CommandSpec = {
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
    { flags: '--runs <n>', description: 'runs per configuration and frequency', default: 1 as unknown as string, parse: positiveInt('--runs') },
    { flags: '--duration <seconds>', description: 'stop each run after this long (default: when the command exits)', parse: positiveNumber('--duration') },
    { flags: '--until-ready', description: 'stop each run once it answers HTTP 2xx (profiles startup)' },
    { flags: '--ready <url>', description: 'the readiness URL for --until-ready; $PORT is the run port', default: 'http://127.0.0.1:$PORT/' },
    { flags: '--timeout <seconds>', description: 'give up on a run after this long', default: 600 as unknown as string, parse: positiveNumber('--timeout') },
    { flags: '--keep', description: 'keep perf.data and perf script text under DIR/raw' },
  ],
  async run(_args, opts) {
    const out = opts.out as string | undefined;
    const configs = (opts.config as ProfileConfig[] | undefined) ?? [];
    if (!out) throw new ThawError('E_USAGE', 'thaw profile needs -o DIR', { hint: 'thaw profile -o prof -c app="node app.js"' });
    if (configs.length === 0) throw new ThawError('E_USAGE', 'no configuration given', { hint: 'add -c NAME=COMMAND (repeat for each configuration)' });
    const names = new Set<string>();
    for (const c of configs) {
      if (names.has(c.name)) throw new ThawError('E_USAGE', `configuration ${c.name} is given twice`, { hint: 'give each -c a different NAME' });
      names.add(c.name);
    }
    if (opts.duration && opts.untilReady) throw new ThawError('E_USAGE', '--duration and --until-ready exclude each other', { hint: 'choose one way to stop a run' });
    parseFreqs(String(opts.freq));
    const createdOut = !existsSync(out);
    mkdirSync(out, { recursive: true });
    const raw = join(out, 'raw');
    mkdirSync(raw, { recursive: true });
    try {
      return await profileAll(configs, opts, out, raw);
    } catch (e) {
      // Nothing half-written: every output file is renamed into place only at the end, so on
      // a failure only the directories thaw made may be left, and they go if empty.
      for (const d of createdOut ? [raw, out] : [raw]) {
        try {
          rmdirSync(d);
        } catch {
          /* not empty (--keep) or gone */
        }
      }
      throw e;
    }
  },
};

async function profileAll(configs: ProfileConfig[], opts: Record<string, any>, out: string, raw: string): Promise<number> {
  const freqs = parseFreqs(String(opts.freq));
  const runs = Number(opts.runs);
  const timeoutMs = Number(opts.timeout) * 1000;
  const tty = process.stderr.isTTY;
  const say = (s: string): void => {
    if (tty) process.stderr.write(`\r\x1b[Kthaw profile: ${s}`);
  };

  const perConfig = new Map<string, { stacks: Map<string, number>; counts: Map<string, number>; kinds: Map<string, FrameKind>; profile?: Profile }>();
  // Distinct normalised stacks seen so far, after each run: do more runs and rates find more?
  const growth: Record<string, number[]> = {};
  const runInfo: RunInfo[] = [];
  let event = '';
  const total = configs.length * freqs.length * runs;
  let k = 0;
  for (const c of configs) {
    let nodeFlags = true;
    const acc = { stacks: new Map<string, number>(), counts: new Map<string, number>(), kinds: new Map<string, FrameKind>() };
    perConfig.set(c.name, acc);
    for (const freq of freqs) {
      for (let r = 1; r <= runs; r++) {
        k++;
        say(`${c.name} at ${freq} Hz, run ${r}/${runs} (${k}/${total})`);
        const port = await freePort();
        const stop: StopWhen = opts.untilReady
          ? { kind: 'ready', url: String(opts.ready).replace(/\$\{PORT\}|\$PORT\b/g, String(port)), timeoutMs }
          : opts.duration
            ? { kind: 'duration', seconds: Number(opts.duration) }
            : { kind: 'exit' };
        const once = () =>
          recordOnce({
            command: commandLine(c.command),
            freq,
            dataPath: join(raw, `${c.name}-${freq}hz-${r}.data`),
            stop,
            env: { PORT: String(port) },
            keep: Boolean(opts.keep),
            timeoutMs,
            nodeFlags,
          });
        let res;
        try {
          res = await once();
        } catch (e) {
          if (!(e instanceof ThawError && e.code === 'E_SNAPSHOT_FLAGS')) throw e;
          nodeFlags = false;
          // An image built with `--node-flags --perf-basic-prof` names its JIT frames itself.
          const named = imageHasPerfMap(c.command);
          process.stderr.write(
            `${tty ? '\r\x1b[K' : ''}thaw profile: note: ${c.name} restores a V8 snapshot, which loads only under the V8 flags it was built with; ${named ? 'profiling it with its own --perf-basic-prof (JIT frames named)' : 'profiling it without --perf-basic-prof (its JIT frames stay unnamed; build it with --node-flags --perf-basic-prof to name them)'}\n`,
          );
          res = await once();
        }
        if (res.exitStatus === 126 || res.exitStatus === 127) {
          throw new ThawError('E_COMMAND_NOT_FOUND', `${c.name}: the command could not run (exit ${res.exitStatus}): ${c.command}`, { hint: 'check the command by running it on its own', detail: res.stderrTail });
        }
        const f: PerfScriptFolder = res.folder;
        event ||= f.stats.event;
        for (const [s, w] of f.stacks) acc.stacks.set(s, (acc.stacks.get(s) ?? 0) + w);
        for (const [s, n] of f.sampleCounts) acc.counts.set(s, (acc.counts.get(s) ?? 0) + n);
        for (const [n, kd] of f.kinds) if (!acc.kinds.has(n)) acc.kinds.set(n, kd);
        const seen = new Set<string>();
        for (const k of acc.stacks.keys()) seen.add(normaliseStack(k));
        (growth[c.name] ??= []).push(seen.size);
        runInfo.push({ config: c.name, nodePerfMap: nodeFlags, freq, run: r, samples: f.stats.samples, distinctStacks: f.stacks.size, wallMs: Math.round(res.wallMs), readyMs: res.readyMs === undefined ? undefined : Math.round(res.readyMs), exitStatus: res.exitStatus, badLines: f.stats.badLines });
        if (f.stats.samples === 0) {
          throw new ThawError('E_PROFILE_EMPTY', `${c.name}: no samples at ${freq} Hz (run ${r})`, { hint: 'the command ended too soon to be sampled: use a higher --freq or a longer run' });
        }
        if (opts.untilReady === undefined && opts.duration === undefined && res.exitStatus !== 0) {
          process.stderr.write(`${tty ? '\r\x1b[K' : ''}thaw profile: warning: ${c.name} exited with status ${res.exitStatus}\n`);
        }
      }
    }
  }
  if (tty) process.stderr.write('\r\x1b[K');

  // Per configuration, then the aggregate, then each against the aggregate.
  const unit = event.startsWith('cpu-clock') ? 'nanoseconds' : 'samples';
  const agg = new ProfileBuilder('aggregate', unit);
  const aggStacks = new Map<string, number>();
  const written: string[] = [];
  for (const [name, acc] of perConfig) {
    const p = profileFromStacks(name, unit, acc.stacks, acc.kinds, acc.counts);
    acc.profile = p;
    agg.addProfile(p);
    for (const [s, w] of acc.stacks) aggStacks.set(s, (aggStacks.get(s) ?? 0) + w);
    writeAtomic(join(out, `${name}.folded`), serializeFolded(acc.stacks));
    writeAtomic(join(out, `${name}.html`), renderFlameHtml(flameData(p, `${name} — CPU flame graph`)));
    written.push(`${name}.folded`, `${name}.html`);
  }
  const aggregate = agg.build();
  writeAtomic(join(out, 'aggregate.folded'), serializeFolded(aggStacks));
  writeAtomic(join(out, 'aggregate.html'), renderFlameHtml(flameData(aggregate, 'all configurations — CPU flame graph')));
  written.push('aggregate.folded', 'aggregate.html');
  for (const [name, acc] of perConfig) {
    const d = diffProfiles(aggregate, acc.profile!);
    writeAtomic(join(out, `${name}.diff.html`), renderFlameHtml(diffFlameData(d, `${name} against all configurations`)));
    written.push(`${name}.diff.html`);
  }
  try {
    rmdirSync(raw); // empty unless --keep
  } catch {
    /* kept files */
  }
  const metric = coverageMetric(new Map([...perConfig].map(([n, a]) => [n, a.stacks])));
  writeAtomic(join(out, 'metric.json'), JSON.stringify({ event, freqs, runs, metric, growth, runInfo }, null, 2) + '\n');
  written.push('metric.json');
  process.stdout.write(formatMetric(metric) + '\n');
  if (freqs.length * runs > 1) {
    process.stdout.write('\ndistinct normalised stacks after each run (rates in order, runs within a rate)\n');
    for (const [name, g] of Object.entries(growth)) process.stdout.write(`  ${name}: ${g.join(' → ')}\n`);
  }
  process.stderr.write(`thaw profile: wrote ${written.length} files to ${out}\n`);
  return 0;
}

/** Was this thaw image built with --perf-basic-prof (so its restores write a perf map)? */
function imageHasPerfMap(command: string | string[]): boolean {
  const dir = Array.isArray(command) ? command[0] : command;
  try {
    const m = JSON.parse(readFileSync(join(String(dir), 'manifest.json'), 'utf8')) as { flags?: { restore?: string[] } };
    return !!m.flags?.restore?.includes('--perf-basic-prof');
  } catch {
    return false;
  }
}
