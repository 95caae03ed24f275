/**
 * Files the app opens while building. A file descriptor is only a number in the snapshot: in a
 * restored process it names nothing (EBADF on the first write) or, worse, another file. So every
 * descriptor the app opens through node:fs is recorded with the stack that opened it; one still
 * open at the checkpoint blocks it, named with its path, as CRaC's
 * CheckpointOpenFileException does. One kind is common enough to handle instead: an append-mode
 * fs.WriteStream (`createWriteStream('access.log', { flags: 'a' })`, a logger's file) is
 * flushed and closed at the checkpoint and reopened, same path and flags, in every restore; a
 * bare descriptor opened for appending (pino.destination's sonic-boom keeps only the number) is
 * closed too and, in every restore, opened again under the same number (descriptors below it
 * are taken with /dev/null while it is opened, then given back), as dup2 would.
 * The app's data files read while building (locales, config) are listed: their contents are in
 * the snapshot, so editing one needs a rebuild.
 *
 * All of this is the build's business only. At the checkpoint node:fs gets its own functions
 * back and the wrappers an app kept (`const { openSync } = require('fs')`) only pass calls on:
 * a restored server that opens a file per request (EJS reads its templates with readFileSync,
 * which opens through fs.openSync) must not pay for a formatted 30-frame stack each time, as it
 * did (2.7x a cold server's CPU per request).
 */
import { dirname, resolve } from 'node:path';
import type { OpenFile } from '../protocol.js';
import { pair, session, stackHere } from './session.js';

interface Opened {
  path: string;
  flags: string;
  mode?: number;
  stack: string;
}

interface AppendStream {
  fd: number | null;
  path: string;
  flags: string;
  mode?: number;
  destroyed?: boolean;
  closed?: boolean;
  writableLength?: number;
  writableNeedDrain?: boolean;
  once(event: string, fn: () => void): unknown;
}

const open = new Map<number, Opened>();
/** Data files of the app read while building (their contents are in the snapshot). */
const read = new Set<string>();
const MAX_READ = 200;
const appendStreams = new Set<AppendStream>();
/** Streams closed at the checkpoint, reopened after restore. */
const parked: AppendStream[] = [];
/** Bare append-mode descriptors closed at the checkpoint, opened again under their number. */
const parkedFds: Array<Opened & { fd: number }> = [];

/** Recording opens and reads: true while building, false from the checkpoint on. */
let tracking = true;
/** Puts node:fs's own functions back (where they are still thaw's wrappers). */
const untrack: Array<() => void> = [];

const flagText = (flags: unknown): string => (flags === undefined || flags === null ? 'r' : String(flags));

function record(fd: unknown, path: unknown, flags: unknown, mode: unknown, stack: string): void {
  if (typeof fd !== 'number' || fd < 0) return;
  open.set(fd, { path: typeof path === 'string' ? path : Buffer.isBuffer(path) ? path.toString() : String(path), flags: flagText(flags), mode: typeof mode === 'number' ? mode : undefined, stack });
}

/**
 * What the app reads from its own files (locales, templates, config) is baked in: recorded,
 * except code (the bundle has it), dependencies' files and thaw's own scratch files.
 */
let scratch: string | undefined;
function noteRead(path: unknown): void {
  if (read.size >= MAX_READ) return;
  scratch ??= dirname(session().config.reportPath);
  const p = typeof path === 'string' ? path : path instanceof URL && path.protocol === 'file:' ? decodeURIComponent(path.pathname) : undefined;
  if (!p) return;
  const abs = resolve(p);
  if (abs.includes('/node_modules/') || abs.startsWith(scratch) || /\.(c|m)?[jt]sx?$|\.node$/.test(abs)) return;
  read.add(abs);
}

const guarded = new WeakSet<object>();

/** fs/promises with open() and readFile() tracked like their callback forms (once per object). */
export function guardPromises<T>(promises: T): T {
  const p = promises as Record<string, any>;
  if (!p || guarded.has(p)) return promises;
  guarded.add(p);
  const openPromise = p.open;
  p.open = async function (path: unknown, flags?: unknown, mode?: unknown) {
    if (!tracking) return openPromise.apply(this, arguments);
    const stack = stackHere();
    const handle = await openPromise.apply(this, arguments);
    record(handle.fd, path, flags, mode, stack);
    return handle;
  };
  const readPromise = p.readFile;
  p.readFile = function (path: unknown) {
    if (tracking) noteRead(path);
    return readPromise.apply(this, arguments);
  };
  return promises;
}

/** Replace fs[name] with a wrapper made from the original; put the original back at untrack. */
function wrapFs(fs: Record<string, any>, name: string, make: (orig: Function) => Function): void {
  const orig = fs[name];
  const wrapped = make(orig);
  fs[name] = wrapped;
  untrack.push(() => {
    if (fs[name] === wrapped) fs[name] = orig;
  });
}

function stopTrackingFiles(): void {
  tracking = false;
  for (const undo of untrack.splice(0)) undo();
}

