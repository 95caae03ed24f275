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

/** Judge the restored answer against cold start A, knowing cold start B's. */
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
    if (b && b[i] !== a[i]) {
      volatile++;
      continue;
    }
    return { mismatch: { what: 'body', ...excerpt(a, r, i) }, volatile, unstable: false };
  }
  return { volatile, unstable: false };
}
