/**
 * Turn the builder's report into errors a person can act on: stacks that point into the
 * bundle are mapped back to the app's own source through the bundle's source map, thaw's and
 * Node's internal frames are dropped, and each failure kind gets a code and a fix.
 */
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ThawError, tail } from '../errors.js';
import type { BuildReport, LiveHandle } from '../runtime/protocol.js';

export class StackMapper {
  private map: TraceMap | undefined;
  /** Frames name the bundle by its //# sourceURL (where the image keeps it) or by its path. */
  private readonly names: Set<string>;
  constructor(bundlePath: string, finalPath?: string) {
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
      // Frames of ES modules are named by URL, as Node names them; thaw's messages name paths.
      if (file!.startsWith('file://')) file = fileURLToPath(file!);
      if (file!.includes('/src/runtime/') || file!.startsWith('node:') || file!.includes('thaw-builder-entry') || file!.startsWith('thaw-')) continue;
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

  /** The first frame in the app's own files (not a dependency's), else site(). */
  ownSite(stack: string | undefined): string {
    for (const f of this.frames(stack, 30)) {
      if (f.includes('node_modules/')) continue;
      const m = /\(?([^\s()]+:\d+:\d+)\)?$/.exec(f);
      if (m) return m[1]!;
    }
    return this.site(stack);
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

/**
 * What V8 printed when it aborted: its `#` lines name the failed check (`Check failed: …`,
 * `CheckGlobalAndEternalHandles failed`), and a JS stack follows when JS was running.
 */
export function v8Abort(stderr: string): { reason: string; stack: string[] } {
  const lines = stderr.split('\n');
  // V8 prints `# Check failed: …`, Node's own CHECKs `  #  node[pid]: … at file:line` and
  // `  #  Assertion failed: …`.
  const reasons = lines.filter((l) => /^\s*#\s*\S/.test(l) && !/FailureMessage Object/.test(l)).map((l) => l.replace(/^\s*#\s*/, '').replace(/^\S+\[\d+\]: /, '').trim());
  const reason = reasons.filter((r) => !/^Fatal error in\s*,?\s*line 0$/.test(r)).join('; ') || reasons.join('; ');
  const js = lines.findIndex((l) => /JavaScript stack trace/.test(l));
  const stack: string[] = [];
  if (js >= 0) for (const l of lines.slice(js + 1)) {
    if (!l.trim() || /^(=====|-----|\s*\d+: 0x)/.test(l) && stack.length) break;
    if (/^\s*\d+: ExitFrame|^\s*\d+: /.test(l) || /^\s+at /.test(l)) stack.push(l.trim());
  }
  return { reason, stack: stack.slice(0, 8) };
}

/** What a V8 check means for the person building, when we know. */
function explainAbort(reason: string, stderr: string): string | undefined {
  if (/js_promise_hooks/.test(reason)) return 'an async_hooks hook or AsyncLocalStorage was still enabled when the heap was written';
  if (/contexts_\.size\(\)/.test(reason)) return 'a vm context (vm.createContext) was still reachable: create it after restore (thaw.onRestore)';
  if (/finalization_registries/.test(reason)) return 'a FinalizationRegistry with registered objects was still reachable: register them after restore (thaw.onRestore)';
  if (/CheckGlobalAndEternalHandles/.test(reason)) {
    const what = /nghttp2|Http2Session/.test(stderr) ? ' (node:http2 — loaded with undici by the web fetch globals)' : /\bWeakRef|FinalizationRegistry/.test(stderr) ? ' (a WeakRef or FinalizationRegistry)' : '';
    return `an object held by a native global handle${what} was still reachable when the heap was written`;
  }
  return undefined;
}

/**
 * The ThawError for a failed build. `doctor` is the command line that diagnoses this same build
 * (its entry, warm-up and Node), for hints.
 */
export function buildFailure(report: BuildReport | undefined, exit: { status: number; signal: string | null }, stderr: string, mapper: StackMapper, doctor: string): ThawError {
  const e = report?.error;
  if (!report || !e) {
    // No error in the report: the builder died before thaw could say anything, or after it
    // had approved the checkpoint, while V8 wrote the heap.
    const phase = !report ? 'start-up' : report.ok ? 'serialisation, after the checkpoint was prepared' : report.phase;
    const v8 = v8Abort(stderr);
    const fatal = v8.reason || stderr.split('\n').find((l) => /Fatal error|Check failed|FATAL ERROR|Uncaught|abort/i.test(l))?.trim();
    const why = v8.reason ? explainAbort(v8.reason, stderr) : undefined;
    const detail = v8.stack.length ? ['JavaScript stack when V8 stopped:', ...v8.stack].join('\n') : tail(stderr.split('\n').filter((l) => !/^\s*(#|\d+: 0x|\[0x|====|-----| - |\s+\d+-\d+:)/.test(l) && !/^\s{2,}/.test(l)).join('\n'), 8);
    return new ThawError('E_SNAPSHOT_ABORT', `the V8 snapshot builder stopped (${exit.signal ?? `exit ${exit.status}`}) during ${phase}${fatal ? `: ${fatal}` : ''}${why ? ` — ${why}` : ''}`, {
      hint: `run \`${doctor}\` to see which module or handle the snapshot cannot hold`,
      detail: detail || undefined,
    });
  }
  const at = mapper.site(e.stack);
  const frames = mapper.frames(e.stack, 5).map((f) => `  ${f}`).join('\n');
  switch (e.kind) {
    case 'init-threw':
    case 'init-rejection':
      if (e.code === 'E_BUILD_TIME_USE') return new ThawError('E_BUILD_TIME_USE', `${e.message}${at ? ` (at ${at})` : ''}`, { hint: 'defer it: thaw.onRestore(() => …) runs in every restored process', detail: frames || undefined });
      if (e.code === 'E_NATIVE_ADDON') return new ThawError('E_NATIVE_ADDON', `${e.message}${mapper.ownSite(e.stack) ? ` (from ${mapper.ownSite(e.stack)})` : ''}`, { hint: 'load it after restore: require the package (and open what it opens, e.g. a database) inside thaw.onRestore() or a request handler; or use a pure-JS alternative', detail: frames || undefined });
      if (e.code === 'MODULE_NOT_FOUND') return new ThawError('E_MODULE_NOT_FOUND', `the app required a module that is not installed during init: ${e.message.split('\n')[0]}${at ? ` (at ${at})` : ''}`, { hint: 'install it (npm install), as `node` would need too', detail: frames || undefined });
      return new ThawError('E_APP_INIT', `the app threw during init: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}${at ? ` (at ${at})` : ''}`, { hint: `make sure \`node ${doctor.split(' ')[2]}\` starts cleanly`, detail: frames || undefined });
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
    case 'live-handles': {
      const files = report.blockers.some((b) => b.type === 'FILE');
      return new ThawError('E_LIVE_HANDLES', `${report.blockers.length} handle(s) still open at checkpoint time, so the heap cannot be snapshotted${files ? ' (a file descriptor is only a number in a snapshot: a restored process would write to nothing, or to another file)' : ''}:\n${describeHandles(report.blockers, mapper)}`, {
        hint: `close each in a Resource's beforeCheckpoint() and reopen it in afterRestore() (thaw.register)${files ? "; an append-mode fs.createWriteStream(path, { flags: 'a' }) is reopened by thaw itself" : ', or .unref() timers that may be dropped'}`,
      });
    }
    case 'hostile-modules':
      return new ThawError('E_SNAPSHOT_HOSTILE', e.message, {
        hint: /undici/.test(e.message)
          ? 'something reached the fetch globals past thaw\'s stand-ins (e.g. through Function("return this")()); make that call after restore (thaw.onRestore) and report the package to thaw'
          : 'require it after restore (thaw.onRestore) and report the package to thaw',
      });
    default:
      return new ThawError('E_BUILD_FAILED', `the build failed during ${report.phase}: ${e.message}${at ? ` (at ${at})` : ''}`, { hint: `run \`${doctor}\``, detail: frames || undefined });
  }
}
