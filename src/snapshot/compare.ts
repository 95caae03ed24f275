/**
 * Comparing a restored server's answers with a cold start's, request by request: status,
 * content type and body. Two cold starts that got the same warm-up and the same requests tell
 * which parts of a body are the app's own randomness or clock (request ids, timestamps,
 * nonces): where those two differ, a restored answer may differ too, and is shown rather than
 * failed. Pure code: the processes are run by snapshot/verify.ts.
 */

export interface Answer {
  status: number;
  contentType: string;
  body: string;
  /** Wall-clock ms when the request was sent and when its answer had arrived. */
  asked?: [number, number];
}

export interface Difference {
  what: 'status' | 'content type' | 'body';
  cold: string;
  restored: string;
}

export interface Verdict {
  /** Differences a cold start does not explain: the restore is broken. */
  mismatch?: Difference;
  /** Values that differ between the two cold starts too (shown, not failed). */
  volatile: number;
  /** The body's shape differs between two cold starts: only status and type were compared. */
  unstable: boolean;
}

/**
 * A value stays one token: words, numbers, ids, base64, URLs with their query, and dates with
 * their time (`2026-11-30T09:22:00Z`; a clock crossing a minute changes two digits at once,
 * and is still one differing value). Spaces, quotes and JSON/HTML brackets split.
 */
