/**
 * Turn the builder's report into errors a person can act on: stacks that point into the
 * bundle are mapped back to the app's own source through the bundle's source map, thaw's and
 * Node's internal frames are dropped, and each failure kind gets a code and a fix.
 */
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ThawError, tail } from '../errors.js';
import type { BuildReport, LiveHandle } from '../runtime/builder.js';

export class StackMapper {
  private map: TraceMap | undefined;
  /** Frames name the bundle by its //# sourceURL (where the image keeps it) or by its path. */
  private readonly names: Set<string>;
  constructor(private readonly bundlePath: string, finalPath?: string) {
    this.names = new Set([bundlePath, finalPath ?? bundlePath]);
    try {
      this.map = new TraceMap(readFileSync(`${bundlePath}.map`, 'utf8'), bundlePath);
    } catch {
      this.map = undefined;
    }
  }

  /** Frames of the app (and its dependencies), mapped to source, thaw/Node internals left out. */
  frames(stack: string | undefined, max = 6): string[] {
    if (!stack) return [];
    const out: string[] = [];
    for (const raw of stack.split('\n')) {
      const line = raw.trim();
      if (!line.startsWith('at ')) continue;
      const m = /^(at (?:.*? \()?)(.*?):(\d+):(\d+)(\)?)$/.exec(line);
      if (!m) continue;
      let [, pre, file, l, c, post] = m as unknown as string[];
      if (this.names.has(file!) && this.map) {
        const pos = originalPositionFor(this.map, { line: Number(l), column: Number(c) - 1 });
        if (!pos.source) continue;
        file = pos.source.replace(/^file:\/\//, '');
        l = String(pos.line);
        c = String((pos.column ?? 0) + 1);
      }
      if (file!.includes('/src/runtime/') || file!.startsWith('node:') || file!.includes('thaw-builder-entry')) continue;
      const shown = file!.startsWith('/') ? relative(process.cwd(), file!) || file : file;
      out.push(`${pre}${shown}:${l}:${c}${post}`);
      if (out.length >= max) break;
    }
    return out;
  }

  /** The first app frame, as `file:line:col`, or '' when there is none. */
  site(stack: string | undefined): string {
    const f = this.frames(stack, 1)[0];
    if (!f) return '';
    const m = /\(?([^\s()]+:\d+:\d+)\)?$/.exec(f);
    return m ? m[1]! : '';
  }
}

export function describeHandles(handles: LiveHandle[], mapper: StackMapper): string {
  // Handles made at the same place (a loop, a pool) are shown once with a count.
  const groups = new Map<string, { text: string; n: number }>();
  for (const h of handles) {
    const frames = mapper.frames(h.stack, 4);
    const what = `${h.type}${h.detail ? ` ${h.detail}` : ''}`;
    const text = `${what}\n${frames.length ? frames.map((f) => `    ${f}`).join('\n') : '    (created inside Node or thaw; no app frame)'}`;
    const key = `${h.type}|${frames.join('|')}`;
    const g = groups.get(key);
    if (g) g.n++;
    else groups.set(key, { text, n: 1 });
  }
  return [...groups.values()].map((g) => (g.n > 1 ? g.text.replace('\n', ` (×${g.n})\n`) : g.text)).join('\n');
}

/** The ThawError for a failed build, from the report (when the builder got to write one). */
export function buildFailure(report: BuildReport | undefined, exit: { status: number; signal: string | null }, stderr: string, mapper: StackMapper, entry: string): ThawError {
  const e = report?.error;
  if (!report || !e) {
    // No report: the builder died before or after thaw could say anything, e.g. a V8 abort.
    const fatal = stderr.split('\n').find((l) => /Fatal error|Check failed|FATAL ERROR|Uncaught|abort/i.test(l));
    return new ThawError('E_SNAPSHOT_ABORT', `the V8 snapshot builder stopped (${exit.signal ?? `exit ${exit.status}`}) during ${report?.phase ?? 'start-up'}${fatal ? `: ${fatal.replace(/^#\s*/, '').trim()}` : ''}`, {
      hint: `run \`thaw doctor ${entry}\` to see which module or handle the snapshot cannot hold`,
      detail: tail(stderr.split('\n').filter((l) => !/^\s*(#|\d+: 0x|\[0x|====)/.test(l)).join('\n'), 8) || undefined,
    });
  }
  const at = mapper.site(e.stack);
  const frames = mapper.frames(e.stack, 5).map((f) => `  ${f}`).join('\n');
  switch (e.kind) {
    case 'init-threw':
    case 'init-rejection':
      if (e.code === 'E_BUILD_TIME_USE') return new ThawError('E_BUILD_TIME_USE', `${e.message}${at ? ` (at ${at})` : ''}`, { hint: 'defer it: thaw.onRestore(() => …) runs in every restored process', detail: frames || undefined });
      if (e.code === 'E_NATIVE_ADDON') return new ThawError('E_NATIVE_ADDON', `${e.message}${at ? ` (at ${at})` : ''}`, { hint: 'require the addon lazily after restore (inside onRestore() or a handler), or use a pure-JS alternative' });
      return new ThawError('E_APP_INIT', `the app threw during init: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}${at ? ` (at ${at})` : ''}`, { hint: `make sure \`node ${relative(process.cwd(), entry)}\` starts cleanly`, detail: frames || undefined });
    case 'app-exit':
      return new ThawError('E_APP_EXIT', `${e.message}${at ? ` (at ${at})` : ''}`, { hint: 'a server must keep running after init; if it exits on bad configuration, give the build that configuration', detail: frames || undefined });
    case 'warmup-5xx':
      return new ThawError('E_WARMUP_5XX', e.message, { hint: 'fix the handler or the request in the warm-up file; no image was written' });
    case 'warmup-threw':
    case 'warmup-rejection':
      return new ThawError('E_WARMUP_FAILED', `a warm-up request failed: ${e.message}${at ? ` (at ${at})` : ''}`, { hint: 'fix the handler or the request in the warm-up file; no image was written', detail: frames || undefined });
    case 'warmup-no-server':
      return new ThawError('E_WARMUP_NO_SERVER', e.message, { hint: 'create the server at the top level (http.createServer(handler).listen(PORT)), or drop --warmup' });
    case 'checkpoint-hooks':
    case 'checkpoint-rejection':
      return new ThawError('E_CHECKPOINT_HOOK', `beforeCheckpoint failed, so no checkpoint was taken: ${e.message}`, {
        hint: 'fix the resource named above',
        detail: (e.causes ?? []).map((c) => `${c.resource}: ${mapper.frames(c.stack, 2).join(' ← ') || c.message}`).join('\n') || undefined,
      });
    case 'live-handles':
      return new ThawError('E_LIVE_HANDLES', `${report.blockers.length} handle(s) still open at checkpoint time, so the heap cannot be snapshotted:\n${describeHandles(report.blockers, mapper)}`, {
        hint: 'close each in a Resource\'s beforeCheckpoint() and reopen it in afterRestore() (thaw.register), or .unref() timers that may be dropped',
      });
    default:
      return new ThawError('E_BUILD_FAILED', `the build failed during ${report.phase}: ${e.message}${at ? ` (at ${at})` : ''}`, { hint: `run \`thaw doctor ${relative(process.cwd(), entry)}\``, detail: frames || undefined });
  }
}
