/** What a folder reports and takes: its statistics, its options, its timeline. */
import type { Addr2line } from './addr2line.js';
import type { CollapseOptions } from './options.js';

export interface BadLine {
  /** 1-based line number in the input. */
  line: number;
  text: string;
}

export interface FoldStats {
  lines: number;
  samples: number;
  /** Samples of other event types than the one kept, skipped like stackcollapse-perf.pl does. */
  filteredSamples: number;
  event: string;
  /** The event type was given (--event-filter), not the first one seen. */
  eventChosen: boolean;
  /** Lines neither the event nor the frame pattern recognises (the Perl prints a warning). */
  badLines: number;
  /** The first few bad lines, for the report. */
  badSamples: BadLine[];
  /** Frame lines left over after the last blank line: a truncated capture. They are dropped. */
  danglingFrames: number;
  /** The input ends inside a sample (no blank line after it): the Perl drops that sample. */
  danglingSample: boolean;
  /** Samples whose event line printed no period: each weighs 1 (a count, not nanoseconds). */
  unweightedSamples: number;
  /** --inline: modules addr2line could not read, with the first thing it said. */
  inlineFailures: Array<[string, string]>;
}

export interface FolderOptions extends CollapseOptions {
  /** Line numbers of this part of the input start after this many lines. */
  lineBase?: number;
  /** Keep every sample's time, weight and stack in input order (Profile.timeline). */
  timeline?: boolean;
  /** --inline: the addr2line runner to use (shared by a collecting pass and the real one). */
  inliner?: Addr2line;
}

/** The samples in input order, when asked for and every sample carried a time. */
export interface FolderTimeline {
  /** Seconds as perf printed them. */
  times: number[];
  weights: number[];
  /** The folded stack of each sample. */
  stacks: string[];
}

/** Samples in input order, kept when asked for (FolderOptions.timeline). */
export class SampleTimeline {
  private readonly times: number[] = [];
  private readonly weights: number[] = [];
  private readonly entries: number[] = [];
  private untimed = false;

  /** One sample: its time (NaN when its event line had none), weight and distinct-stack entry. */
  record(time: number, weight: number, entry: number): void {
    if (Number.isNaN(time)) this.untimed = true;
    this.times.push(time);
    this.weights.push(weight);
    this.entries.push(entry);
  }

  /** The samples with their folded stacks, or null when there were none or one had no time. */
  build(keyOf: (entry: number) => string): FolderTimeline | null {
    if (this.untimed || this.times.length === 0) return null;
    const keys = new Map<number, string>();
    const stacks = this.entries.map((e) => {
      let k = keys.get(e);
      if (k === undefined) keys.set(e, (k = keyOf(e)));
      return k;
    });
    return { times: this.times, weights: this.weights, stacks };
  }
}