export function trackFiles(): void {
  const fs = (process as any).getBuiltinModule('node:fs');
  wrapFs(fs, 'openSync', (openSync) => function (this: unknown, path: unknown, flags?: unknown, mode?: unknown) {
    if (!tracking) return openSync.apply(this, arguments);
    const fd = openSync.apply(this, arguments);
    record(fd, path, flags, mode, stackHere());
    return fd;
  });
  wrapFs(fs, 'open', (openAsync) => function (this: unknown, path: unknown, flags?: unknown, mode?: unknown, _cb?: unknown) {
    if (!tracking) return openAsync.apply(this, arguments);
    const args = [...arguments];
    const i = args.findIndex((a) => typeof a === 'function');
    const stack = stackHere();
    if (i >= 0) {
      const done = args[i] as (err: unknown, fd?: number) => void;
      args[i] = (err: unknown, fd?: number) => {
        if (!err) record(fd, path, typeof flags === 'function' ? undefined : flags, typeof mode === 'function' ? undefined : mode, stack);
        done(err, fd);
      };
    }
    return openAsync.apply(this, args);
  });
  // fs.promises loads its module (and with it readline and the REPL history, ~350 kB of every
  // snapshot) on first use: it is guarded then, not before. `require('fs/promises')` gets the
  // same object, guarded on its way through thaw's require (guest/modules.ts).
  const lazy = Object.getOwnPropertyDescriptor(fs, 'promises');
  if (lazy?.get && lazy.configurable) {
    const get = lazy.get;
    Object.defineProperty(fs, 'promises', {
      ...lazy,
      get() {
        return guardPromises(get.call(this));
      },
    });
    untrack.push(() => Object.defineProperty(fs, 'promises', lazy));
  } else {
    guardPromises(fs.promises);
  }
  for (const name of ['close', 'closeSync']) {
    wrapFs(fs, name, (orig) => function (this: unknown, fd: unknown) {
      if (tracking && typeof fd === 'number') open.delete(fd);
      return orig.apply(this, arguments);
    });
  }
  wrapFs(fs, 'createWriteStream', (createWriteStream) => function (this: unknown, path: unknown, options?: unknown) {
    const stream = createWriteStream.apply(this, arguments) as AppendStream;
    const o = (typeof options === 'string' ? {} : options ?? {}) as { flags?: string; fd?: unknown };
    if (tracking && typeof o.flags === 'string' && o.flags.startsWith('a') && o.fd === undefined && typeof path === 'string') appendStreams.add(stream);
    return stream;
  });
  for (const name of ['readFileSync', 'readFile']) {
    wrapFs(fs, name, (orig) => function (this: unknown, path: unknown) {
      if (tracking) noteRead(path);
      return orig.apply(this, arguments);
    });
  }
  session().collectors.push((r) => {
    r.reopened = [...parked.map((s) => s.path), ...[...open.values()].filter((o) => o.flags.startsWith('a')).map((o) => o.path)];
    r.filesRead = [...read].sort();
  });
  pair(
    'append-mode files',
    () => {
      parkAppendFds();
      stopTrackingFiles();
    },
    reopenStreams,
  );
}

function stillOpen(fd: number): boolean {
  try {
    (process as any).getBuiltinModule('node:fs').fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

/** Flush and close the app's append-mode write streams (called once the checkpoint hooks ran). */
export async function parkAppendStreams(timeoutMs: number): Promise<void> {
  const fs = (process as any).getBuiltinModule('node:fs');
  for (const s of appendStreams) {
    if (s.destroyed || s.closed || typeof s.fd !== 'number') continue;
    const deadline = Date.now() + timeoutMs;
    while ((s.writableLength ?? 0) > 0 && Date.now() < deadline) await new Promise<void>((r) => setImmediate(r));
    open.delete(s.fd);
    fs.closeSync(s.fd);
    s.fd = null;
    parked.push(s);
  }
  appendStreams.clear();
}

/** Bare append-mode descriptors still open: closed once the app's code has stopped running. */
function parkAppendFds(): void {
  const fs = (process as any).getBuiltinModule('node:fs');
  for (const [fd, o] of open) {
    if (!o.flags.startsWith('a') || !stillOpen(fd)) continue;
    open.delete(fd);
    fs.closeSync(fd);
    parkedFds.push({ fd, ...o });
  }
}

/** Open `path` as descriptor `fd` (what dup2 does; Node has no dup2). */
function reclaim(fs: typeof import('node:fs'), p: Opened & { fd: number }): boolean {
  const placeholders: number[] = [];
  try {
    for (let i = 0; i <= p.fd; i++) {
      const got = fs.openSync(p.path, p.flags, p.mode ?? 0o666);
      if (got === p.fd) return true;
      fs.closeSync(got);
      if (got > p.fd) return false; // the number is taken in this process
      placeholders.push(fs.openSync('/dev/null', 'r'));
    }
    return false;
  } finally {
    for (const f of placeholders) fs.closeSync(f);
  }
}

function reopenStreams(): void {
  const fs = (process as any).getBuiltinModule('node:fs');
  for (const s of parked.splice(0)) s.fd = fs.openSync(s.path, s.flags, s.mode ?? 0o666);
  const lost = parkedFds.splice(0).filter((p) => !reclaim(fs, p));
  if (lost.length) process.stderr.write(`thaw: warning: could not open ${lost.map((p) => `${p.path} as fd ${p.fd}`).join(', ')} again in this process (the number is taken); the app's writes to ${lost.length > 1 ? 'them' : 'it'} will fail\n`);
}

/** Descriptors the app opened and has not closed (append-mode ones are thaw's to reopen). */
export function openFiles(): OpenFile[] {
  const out: OpenFile[] = [];
  for (const [fd, o] of open) {
    if (o.flags.startsWith('a')) continue;
    if (!stillOpen(fd)) {
      open.delete(fd);
      continue;
    }
    out.push({ fd, path: o.path, flags: o.flags, stack: o.stack });
  }
  return out;
}
