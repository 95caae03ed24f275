/** perf script text → Profile: detection, frame kinds, and the timeline for a flame chart. */
import { classifyFrame, ProfileBuilder, type FrameKind, type Profile, type ProfileTimeline, type WeightUnit } from '../../model/profile.js';
import { PerfScriptFolder } from './folder.js';
import type { FoldStats, FolderTimeline } from './types.js';
import { EVENT_RE, EVENT_TYPE_RE, STACK_RE, isWs } from './text.js';

/**
 * Does this text look like `perf script` output? An event line followed by a frame line (or a
 * blank line). Event lines need not carry a time or an event name (`java  3244 cpu-clock:` from
 * `perf script -F comm,pid,event,ip,sym,dso`, older perf printing frames without indent), but then
 * a frame line must follow.
 */
export function looksLikePerfScript(text: string): boolean {
  const head = text.slice(0, 64 * 1024).split('\n');
  for (let i = 0; i + 1 < head.length; i++) {
    const l = head[i]!;
    if (l === '' || l.startsWith('#') || isWs(l.charCodeAt(0))) continue;
    if (!EVENT_RE.test(l)) return false;
    const next = head[i + 1]!;
    if (EVENT_TYPE_RE.test(l)) return next === '' || STACK_RE.test(next);
    return STACK_RE.test(next) && (isWs(next.charCodeAt(0)) || !EVENT_RE.test(next));
  }
  return false;
}

/** Folded stacks (+ frame kinds from perf's modules) → Profile. */
export function profileFromStacks(name: string, unit: WeightUnit, stacks: ReadonlyMap<string, number>, kinds: ReadonlyMap<string, FrameKind>, counts?: ReadonlyMap<string, number>, timeline?: ProfileTimeline): Profile {
  const b = new ProfileBuilder(name, unit);
  for (const [key, w] of stacks) {
    const frames = key.split(';');
    const ks = frames.map((fr, i) => (i === 0 ? 'process' : (kinds.get(fr) ?? classifyFrame(fr))));
    b.add(frames, w, ks, counts?.get(key) ?? 0);
  }
  const p = b.build();
  return timeline ? { ...p, timeline } : p;
}

/** Samples in time order, seconds since the first; stacks root first, one array per distinct stack. */
export function toProfileTimeline(t: FolderTimeline): ProfileTimeline {
  const n = t.times.length;
  const order = Array.from({ length: n }, (_, i) => i);
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = t.times[i]! >= t.times[i - 1]!;
  // perf script prints samples in time order; a merged or hand-made file may not be.
  if (!sorted) order.sort((a, b) => t.times[a]! - t.times[b]! || a - b);
  const t0 = t.times[order[0]!]!;
  const split = new Map<string, readonly string[]>();
  const stackOf = (k: string): readonly string[] => {
    let s = split.get(k);
    if (!s) split.set(k, (s = k.split(';')));
    return s;
  };
  return {
    times: order.map((i) => t.times[i]! - t0),
    weights: order.map((i) => t.weights[i]!),
    stacks: order.map((i) => stackOf(t.stacks[i]!)),
  };
}

/**
 * A folder's stacks → Profile. Weights are perf periods: nanoseconds for cpu-clock/task-clock,
 * unless event lines printed no period (`java 3244 cpu-clock:`), when each sample weighs 1.
 */
export function profileFromFolder(name: string, f: PerfScriptFolder): Profile {
  const clock = f.stats.event.startsWith('cpu-clock') || f.stats.event.startsWith('task-clock');
  const unit = clock && f.stats.unweightedSamples === 0 ? 'nanoseconds' : 'samples';
  const t = f.timeline;
  const p = profileFromStacks(name, unit, f.stacks, f.kinds, f.sampleCounts, t ? toProfileTimeline(t) : undefined);
  const warnings = perfScriptWarnings(f.stats);
  return warnings.length ? { ...p, warnings } : p;
}

/** What reading the text dropped, in words (thaw fold prints its own report from the same stats). */
export function perfScriptWarnings(s: FoldStats): string[] {
  const out: string[] = [];
  if (s.badLines) out.push(`${s.badLines} line${s.badLines === 1 ? ' is' : 's are'} neither an event nor a frame line and ${s.badLines === 1 ? 'was' : 'were'} skipped (first at line ${s.badSamples[0]?.line ?? '?'})`);
  if (s.danglingFrames || s.danglingSample) out.push('the input ends inside a sample (a truncated capture?): its last sample was dropped');
  return out;
}

export interface ImportPerfScriptOptions {
  /**
   * Fill Profile.timeline when every sample's event line carries a time. It keeps one entry per
   * sample (a few bytes each, stacks shared), so it is off unless a flame chart needs it.
   */
  timeline?: boolean;
}

/** importX(text) → Profile | null. Text must be latin1-decoded for byte-exact names. */
export function importPerfScript(text: string, name = 'perf', opts: ImportPerfScriptOptions = {}): Profile | null {
  if (!looksLikePerfScript(text)) return null;
  const f = new PerfScriptFolder(20, { timeline: opts.timeline });
  f.push(text);
  f.end();
  return profileFromFolder(name, f);
}
