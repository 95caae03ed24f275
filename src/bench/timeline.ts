/**
 * Where a start's time goes, from spawn to the first response in the client's hands: the
 * phases of a cold or restored start, per run, and their medians (`thaw bench --timeline`,
 * `npm start`). What CRaC users get from -XX:+CRTraceStartupTime, for any Node server.
 *
 * A preload (NODE_OPTIONS=--require, so it reaches the server's Node through any launcher:
 * IMG/start, npm, a shell) records the server's `listening`, its first 2xx request and that
 * response's `finish`, and writes them with Node's own milestones (performance.nodeTiming) and
 * a thaw image's restore steps (runtime/guest/main.ts) to a file once that response is done.
 * Every mark is put on the monotonic clock both processes share (process.hrtime), so the
 * host's spawn and the client's receipt line up with the child's marks.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './stats.js';

/** One phase of one start: it ended at `mark`, `ms` after the previous mark. */
export interface Phase {
  mark: string;
  ms: number;
}

/** What the preload writes: the child's clock origin and its marks (ms since that origin). */
interface ChildMarks {
  /** process.hrtime in ms at the child's performance.now() = 0 (its process start). */
  origin: number;
  marks: Record<string, number>;
}

/**
 * The preload itself, run in the server's process. It stands alone (it is written to a file
 * as source): Node built-ins only, through process.getBuiltinModule.
 */
function preload(out: string): void {
  const p = process as unknown as { getBuiltinModule(id: string): any } & Record<symbol, Record<string, number> | undefined>;
  const net = p.getBuiltinModule('node:net');
  const fs = p.getBuiltinModule('node:fs');
  const loaded = performance.now();
  let listening: number | undefined;
  let written = false;
  const emit = net.Server.prototype.emit;
  net.Server.prototype.emit = function (this: unknown, event: string | symbol, ...args: any[]) {
    if (event === 'listening' && listening === undefined) listening = performance.now();
    else if (event === 'request' && !written) {
      const request = performance.now();
      const res = args[1];
      // The app's res.end() is when the answer is made; 'finish' can come after the client
      // already has it.
      let ended: number | undefined;
      const end = res.end;
      res.end = function (this: unknown, ...a: unknown[]) {
        ended ??= performance.now();
        return end.apply(this, a);
      };
      res.once('finish', () => {
        if (written || res.statusCode < 200 || res.statusCode >= 300) return;
        const finish = ended ?? performance.now();
        written = true;
        const t = (performance as unknown as { nodeTiming: Record<string, number> }).nodeTiming;
        const marks: Record<string, number> = { process: 0, v8Start: t.v8Start!, environment: t.environment!, preload: loaded, request, finish };
        if (listening !== undefined) marks.listening = listening;
        const origin = Number(process.hrtime.bigint()) / 1e6 - performance.now();
        // A thaw image's restore steps, on the monotonic clock.
        const thaw = p[Symbol.for('thaw.restoreMarks')];
        for (const [k, v] of Object.entries(thaw ?? {})) marks[`thaw.${k}`] = v - origin;
        // Whole or not at all (the host reads as soon as the name is there), and the first
        // process of the tree to answer wins: a hard link to a finished file.
        const tmp = `${out}.${process.pid}`;
        try {
          fs.writeFileSync(tmp, JSON.stringify({ origin, marks }));
          fs.linkSync(tmp, out);
        } catch {
          /* another process of the tree answered first */
        }
        fs.rmSync(tmp, { force: true });
      });
    }
    return emit.call(this, event, ...args);
  };
}

/**
 * What each mark ends: the phase before it, in words and in the colour the HTML report draws
 * it with, for a cold start and for a restore (one table, so a new mark gets both).
 */
const PHASES: Record<string, { cold: string; restored: string; colour: [cold: string, restored: string] }> = {
  process: { cold: 'exec: launcher, loading Node', restored: 'exec: launcher, loading Node', colour: ['#bab0ac', '#bab0ac'] },
  v8Start: { cold: 'Node: options, platform, snapshot read', restored: 'Node: options, platform, snapshot read', colour: ['#9c755f', '#9c755f'] },
  environment: { cold: "deserialise Node's own isolate", restored: 'deserialise the isolate (V8 heap)', colour: ['#ff9da7', '#e15759'] },
  'thaw.restore': { cold: '', restored: "deserialise the context (the app's objects)", colour: ['#f28e2b', '#f28e2b'] },
  preload: { cold: 'Node: its context, bootstrap, pre-execution', restored: "restore steps (thaw's, the app's), Node pre-execution", colour: ['#f28e2b', '#edc948'] },
  'thaw.main': { cold: '', restored: 'Node: main function', colour: ['#b07aa1', '#b07aa1'] },
  'thaw.hooks': { cold: '', restored: 'afterRestore hooks', colour: ['#76b7b2', '#76b7b2'] },
  'thaw.listen': { cold: '', restored: 'listen() again', colour: ['#17becf', '#17becf'] },
  listening: { cold: 'load and initialise the app', restored: "listening (the app's main, event loop)", colour: ['#4e79a7', '#1f4e79'] },
  request: { cold: 'until the first request arrives', restored: 'until the first request arrives', colour: ['#d4d4d4', '#d4d4d4'] },
  finish: { cold: 'first request, until res.end()', restored: 'first request, until res.end()', colour: ['#59a14f', '#59a14f'] },
  received: { cold: 'response reaches the client', restored: 'response reaches the client', colour: ['#8cd17d', '#8cd17d'] },
};

