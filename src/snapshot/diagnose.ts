/**
 * Turn the builder's report into errors a person can act on: stacks that point into the
 * bundle are mapped back to the app's own source through the bundle's source map, thaw's and
 * Node's internal frames are dropped, and each failure kind gets a code and a fix.
 */
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
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
    return this.ownCall(stack)?.site ?? this.site(stack);
  }

  /**
   * The first frame in the app's own files, and the package the app called there (the
   * dependency frame just above it), or undefined when no frame of the app's files is recorded.
   */
  ownCall(stack: string | undefined): { site: string; into?: string } | undefined {
    const frames = this.frames(stack, 30);
    const i = frames.findIndex((f) => !isDependency(f));
    const m = i >= 0 ? /\(?([^\s()]+:\d+:\d+)\)?$/.exec(frames[i]!) : null;
    return m ? { site: m[1]!, into: i > 0 ? packageOf(frames[i - 1]!) : undefined } : undefined;
  }

  /** Does this line name the bundle? Only thaw's own frames still do once stacks are mapped. */
  namesBundle(line: string): boolean {
    for (const n of this.names) if (line.includes(n)) return true;
    return false;
  }
}

function isDependency(frame: string): boolean {
  return frame.includes('node_modules/');
}

/** The package a frame is in (the innermost node_modules/NAME, scoped names kept). */
function packageOf(frame: string): string | undefined {
  const all = [...frame.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)];
  return all.length ? all[all.length - 1]![1] : undefined;
}

/**
 * Random draws, grouped by where they were made (one line per place, with a count), and
 * whether that place is the app's own code or a dependency's (avvio's timing ids, Nest's uids:
 * shared by every restore too, but not the app's to move).
 */
export function groupDraws(draws: Array<{ fn: string; stack: string }>, mapper: StackMapper): Array<{ text: string; own: boolean; n: number }> {
  const groups = new Map<string, { text: string; own: boolean; n: number }>();
  for (const d of draws) {
    const top = mapper.frames(d.stack, 1)[0];
    const own = top !== undefined && !isDependency(top);
    const where = mapper.site(d.stack);
    const text = `${d.fn} at ${where || '(inside Node)'}${top && !own ? ` (inside ${packageOf(top) ?? 'a dependency'})` : ''}`;
    const g = groups.get(text);
    if (g) g.n++;
    else groups.set(text, { text, own, n: 1 });
  }
  return [...groups.values()];
}

/** The build's line about randomness drawn during init, or undefined when there was none. */
export function initDrawsLine(report: BuildReport, mapper: () => StackMapper): string | undefined {
  const init = report.entropy.filter((d) => d.phase === 'init' || d.phase === 'prelude');
  // The mapper reads the image's source map: only when there is a draw to place.
  const groups = init.length ? groupDraws(init, mapper()) : [];
  if (!groups.length) return undefined;
  const own = groups.filter((g) => g.own).reduce((n, g) => n + g.n, 0);
  const theirs = groups.filter((g) => !g.own);
  const pkgs = [...new Set(theirs.map((g) => /\(inside (.+)\)$/.exec(g.text)?.[1]).filter(Boolean))];
  if (own) return `warning: ${own} random value(s) drawn during init by the app's own code are shared by every restore (${groups.find((g) => g.own)!.text}); draw them in onRestore(), see thaw doctor`;
  return `note: ${theirs.reduce((n, g) => n + g.n, 0)} random value(s) drawn during init inside ${pkgs.join(', ')} are shared by every restore (thaw doctor lists them)`;
}

/** Where the app loaded a native addon: its own call (into the package that loaded it), else the first frame. */
function nativeAddonSite(stack: string | undefined, mapper: StackMapper): string {
  const own = mapper.ownCall(stack);
  if (own) return ` (from ${own.site}${own.into ? `, the app's call into ${own.into}` : ''})`;
  const site = mapper.site(stack);
  return site ? ` (from ${site})` : '';
}

/** How many frames handles.ts records of a handle's creation (stackHere's default). */
const RECORDED_FRAMES = 30;

/**
 * Where a handle was made: its top frames, and when those are all a dependency's (a database
 * driver's heartbeat), the app's own call into it, which is what the person can change.
 */
