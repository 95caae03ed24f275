/**
 * process.env while building: every name the app reads is recorded (its value is baked into the
 * snapshot, so the manifest and doctor list it), and so is NODE_ENV's value when read, since
 * frameworks choose their production behaviour from it at load time. A restored process gets
 * the real process.env back, and is told on stderr when its NODE_ENV differs from the one the
 * image was built under.
 */
import { pair, session } from './session.js';

const realEnv = process.env;
const read = new Set<string>();
/** Names only Node itself has read (FORCE_COLOR when console first writes …). */
const nodeOnly = new Set<string>();

/** Record a read, unless Node's own code made it (the app did not choose that value). */
function note(k: string): void {
  if (read.has(k)) return;
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 12;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = saved;
  // [0] the message, [1] note(), [2] the proxy's trap, [3] the reader.
  const frames = stack.split('\n').slice(3).filter((l) => /^\s+at /.test(l));
  // The frame right above the proxy is the reader: Node's internals (console's colour check)
  // read what the app never chose.
  if (frames.length && /\(node:|at node:/.test(frames[0]!)) nodeOnly.add(k);
  else read.add(k);
}
let enumerated = false;
/** Keys handed out by an enumeration (Object.keys asks a descriptor of each): not reads. */
let enumerating = new Set<string | symbol>();

/** Names read so far (servers note which were read before they listened). */
export function envReads(): Set<string> {
  return read;
}

export function trackEnv(): void {
  process.env = new Proxy(realEnv, {
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
      enumerated = true;
      const keys = Reflect.ownKeys(t);
      enumerating = new Set(keys);
      return keys;
    },
  });
  session().collectors.push((r) => {
    r.envRead = [...read].sort();
    r.envEnumerated = enumerated;
    if (read.has('NODE_ENV')) r.nodeEnv = realEnv.NODE_ENV ?? null;
  });
  let builtNodeEnv: string | undefined;
  pair(
    'process.env',
    () => {
      process.env = realEnv;
      builtNodeEnv = read.has('NODE_ENV') ? (realEnv.NODE_ENV ?? '') : undefined;
    },
    () => {
      const now = process.env.NODE_ENV ?? '';
      if (builtNodeEnv !== undefined && now !== builtNodeEnv) {
        process.stderr.write(`thaw: warning: this image was built with NODE_ENV=${builtNodeEnv || '(unset)'}; the app read it at load time, so NODE_ENV=${now || '(unset)'} here does not change that: rebuild with NODE_ENV=${now || '…'} thaw build …\n`);
      }
    },
  );
}
