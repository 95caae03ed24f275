/**
 * `thaw profile`'s work: every configuration under perf at every rate and run, folded into
 * per-configuration and aggregate profiles, flame graphs, diffs and the coverage metric, all
 * written into the output directory (each file atomically). The command (cli/profile.ts) only
 * parses options and prints.
 */
import { rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { imageLauncher } from '../image/launcher.js';
import { readManifest } from '../image/manifest.js';
import { ThawError } from '../errors.js';
import { profileFromStacks, type PerfScriptFolder } from '../import/perf-script.js';
import { writeAtomic } from '../io.js';
import { freePort } from '../launch/port.js';
import { diffProfiles } from '../model/profile-diff.js';
import { ProfileBuilder, type FrameKind, type Profile } from '../model/profile.js';
import { diffFlameData, flameData, renderFlameHtml } from '../render/flame.js';
import { serializeFolded } from './export/folded.js';
import { coverageMetric, normaliseStack, type CoverageMetric } from './metric.js';
import { recordOnce, type StopWhen } from './record.js';

export interface ProfileConfig {
  name: string;
  command: string;
}

export interface ProfileOptions {
  freqs: number[];
  runs: number;
  timeoutMs: number;
  /** Stop each run when it answers this URL ($PORT is the run's port) … */
  untilReady?: string;
  /** … or after this many seconds; else when the command exits. */
  durationS?: number;
  keep: boolean;
  /** Progress (one line, replaced) and notes/warnings (kept) for the terminal. */
  say: (msg: string) => void;
  note: (msg: string) => void;
}

export interface ProfileResult {
  written: string[];
  metric: CoverageMetric;
  /** Distinct normalised stacks of each configuration after each of its runs. */
  growth: Record<string, number[]>;
}

/** A thaw image directory runs through its own `start`; anything else is a shell command. */
function commandLine(command: string): string {
  const start = imageLauncher(command.trim());
  return start ? `exec '${start.replace(/'/g, `'\\''`)}'` : command;
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

export async function profileConfigs(configs: ProfileConfig[], o: ProfileOptions, out: string, raw: string): Promise<ProfileResult> {
  const { freqs, runs, timeoutMs, say } = o;

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
        const stop: StopWhen = o.untilReady
          ? { kind: 'ready', url: o.untilReady.replace(/\$\{PORT\}|\$PORT\b/g, String(port)), timeoutMs }
          : o.durationS
            ? { kind: 'duration', seconds: o.durationS }
            : { kind: 'exit' };
        const once = () =>
          recordOnce({
            command: commandLine(c.command),
            freq,
            dataPath: join(raw, `${c.name}-${freq}hz-${r}.data`),
            stop,
            env: { PORT: String(port) },
            keep: o.keep,
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
          o.note(`${c.name} restores a V8 snapshot, which loads only under the V8 flags it was built with; ${named ? 'profiling it with its own --perf-basic-prof (JIT frames named)' : 'profiling it without --perf-basic-prof (its JIT frames stay unnamed; build it with --node-flags --perf-basic-prof to name them)'}`);
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
        if (o.untilReady === undefined && o.durationS === undefined && res.exitStatus !== 0) {
          o.note(`warning: ${c.name} exited with status ${res.exitStatus}`);
        }
      }
    }
  }

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
  return { written, metric, growth };
}

/** Was this thaw image built with --perf-basic-prof (so its restores write a perf map)? */
function imageHasPerfMap(command: string): boolean {
  try {
    return readManifest(command.trim()).flags.restore.includes('--perf-basic-prof');
  } catch {
    return false;
  }
}
