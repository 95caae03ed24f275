/**
 * process.env while building: every name the app reads is recorded (its value is baked into the
 * snapshot, so the manifest and doctor list it), and so is NODE_ENV's value when read, since
 * frameworks choose their production behaviour from it at load time. A restored process gets
 * the real process.env back, and is told on stderr, in one line, when a variable the app read
 * during the build has another value now (DATABASE_URL pointing elsewhere): the app keeps the
 * build's. Only a hash of each value is kept for that comparison, not the value.
 */
import { pair, session, stackHere } from './session.js';
import { TUNABLES_MARK } from '../protocol.js';

const realEnv = process.env;
const SKIP = new Set(['PORT', 'HOST', 'NODE_ENV']);

/** FNV-1a of a value (undefined apart): enough to tell a change without keeping the value. */
function hash(v: string | undefined): number {
  if (v === undefined) return -1;
  let h = 0x811c9dc5;
  for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
const read = new Set<string>();
/** Names only Node itself has read (FORCE_COLOR when console first writes …). */
const nodeOnly = new Set<string>();

/** Record a read, unless Node's own code made it (the app did not choose that value). */
function note(k: string): void {
  if (read.has(k)) return;
  const stack = stackHere(12);
  // [0] the message, [1] note(), [2] the proxy's trap, [3] the reader.
  const frames = stack.split('\n').slice(3).filter((l) => /^\s+at /.test(l));
  // The frame right above the proxy is the reader: Node's internals (console's colour check)
  // read what the app never chose.
  if (frames.length && /\(node:|at node:/.test(frames[0]!)) nodeOnly.add(k);
  else read.add(k);
}
let enumerated = false;
let enumeratedAt: string | undefined;
/** Keys handed out by an enumeration (Object.keys asks a descriptor of each): not reads. */
let enumerating = new Set<string | symbol>();

/** Names read so far (servers note which were read before they listened). */
export function envReads(): Set<string> {
  return read;
}

/**
 * process.pid read during init: what the app keeps of it (pino's `pid` binding) is the build
 * process's in every restore. The first read from the app's code is recorded.
 */
function trackPid(): void {
  const desc = Object.getOwnPropertyDescriptor(process, 'pid');
  if (!desc || !desc.configurable || !('value' in desc)) return;
  let at: string | undefined;
  Object.defineProperty(process, 'pid', {
    configurable: true,
    enumerable: desc.enumerable,
    get() {
      if (at === undefined && session().report.phase === 'init') {
        const stack = stackHere(12);
        // [0] the message, [1] this getter, [2] the reader: Node's own reads do not count.
        if (!/\(node:|at node:/.test(stack.split('\n')[2] ?? '')) at = stack;
      }
      return desc.value;
    },
  });
  session().collectors.push((r) => {
    r.pidReadAt = at;
  });
  pair('process.pid', () => Object.defineProperty(process, 'pid', desc), undefined);
}

/**
 * What the app set (or deleted) in process.env during the build: name → the value before its
 * first change. The heap holds what the app derived from its changes, so a restore makes them
 * again, unless the restored process's environment gives that name a value of its own (a
 * deployment's DATABASE_URL beats the .env file dotenv loaded at build time, as in a cold start).
 */
const before = new Map<string, string | undefined>();

function noteWrite(k: string | symbol): void {
  if (typeof k === 'string' && !before.has(k)) before.set(k, realEnv[k]);
}

/** The build's value of a name as the environment gave it, before the app changed it. */
function original(k: string): string | undefined {
  return before.has(k) ? before.get(k) : realEnv[k];
}

/** Makes the app's build-time changes again where the environment agrees; says where not. */
function replayWrites(built: Map<string, string | undefined>, originals: Map<string, string | undefined>): void {
  const kept: string[] = [];
  for (const [k, v] of built) {
    if (process.env[k] !== originals.get(k)) {
      kept.push(k);
      continue;
    }
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  if (kept.length) {
    process.stderr.write(`thaw: warning: the app set ${kept.join(', ')} in process.env during the build, and this environment gives ${kept.length > 1 ? 'them values' : 'it a value'} of its own, which process.env keeps; what the app derived at init used the build's: rebuild with this environment if that matters\n`);
  }
}

export function trackEnv(): void {
  trackPid();
  process.env = new Proxy(realEnv, {
    // process.env accepts only plain assignment: a Proxy's default [[Set]] would define the
    // property through the proxy with a partial descriptor, which it refuses.
    set(t, k, v) {
      noteWrite(k);
      return Reflect.set(t, k, v);
    },
    deleteProperty(t, k) {
      noteWrite(k);
      return Reflect.deleteProperty(t, k);
    },
    defineProperty(t, k, d) {
      noteWrite(k);
      return Reflect.defineProperty(t, k, d);
    },
    get(t, k, r) {
      if (typeof k === 'string') note(k);
      return Reflect.get(t, k, r);
    },
    has(t, k) {
      if (typeof k === 'string') note(k);
      return Reflect.has(t, k);
    },
    getOwnPropertyDescriptor(t, k) {
      if (!enumerating.delete(k) && typeof k === 'string') note(k);
      return Reflect.getOwnPropertyDescriptor(t, k);
    },
    ownKeys(t) {
      if (!enumerated) {
        enumeratedAt = stackHere(12);
      }
      enumerated = true;
      const keys = Reflect.ownKeys(t);
      enumerating = new Set(keys);
      return keys;
    },
  });
  session().collectors.push((r) => {
    r.envRead = [...read].sort();
    r.envEnumerated = enumerated;
    r.envEnumeratedAt = enumeratedAt;
    if (read.has('NODE_ENV')) r.nodeEnv = realEnv.NODE_ENV ?? null;
  });
  let builtNodeEnv: string | undefined;
  let builtHashes: Array<[string, number]> = [];
  let built = new Map<string, string | undefined>();
  let originals = new Map<string, string | undefined>();
  pair(
    'process.env',
    () => {
      process.env = realEnv;
      builtNodeEnv = read.has('NODE_ENV') ? (original('NODE_ENV') ?? '') : undefined;
      // PORT and HOST are the restored process's own (servers listen on them); NODE_ENV has its
      // own warning.
      builtHashes = [...read].filter((k) => !SKIP.has(k)).sort().map((k) => [k, hash(original(k))]);
      built = new Map([...before.keys()].map((k) => [k, realEnv[k]]));
      originals = new Map(before);
    },
    () => {
      // IMG/start set GLIBC_TUNABLES for Node's own start only (glibc read it at exec).
      if (process.env[TUNABLES_MARK] === '1') {
        delete process.env.GLIBC_TUNABLES;
        delete process.env[TUNABLES_MARK];
      }
      const now = process.env.NODE_ENV ?? '';
      if (builtNodeEnv !== undefined && now !== builtNodeEnv) {
        process.stderr.write(`thaw: warning: this image was built with NODE_ENV=${builtNodeEnv || '(unset)'}; the app read it at load time, so NODE_ENV=${now || '(unset)'} here does not change that: rebuild with NODE_ENV=${now || '…'} thaw build …\n`);
      }
      const changed = builtHashes.filter(([k, h]) => hash(process.env[k]) !== h).map(([k]) => k);
      if (changed.length) {
        process.stderr.write(`thaw: warning: ${changed.join(', ')} ${changed.length > 1 ? 'differ' : 'differs'} from the build's; the app read ${changed.length > 1 ? 'them' : 'it'} during the build and keeps the build's value${changed.length > 1 ? 's' : ''}: read ${changed.length > 1 ? 'them' : 'it'} in thaw.onRestore(), or rebuild\n`);
      }
      replayWrites(built, originals);
    },
  );
}