const SEPARATORS = /([\s"'`<>{}[\](),;|\\]+)/;

export function tokens(text: string): string[] {
  return text.split(SEPARATORS).filter((t) => t !== '');
}

const normaliseType = (t: string): string => t.toLowerCase().replace(/\s+/g, '');

/** `…context [cold] …` vs `…context [restored] …` around the first differing token. */
function excerpt(a: string[], b: string[], at: number): { cold: string; restored: string } {
  const before = a.slice(Math.max(0, at - 12), at).join('');
  const show = (t: string[]): string => {
    const tail = t.slice(at + 1, at + 11).join('');
    const s = `${before.length > 60 ? `…${before.slice(-60)}` : before}⟦${t[at] ?? '(end)'}⟧${tail.length > 60 ? `${tail.slice(0, 60)}…` : tail}`;
    return s.replace(/\s+/g, ' ');
  };
  return { cold: show(a), restored: show(b) };
}

/** A decimal fraction of a second as written (`25` in `:06.25`): its ms, and the span one step of its last digit covers. */
function fraction(frac: string): { ms: number; step: number } {
  return { ms: Number(frac.slice(0, 3).padEnd(3, '0')), step: 10 ** Math.max(0, 3 - frac.length) };
}

const ISO_TIME = /^[:=]?(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const EPOCH = /^[:=]?(\d{10}|\d{13})$/;

/**
 * The span of wall-clock time [from, to) in ms a token names, for an ISO 8601 date with its
 * time (to the minute, second or a fraction; a zone or local time) or a Unix time in seconds
 * (10 digits) or milliseconds (13 digits); undefined for anything else.
 */
export function clockSpan(token: string): [number, number] | undefined {
  const iso = ISO_TIME.exec(token);
  if (iso) {
    const [, day, hm, sec, frac, zone] = iso;
    const z = zone && zone.toUpperCase() !== 'Z' && !zone.includes(':') ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
    const f = frac ? fraction(frac) : undefined;
    const at = Date.parse(`${day}T${hm}:${sec ?? '00'}${z ?? ''}`);
    if (Number.isNaN(at)) return undefined;
    return f ? [at + f.ms, at + f.ms + f.step] : [at, at + (sec ? 1000 : 60_000)];
  }
  const epoch = EPOCH.exec(token);
  if (!epoch) return undefined;
  const n = Number(epoch[1]);
  return epoch[1]!.length === 10 ? [n * 1000, n * 1000 + 1000] : [n, n + 1];
}

const TIME_OF_DAY = /^(\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?$/;
const DAY_MS = 86_400_000;

/** A time of day written alone (`18:44:25`, as in a date written for people): ms since midnight, [from, to). */
function timeOfDaySpan(token: string): [number, number] | undefined {
  const m = TIME_OF_DAY.exec(token);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3]) > 60) return undefined;
  const f = m[4] ? fraction(m[4]) : { ms: 0, step: 1000 };
  const at = ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + f.ms;
  return [at, at + f.step];
}

/** Slack for the clocks of two processes on one machine, and for rounding a value down. */
const CLOCK_SLACK_MS = 250;

/**
 * Both tokens name a moment as the clock did while each process answered, plus the same offset:
 * the time of the answer (`now`), or a time computed from it (`now + 15 min` as an expiry).
 * A moment fixed at build (a timestamp baked into the snapshot) has another offset from a
 * restore's answer than from a cold start's, and stays a difference.
 */
function sameClock(a: string, aAsked: [number, number], b: string, bAsked: [number, number]): boolean {
  // The offsets each token allows: from (earliest it names − answer arrived) to (latest − sent).
  const offsets = (span: [number, number], asked: [number, number]): [number, number] => [span[0] - asked[1], span[1] - asked[0]];
  const overlap = (x: [number, number], y: [number, number]): boolean => Math.max(x[0], y[0]) <= Math.min(x[1], y[1]) + CLOCK_SLACK_MS;
  const sa = clockSpan(a);
  const sb = clockSpan(b);
  if (sa && sb) return overlap(offsets(sa, aAsked), offsets(sb, bAsked));
  // A time of day alone, in whatever zone the app writes: offsets compared modulo a day.
  const da = timeOfDaySpan(a);
  const db = timeOfDaySpan(b);
  if (!da || !db) return false;
  const oa = offsets(da, [aAsked[0] % DAY_MS, aAsked[1] % DAY_MS]);
  const ob = offsets(db, [bAsked[0] % DAY_MS, bAsked[1] % DAY_MS]);
  const shift = Math.round((oa[0] - ob[0]) / DAY_MS) * DAY_MS;
  return overlap(oa, [ob[0] + shift, ob[1] + shift]);
}

/**
 * Judge the restored answer against cold start A, knowing cold start B's. A value that in the
 * restored answer and in cold start A's reads their own clock at the time (sameClock) differs
 * as the clock does, whatever cold start B says: which of three processes started in parallel
 * answers first is up to the machine's load, so two cold starts may answer in the same second.
 */
export function judge(coldA: Answer, coldB: Answer | undefined, restored: Answer): Verdict {
  if (coldA.status !== restored.status && (!coldB || coldB.status === coldA.status)) {
    return { mismatch: { what: 'status', cold: String(coldA.status), restored: String(restored.status) }, volatile: 0, unstable: false };
  }
  if (normaliseType(coldA.contentType) !== normaliseType(restored.contentType) && (!coldB || normaliseType(coldB.contentType) === normaliseType(coldA.contentType))) {
    return { mismatch: { what: 'content type', cold: coldA.contentType || '(none)', restored: restored.contentType || '(none)' }, volatile: 0, unstable: false };
  }
  if (coldA.body === restored.body) return { volatile: 0, unstable: false };
  const a = tokens(coldA.body);
  const r = tokens(restored.body);
  const b = coldB ? tokens(coldB.body) : undefined;
  if (b && b.length !== a.length) return { volatile: 0, unstable: true };
  if (a.length !== r.length) {
    let at = 0;
    while (at < a.length && a[at] === r[at]) at++;
    return { mismatch: { what: 'body', ...excerpt(a, r, at) }, volatile: 0, unstable: false };
  }
  let volatile = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === r[i]) continue;
    if ((b && b[i] !== a[i]) || (coldA.asked && restored.asked && sameClock(a[i]!, coldA.asked, r[i]!, restored.asked))) {
      volatile++;
      continue;
    }
    return { mismatch: { what: 'body', ...excerpt(a, r, i) }, volatile, unstable: false };
  }
  return { volatile, unstable: false };
}
