/**
 * The benchmark's data: what a run measures (RunSample), what the runner collects per
 * configuration, and the summarised BenchReport every exporter reads. Times are in seconds
 * (hyperfine's unit), memory in kB.
 */
import type { ProbeSpec } from '../launch/probe.js';
import type { RatioInterval, Summary } from './stats.js';
import type { Phase } from './timeline.js';

export interface BenchConfig {
  name: string;
  /** argv, or a command line (run directly when it is a plain word list, else by /bin/sh -c), or a thaw image directory. */
  command: string[] | string;
  env?: Record<string, string>;
  cwd?: string;
}

/** What one run measured. */
export interface RunSample {
  /** Spawn → complete first ready response (or TCP connect, or matching output line). */
  firstS: number;
  /** Spawn → complete Nth response with --after N (the /proc sampling pause excluded). */
  nthS?: number;
  /** Latency of requests 1..N (request 1 is the probe's successful one), for the warm-up curve. */
  latenciesS?: number[];
  /** Whole process tree at ready. */
  rssKb?: number;
  pssKb?: number;
  userS?: number;
  systemS?: number;
  processes?: number;
  /** Probe attempts until ready (connects refused + non-2xx answers + the good one). */
  attempts?: number;
  /** Where the time to first response went, phase by phase (--timeline), ms. */
  timeline?: Phase[];
}

export interface BenchFailure {
  config: string;
  code: string;
  message: string;
  hint?: string;
  /** The tail of the child's stderr, when there was a child. */
  detail?: string;
  /** Runs recorded before the failure (a configuration stops at its first failing run). */
  afterRuns: number;
}

export interface ConfigResult {
  name: string;
  /** The command as given, for tables and hyperfine's `command` field. */
  command: string;
  samples: RunSample[];
  /** Time to first response of every recorded run, seconds. */
  times: number[];
  stats: Summary | null;
  nth: Summary | null;
  rssKb: Summary | null;
  pssKb: Summary | null;
  userS: Summary | null;
  systemS: Summary | null;
  /** Median latency (s) of request i+1 across runs: the warm-up curve. */
  warmupCurve: number[];
  /** The median of each phase of a start across runs (--timeline), ms; null without. */
  timeline: Phase[] | null;
  /** Mean over the lowest mean of all configurations (hyperfine's "Relative" column; ≥ 1). */
  relative: { ratio: number; stddev: number } | null;
  failure: BenchFailure | null;
}

export interface PairRatio {
  /** The slower (by median) of the two. */
  slower: string;
  faster: string;
  /** mean(slower)/mean(faster) with propagated uncertainty. */
  meanRatio: number;
  meanRatioStddev: number;
  /** median(slower)/median(faster) with its bootstrap confidence interval. */
  median: RatioInterval;
  distinguishable: boolean;
}

export interface MachineInfo {
  nproc: number;
  cpu: string;
  kernel: string;
  node: string;
}

export interface BenchReport {
  tool: 'thaw';
  version: string;
  startedAt: string;
  machine: MachineInfo;
  probe: string;
  runs: number;
  warmup: number;
  after: number;
  interleave: boolean;
  results: ConfigResult[];
  ratios: PairRatio[];
  /** Name of the fastest configuration by median, when any has samples. */
  fastest: string | null;
  failures: BenchFailure[];
  warnings: string[];
  /** False while the benchmark is still running (exports are rewritten after every run). */
  complete: boolean;
}

/** What the runner collects before summarising. */
export interface RawResult {
  name: string;
  command: string;
  samples: RunSample[];
  failure: BenchFailure | null;
}

export interface BenchOptions {
  configs: BenchConfig[];
  runs?: number;
  warmup?: number;
  probe?: ProbeSpec;
  /** Per-run limit for the server to become ready, ms (default 30 000). */
  timeoutMs?: number;
  /** A B A B … (default) rather than A A … B B …, so drift hits every configuration alike. */
  interleave?: boolean;
  /** Progress bar on stderr (only when stderr is a TTY). */
  progress?: boolean;
  /** Also time the Nth response and the latency of requests 1..N (HTTP probes). */
  after?: number;
  /** Record where each start's time goes (bench/timeline.ts): HTTP probes, Node servers. */
  timeline?: boolean;
  /** Shell command(s) before every run: one for all configurations, or one per configuration. */
  prepare?: string | string[];
  /** Shell command(s) after each configuration's last run. */
  cleanup?: string | string[];
  /** Files rewritten (atomically) after every run, so a later failure loses nothing. */
  exports?: ExportTargets;
  /** Scripted executors for tests; the real one by default. */
  executor?: Executor;
  /** Called after every recorded run or failure. */
  onRun?: (report: BenchReport) => void;
}

export interface ExportTargets {
  json?: string;
  markdown?: string;
  csv?: string;
  html?: string;
}

export interface RunContext {
  /** 0-based index among this configuration's runs (warm-up runs count separately). */
  index: number;
  warmup: boolean;
}

/** Measures: one run of one configuration → a sample, or a ThawError for a failed run. */
export interface Executor {
  /** Check a configuration before any run (command exists, image has a start script …). */
  check?(config: BenchConfig, index: number): Promise<void>;
  run(config: BenchConfig, index: number, ctx: RunContext): Promise<RunSample>;
  /** After a configuration's last run (its --cleanup). */
  finish?(config: BenchConfig, index: number): Promise<void>;
}
