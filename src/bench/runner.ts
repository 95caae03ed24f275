/**
 * The benchmark loop: check every configuration, warm up, run A B A B … (or A A … B B …),
 * record samples and failures, and rewrite the exports after every run. A configuration that
 * fails stops there; the others go on and are reported.
 */
import { SingleBar } from 'cli-progress';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release } from 'node:os';
import { ThawError } from '../errors.js';
import { describeProbe, resolveProbe } from '../launch/probe.js';
import { displayCommand } from './command.js';
import { realExecutor } from './executor.js';
import { writeExports } from './export/index.js';
import { buildReport, type ReportMeta } from './report.js';
import { TimelineRecorder } from './timeline.js';
import type { BenchFailure, BenchOptions, BenchReport, MachineInfo, RawResult, RunContext } from './types.js';

export function machineInfo(): MachineInfo {
  let cpu = cpus()[0]?.model ?? 'unknown CPU';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1]!.trim();
  } catch {
    /* not Linux */
  }
  return { nproc: availableParallelism(), cpu, kernel: release(), node: process.version };
}

function thawVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function perConfig(flag: string, v: string | string[] | undefined, n: number): Array<string | undefined> {
  if (v === undefined) return new Array(n).fill(undefined);
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) return new Array(n).fill(undefined);
  if (list.length === 1) return new Array(n).fill(list[0]);
  if (list.length === n) return list;
  throw new ThawError('E_USAGE', `${list.length} ${flag} commands for ${n} configurations`, { hint: `give one ${flag} for all configurations, or exactly one per configuration (in -c order)` });
}

function positiveInt(flag: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new ThawError('E_USAGE', `${flag} must be an integer ≥ ${min}, got ${v}`, { hint: `e.g. ${flag} ${Math.max(min, 5)}` });
  return v;
}

function toFailure(config: string, e: unknown, afterRuns: number): BenchFailure {
  if (e instanceof ThawError) return { config, code: e.code, message: e.message, hint: e.hint, detail: e.detail, afterRuns };
  const err = e as NodeJS.ErrnoException;
  return { config, code: 'E_RUN_FAILED', message: `configuration ${JSON.stringify(config)}: ${err?.message ?? String(e)}`, afterRuns };
}

/**
 * Run a benchmark. Stable API (the demo and `npm run bench:startup` call it):
 * `runBench({ configs: [{ name, command, env?, cwd? }], runs, warmup, probe?, timeoutMs?,
 * interleave?, progress?, after?, prepare?, cleanup?, exports? }) → BenchReport`.
 * Rejects only on bad options; failures of configurations are in `report.failures`.
 */
export async function runBench(opts: BenchOptions): Promise<BenchReport> {
  const configs = opts.configs;
  if (!configs.length) throw new ThawError('E_USAGE', 'no configuration to benchmark', { hint: 'give at least one -c NAME=COMMAND' });
  const seen = new Set<string>();
  for (const c of configs) {
    if (!c.name) throw new ThawError('E_USAGE', `configuration without a name: ${displayCommand(c.command)}`, { hint: 'write -c NAME=COMMAND' });
    if (seen.has(c.name)) throw new ThawError('E_USAGE', `two configurations are named ${JSON.stringify(c.name)}`, { hint: 'give every -c a distinct NAME' });
    seen.add(c.name);
  }
  const runs = positiveInt('--runs', opts.runs ?? 10, 1);
  const warmup = positiveInt('--warmup', opts.warmup ?? 0, 0);
  const after = positiveInt('--after', opts.after ?? 1, 1);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  if (!(timeoutMs > 0)) throw new ThawError('E_USAGE', `--timeout must be positive, got ${timeoutMs / 1000}`, { hint: 'e.g. --timeout 30' });
  const interleave = opts.interleave ?? true;
  const probe = opts.probe ?? {};
  const prepare = perConfig('--prepare', opts.prepare, configs.length);
  const cleanup = perConfig('--cleanup', opts.cleanup, configs.length);
  const checked = resolveProbe(probe, 65535); // a bad --ready or --ready-regex fails here, before any run
  if (opts.timeline && checked.kind !== 'http') {
    throw new ThawError('E_USAGE', `--timeline needs an HTTP probe, not: ${describeProbe(probe)}`, { hint: 'give --ready http://127.0.0.1:$PORT/PATH (the first 2xx response ends the timeline)' });
  }
  const timeline = opts.timeline && !opts.executor ? new TimelineRecorder() : undefined;
  const executor = opts.executor ?? realExecutor({ probe, timeoutMs, after, prepare, cleanup, timeline });

  const raw: RawResult[] = configs.map((c) => ({ name: c.name, command: displayCommand(c.command), samples: [], failure: null }));
  const meta: ReportMeta = {
    version: thawVersion(),
    startedAt: new Date().toISOString(),
    machine: machineInfo(),
    probe: describeProbe(probe),
    runs,
    warmup,
    after,
    interleave,
    complete: false,
  };
  const emit = (complete: boolean): BenchReport => {
    const rep = buildReport(raw, { ...meta, complete });
    if (opts.exports) writeExports(rep, opts.exports);
    opts.onRun?.(rep);
    return rep;
  };

  const bar =
    opts.progress && process.stderr.isTTY
      ? new SingleBar({ stream: process.stderr, format: 'thaw bench {bar} {value}/{total} runs · {config} {last}', hideCursor: false, clearOnComplete: true, barsize: 24 })
      : null;
  bar?.start(configs.length * (runs + warmup), 0, { config: '', last: '' });

  for (let i = 0; i < configs.length; i++) {
    try {
      await executor.check?.(configs[i]!, i);
    } catch (e) {
      raw[i]!.failure = toFailure(configs[i]!.name, e, 0);
    }
  }
  const attempted = new Set<number>();
  const once = async (i: number, ctx: RunContext): Promise<void> => {
    const r = raw[i]!;
    if (r.failure) return;
    attempted.add(i);
    try {
      const s = await executor.run(configs[i]!, i, ctx);
      if (!ctx.warmup) r.samples.push(s);
      bar?.increment({ config: r.name, last: `${(s.firstS * 1000).toFixed(1)} ms${ctx.warmup ? ' (warm-up)' : ''}` });
    } catch (e) {
      r.failure = toFailure(r.name, e, r.samples.length);
      bar?.increment({ config: r.name, last: `failed: ${r.failure.code}` });
    }
    emit(false);
  };
  const finish = async (i: number): Promise<void> => {
    const r = raw[i]!;
    if (!attempted.has(i)) return; // failed its check: nothing ran, nothing to clean up
    try {
      await executor.finish?.(configs[i]!, i);
    } catch (e) {
      r.failure ??= toFailure(r.name, e, r.samples.length);
    }
  };

  try {
    if (interleave) {
      for (let w = 0; w < warmup; w++) for (let i = 0; i < configs.length; i++) await once(i, { index: w, warmup: true });
      for (let k = 0; k < runs; k++) for (let i = 0; i < configs.length; i++) await once(i, { index: k, warmup: false });
      for (let i = 0; i < configs.length; i++) await finish(i);
    } else {
      for (let i = 0; i < configs.length; i++) {
        for (let w = 0; w < warmup; w++) await once(i, { index: w, warmup: true });
        for (let k = 0; k < runs; k++) await once(i, { index: k, warmup: false });
        await finish(i);
      }
    }
  } finally {
    bar?.stop();
    timeline?.remove();
  }
  return emit(true);
}