function handleOrigin(stack: string | undefined, mapper: StackMapper): string[] {
  const frames = mapper.frames(stack, 4);
  if (!frames.length) return ['(created inside Node or thaw; no app frame)'];
  if (!frames.every(isDependency)) return frames;
  const own = mapper.ownCall(stack);
  if (own) return [...frames, `via ${own.site}${own.into ? ` (the app's call into ${own.into})` : ''}`];
  const pkg = packageOf(frames[0]!) ?? 'a dependency';
  const deep = (stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).length >= RECORDED_FRAMES;
  return [...frames, deep ? `(the app's own call is deeper than the ${RECORDED_FRAMES} frames recorded)` : `(no frame of the app's own files: ${pkg} made it from a callback of its own; close the client the app opened with ${pkg})`];
}

/** What the app called to make a handle of Node's kind (async_wrap.h's provider names). */
const MADE_BY: Record<string, string> = {
  FSEVENTWRAP: 'fs.watch()',
  STATWATCHER: 'fs.watchFile()',
  SIGNALWRAP: "process.on('SIGxxx')",
  PROCESSWRAP: 'a child process',
  MESSAGEPORT: 'a MessagePort',
  WORKER: 'a Worker thread',
  UDPWRAP: 'a dgram socket',
  ZLIB: 'a zlib stream',
  TCPSERVERWRAP: 'a TCP server',
  TCPWRAP: 'a TCP socket',
  PIPEWRAP: 'a pipe or Unix socket',
  PIPESERVERWRAP: 'a Unix socket server',
  TTYWRAP: 'a terminal stream',
};

export function describeHandles(handles: LiveHandle[], mapper: StackMapper): string {
  // Handles made at the same place (a loop, a pool) are shown once with a count.
  const groups = new Map<string, { text: string; n: number }>();
  for (const h of handles) {
    const origin = handleOrigin(h.stack, mapper);
    const what = `${MADE_BY[h.type] ? `${MADE_BY[h.type]} (${h.type})` : h.type}${h.detail ? ` ${h.detail}` : ''}`;
    const text = `${what}\n${origin.map((f) => `    ${f}`).join('\n')}`;
    const key = `${h.type}|${origin.join('|')}`;
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
  if (/Unknown external reference/.test(reason)) return 'a native function the snapshot has no reference for (an inspector API, a native addon\'s function) was still reachable: take it in thaw.onRestore()';
  if (/finalization_registries/.test(reason)) return 'a FinalizationRegistry with registered objects was still reachable: register them after restore (thaw.onRestore)';
  if (/CheckGlobalAndEternalHandles/.test(reason)) {
    const what = /nghttp2|Http2Session/.test(stderr) ? ' (node:http2 — loaded with undici by the web fetch globals)' : /\bWeakRef|FinalizationRegistry/.test(stderr) ? ' (a WeakRef or FinalizationRegistry)' : '';
    return `an object held by a native global handle${what} was still reachable when the heap was written`;
  }
  return undefined;
}

/** Node's warning that a built-in is not vouched for in snapshots (doctor lists those). */
const NODE_SNAPSHOT_WARNING = /^(\(node:\d+\) Warning: It's not yet fully verified whether built-in module|It may still work in some cases, but in other cases certain run-time states|To request support for the module, use the Node\.js issue tracker|\(Use `node --trace-warnings \.\.\.` to show where the warning was created\))/;

/**
 * The tail of what the app wrote (stdout and stderr, one log) while it ran in the builder: an
 * error it logged before answering 5xx, or why it exited. Node's snapshot warnings are left
 * out, and so are the frames below thaw's own in a stack the app printed: thaw's warm-up
 * delivery calling the app is no part of the app's error, and a cold start would not show it.
 */
export function appOutput(log: string, mapper: StackMapper, lines = 15): string {
  const kept: string[] = [];
  let belowThaw = false;
  for (const l of log.split('\n')) {
    if (NODE_SNAPSHOT_WARNING.test(l)) continue;
    if (!/^\s+at /.test(l)) belowThaw = false;
    else if (belowThaw || mapper.namesBundle(l)) {
      belowThaw = true;
      continue;
    }
    kept.push(l);
  }
  return tail(kept.join('\n'), lines);
}

/** A word for a shell command line, quoted when it needs to be. */
function shellWord(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `thaw doctor` command line that diagnoses the same build: its entry, warm-up and Node
 * (left out when it is the Node thaw runs on, doctor's default).
 */
export function doctorLine(entry: string, warmupFile?: string, node?: string): string {
  const words = ['thaw', 'doctor', entry];
  if (warmupFile) words.push('--warmup', warmupFile);
  if (node && resolve(node) !== process.execPath) words.push('--node', node);
  return words.map(shellWord).join(' ');
}

/** What buildFailure needs to know of the build: the entry as shown, and the doctor line. */
export interface FailureContext {
  /** The entry as the person named it (relative to the current directory). */
  entry: string;
  /** The command that diagnoses this build; absent when the build is doctor's own. */
  doctor?: string;
}

/**
 * The ThawError for a failed build. Every cause found in the app's run ends its fix with the
 * doctor line, which lists all the build saw beside the failure (env read, handles, deferred
 * built-ins); doctor's own report already is that list.
 */
export function buildFailure(report: BuildReport | undefined, exit: { status: number; signal: string | null }, stderr: string, mapper: StackMapper, ctx: FailureContext): ThawError {
  const { doctor } = ctx;
  const more = (hint: string): string => (doctor ? `${hint}; \`${doctor}\` lists all the build saw` : hint);
  const e = report?.error;
  if (!report || !e) {
    // No error in the report: the builder died before thaw could say anything, or after it
    // had approved the checkpoint, while V8 wrote the heap.
    const phase = !report ? 'start-up' : report.ok ? 'serialisation, after the checkpoint was prepared' : report.phase;
    const v8 = v8Abort(stderr);
    const fatal = v8.reason || stderr.split('\n').find((l) => /Fatal error|Check failed|FATAL ERROR|Uncaught|abort|Unknown external reference/i.test(l))?.trim();
    let why = fatal ? explainAbort(fatal, stderr) : undefined;
    // Where the app made its first vm context, when that is what V8 refused.
    if (why && /contexts_\.size\(\)/.test(v8.reason) && report?.vmContextAt) why = why.replace(' was still reachable', ` was still reachable (made at ${mapper.ownSite(report.vmContextAt)})`);
    const detail = v8.stack.length ? ['JavaScript stack when V8 stopped:', ...v8.stack].join('\n') : tail(stderr.split('\n').filter((l) => !/^\s*(#|\d+: 0x|\[0x|====|-----| - |\s+\d+-\d+:)/.test(l) && !/^\s{2,}/.test(l) && !NODE_SNAPSHOT_WARNING.test(l)).join('\n'), 8);
    return new ThawError('E_SNAPSHOT_ABORT', `the V8 snapshot builder stopped (${exit.signal ?? `exit ${exit.status}`}) during ${phase}${fatal ? `: ${fatal}` : ''}${why ? ` — ${why}` : ''}`, {
      hint: doctor ? `run \`${doctor}\` to see which module or handle the snapshot cannot hold` : 'the reason names what to move into thaw.onRestore()',
      detail: detail || undefined,
    });
  }
  const at = mapper.site(e.stack);
  const frames = mapper.frames(e.stack, 5).map((f) => `  ${f}`).join('\n');
  switch (e.kind) {
    case 'init-threw':
    case 'init-rejection':
      if (e.code === 'E_BUILD_TIME_USE') return new ThawError('E_BUILD_TIME_USE', `${e.message}${at ? ` (at ${at})` : ''}`, { hint: more('defer it: thaw.onRestore(() => …) runs in every restored process'), detail: frames || undefined });
      if (e.code === 'E_NATIVE_ADDON') return new ThawError('E_NATIVE_ADDON', `${e.message}${nativeAddonSite(e.stack, mapper)}`, { hint: more('load it after restore: require the package (and open what it opens, e.g. a database) inside thaw.onRestore() or a request handler; or use a pure-JS alternative'), detail: frames || undefined });
      if (e.code === 'MODULE_NOT_FOUND') return new ThawError('E_MODULE_NOT_FOUND', `the app required a module that is not installed during init: ${e.message.split('\n')[0]}${at ? ` (at ${at})` : ''}`, { hint: more('install it (npm install), as `node` would need too'), detail: frames || undefined });
      return appInit(e, at, frames, ctx);
    case 'app-exit': {
      const output = appOutput(stderr, mapper);
      return new ThawError('E_APP_EXIT', `${e.message}${at ? ` (at ${at})` : ''}${output ? "; the app's output before it is below" : ''}`, { hint: more('a server must keep running after init; if it exits on bad configuration, give the build that configuration'), detail: [frames, output].filter(Boolean).join('\n') || undefined });
    }
    case 'warmup-5xx':
      return warmup5xx(e.message, report, appOutput(stderr, mapper), more);
    case 'warmup-threw':
    case 'warmup-rejection':
      return new ThawError('E_WARMUP_FAILED', `a warm-up request failed: ${e.message}${at ? ` (at ${at})` : ''}`, { hint: more('fix the handler or the request in the warm-up file; no image was written'), detail: frames || undefined });
    case 'warmup-no-server':
      return new ThawError('E_WARMUP_NO_SERVER', e.message, { hint: more('create the server at the top level (http.createServer(handler).listen(PORT)), or drop --warmup') });
    case 'checkpoint-hooks':
    case 'checkpoint-rejection':
      return new ThawError('E_CHECKPOINT_HOOK', `beforeCheckpoint failed, so no checkpoint was taken: ${e.message}`, {
        hint: more('fix the resource named above'),
        detail: (e.causes ?? []).map((c) => `${c.resource}: ${mapper.frames(c.stack, 2).join(' ← ') || c.message}`).join('\n') || undefined,
      });
    case 'live-handles':
      return liveHandles(report.blockers, mapper, more);
    case 'hostile-modules':
      return new ThawError('E_SNAPSHOT_HOSTILE', e.message, {
        hint: more(/undici/.test(e.message)
          ? 'something reached the fetch globals past thaw\'s stand-ins (e.g. through Function("return this")()); make that call after restore (thaw.onRestore) and report the package to thaw'
          : 'require it after restore (thaw.onRestore) and report the package to thaw'),
      });
    default:
      return new ThawError('E_BUILD_FAILED', `the build failed during ${report.phase}: ${e.message}${at ? ` (at ${at})` : ''}`, { hint: doctor ? `run \`${doctor}\`` : 'THAW_KEEP_FAILED_BUILD=1 thaw build … keeps the build for a report', detail: frames || undefined });
  }
}

type BuildError = NonNullable<BuildReport['error']>;

/**
 * The app threw (or rejected) while initialising inside the snapshot builder. That does not
 * make the app broken: the builder is not a plain `node` (PORT, HOST and NODE_OPTIONS are unset
 * there, a restore has its own; WebAssembly does not exist in it), so the fix says how to tell
 * the two apart instead of asserting either.
 */
function appInit(e: BuildError, at: string, frames: string, ctx: FailureContext): ThawError {
  const rejected = e.kind === 'init-rejection';
  const builder = `something the snapshot builder lacks is the cause (PORT, HOST and NODE_OPTIONS are unset there; WebAssembly and SharedArrayBuffer are missing, and Atomics on Node 20)${ctx.doctor ? ` and \`${ctx.doctor}\` shows what the app read and loaded` : ''}`;
  const hint = `check that \`node ${shellWord(ctx.entry)}\` starts cleanly: if it does, ${builder}; else fix the ${rejected ? 'rejection' : 'throw'} ${at ? `at ${at}` : 'shown'}`;
  return new ThawError('E_APP_INIT', `the app ${rejected ? 'rejected a promise' : 'threw'} while initialising inside the snapshot builder: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}${at ? ` (at ${at})` : ''}`, { hint, detail: frames || undefined });
}

/** A warm-up request answered 5xx: the reason is in what the app logged, shown below. */
function warmup5xx(message: string, report: BuildReport, output: string, more: (hint: string) => string): ThawError {
  const last = report.warmup[report.warmup.length - 1];
  const request = last ? `${last.method} ${last.path}` : 'the request';
  const why = output ? 'what the app printed during the build is below' : 'the app printed nothing during the build: log the error in that handler to see why';
  return new ThawError('E_WARMUP_5XX', message, { hint: more(`fix the handler of ${request} (${why}), or that request in the warm-up file; no image was written`), detail: output || undefined });
}

/** Handles still open at the checkpoint: one line with their kinds, then where each was made. */
function liveHandles(blockers: LiveHandle[], mapper: StackMapper, more: (hint: string) => string): ThawError {
  const kinds = new Map<string, number>();
  for (const b of blockers) kinds.set(b.type, (kinds.get(b.type) ?? 0) + 1);
  const list = [...kinds].map(([k, n]) => `${MADE_BY[k] ?? k}${n > 1 ? ` ×${n}` : ''}`).join(', ');
  const files = kinds.has('FILE');
  // Handles a dependency made (a database driver's socket and heartbeat timers): the client the
  // app opened with it is what to move.
  const packages = [...new Set(blockers.map((b) => mapper.frames(b.stack, 1)[0]).map((f) => (f && isDependency(f) ? packageOf(f) : undefined)))];
  const inside = packages.length && packages.every((p) => p !== undefined) ? (packages as string[]) : undefined;
  // The package the app itself called (mongoose, for mongodb's timers) is the one it knows.
  const called = [...new Set(blockers.map((b) => mapper.ownCall(b.stack)?.into).filter((p): p is string => p !== undefined))];
  const close = `close each in a Resource's beforeCheckpoint() and reopen it in afterRestore() (thaw.register)${files ? "; an append-mode fs.createWriteStream(path, { flags: 'a' }) is reopened by thaw itself" : ', or .unref() timers that may be dropped'}`;
  return new ThawError('E_LIVE_HANDLES', `${blockers.length} handle(s) still open at checkpoint time (${list}${inside ? `, made inside ${inside.join(', ')}` : ''}), so the heap cannot be snapshotted${files ? ' (a file descriptor is only a number in a snapshot: a restored process would write to nothing, or to another file)' : ''}; where each was made is below`, {
    hint: more(inside ? `open the connection or client the app makes with ${(called.length ? called : inside).join(', ')} in thaw.onRestore() instead of at load, or ${close}` : close),
    detail: describeHandles(blockers, mapper),
  });
}

/** ` (at file:line:col)` for the first frame of a recorded stack outside thaw and Node. */
function siteOf(stack: string): string {
  // [0] is the message and [1] the frame that recorded it (thaw's getter or trap).
  const frame = stack.split('\n').slice(2).find((l) => /^\s+at /.test(l) && !/\(node:|at node:|\/src\/runtime\//.test(l));
  const m = frame && /\(?((?:file:\/\/)?\/[^\s()]+:\d+:\d+)\)?$/.exec(frame.trim());
  return m ? ` (at ${relative(process.cwd(), m[1]!.replace(/^file:\/\//, '')) || m[1]})` : '';
}

/**
 * What the build baked in that a person should know, one sentence each: `thaw build` prints
 * them after a build and `thaw doctor` in its report, so both say the same. `imageNotes` are
 * the manifest's (how the image runs, e.g. interpreted regular expressions on Node 20).
 */
export function buildNotes(report: BuildReport, imageNotes: string[]): string[] {
  const notes: string[] = [];
  const writes = report.warmup.filter((w) => w.write);
  if (writes.length) notes.push(`${writes.length} warm-up request(s) were not reads (${[...new Set(writes.map((w) => `${w.method} ${w.path}`))].slice(0, 3).join(', ')}): what they changed is in every restore`);
  if (report.nodeEnv !== undefined) notes.push(`the app read NODE_ENV=${report.nodeEnv ?? '(unset)'} during the build and frameworks keep what they read then${report.nodeEnv === 'production' ? '' : '; for production build with NODE_ENV=production thaw build …'}`);
  if (report.pidReadAt) notes.push(`the app read process.pid during init${siteOf(report.pidReadAt)}: what it kept of it (a logger's "pid") is the build's in every restore`);
  return [...notes, ...imageNotes];
}