/** What the phase that ends at `mark` is, in words. */
export function phaseLabel(mark: string, restored: boolean): string {
  return (restored ? PHASES[mark]?.restored : PHASES[mark]?.cold) || mark;
}

/** The colour of the phase that ends at `mark`. */
export function phaseColour(mark: string, restored: boolean): string {
  return PHASES[mark]?.colour[restored ? 1 : 0] ?? '#999';
}

/** A directory for one benchmark's timelines, the preload in it, and what each run's child gets. */
export class TimelineRecorder {
  readonly dir: string;
  private readonly script: string;
  private n = 0;

  private readonly onExit = (): void => this.remove();

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'thaw-timeline-'));
    // An interrupt ends the process through process.exit (launch/spawn.ts): nothing stays.
    process.on('exit', this.onExit);
    this.script = join(this.dir, 'preload.cjs');
    writeFileSync(this.script, `'use strict';\n(${preload.toString()})(process.env.THAW_TIMELINE_OUT);\n`);
  }

  /** The environment one run's child needs, and the file its marks will be in. */
  forRun(env: Record<string, string | undefined>): { env: Record<string, string>; file: string } {
    const file = join(this.dir, `run-${++this.n}.json`);
    const options = [env.NODE_OPTIONS ?? process.env.NODE_OPTIONS, `--require ${JSON.stringify(this.script)}`].filter(Boolean).join(' ');
    return { env: { NODE_OPTIONS: options, THAW_TIMELINE_OUT: file }, file };
  }

  remove(): void {
    process.off('exit', this.onExit);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * One run's phases from its marks file, given the host's spawn and receipt on the monotonic
 * clock; undefined when the child wrote none (it answered through something else).
 */
export function readTimeline(file: string, spawnMs: number, receivedMs: number): Phase[] | undefined {
  let child: ChildMarks;
  try {
    child = JSON.parse(readFileSync(file, 'utf8')) as ChildMarks;
  } catch {
    return undefined;
  }
  const at: Array<[string, number]> = Object.entries(child.marks)
    .filter(([, v]) => typeof v === 'number' && Number.isFinite(v) && v >= 0)
    .map(([k, v]) => [k, child.origin + v - spawnMs]);
  at.push(['received', receivedMs - spawnMs]);
  // Node sets a milestone it did not pass to 0 (bootstrapComplete in some restores).
  const ordered = at.filter(([k, t]) => k === 'process' || t > child.origin - spawnMs).sort((a, b) => a[1] - b[1]);
  const phases: Phase[] = [];
  let prev = 0;
  for (const [mark, t] of ordered) {
    phases.push({ mark, ms: Math.max(0, t - prev) });
    prev = Math.max(prev, t);
  }
  return phases;
}

/** The median of each phase over the runs, in the order the phases most often came. */
export function medianTimeline(runs: Phase[][]): Phase[] {
  if (!runs.length) return [];
  const order = runs[0]!.map((p) => p.mark);
  for (const r of runs) for (const p of r) if (!order.includes(p.mark)) order.push(p.mark);
  return order.map((mark) => ({ mark, ms: median(runs.map((r) => r.find((p) => p.mark === mark)?.ms ?? 0)) }));
}

/**
 * The phases of one or more configurations as bars on one scale, one line per phase:
 *
 *   restored (median of 7 runs; 116.0 ms spawn → response)
 *     exec: launcher, loading Node              ██                6.1 ms
 */
export function formatTimelines(rows: Array<{ name: string; runs: number; totalMs: number; phases: Phase[] }>, width = 36): string {
  const max = Math.max(1e-9, ...rows.flatMap((r) => r.phases.map((p) => p.ms)));
  const restoredRow = (r: { phases: Phase[] }): boolean => r.phases.some((p) => p.mark.startsWith('thaw.'));
  const labels = rows.flatMap((r) => r.phases.map((p) => phaseLabel(p.mark, restoredRow(r))));
  const w = Math.max(...labels.map((l) => l.length));
  const out: string[] = [];
  for (const r of rows) {
    const sum = r.phases.reduce((n, p) => n + p.ms, 0);
    out.push(`  ${r.name} (median of ${r.runs} run${r.runs === 1 ? '' : 's'} per phase; phases sum to ${sum.toFixed(1)} ms, median time to response ${r.totalMs.toFixed(1)} ms)`);
    for (const p of r.phases) {
      const cells = Math.round((p.ms / max) * width);
      const bar = cells > 0 ? '█'.repeat(cells) : p.ms > 0 ? '▏' : '';
      out.push(`    ${phaseLabel(p.mark, restoredRow(r)).padEnd(w)}  ${bar.padEnd(width)} ${p.ms.toFixed(1).padStart(7)} ms`);
    }
  }
  return out.join('\n') + '\n';
}
