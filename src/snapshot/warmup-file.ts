/**
 * Warm-up files (`[{ "method", "path", "headers"?, "body"?, "repeat"? }]`): reading one with a
 * clear line per mistake, and turning a request into a readiness probe or a real HTTP exchange,
 * sent exactly as the builder sends it in memory (a string body as is, anything else as JSON).
 */
import { readFileSync } from 'node:fs';
import { METHODS } from 'node:http';
import { z } from 'zod';
import { ThawError } from '../errors.js';
import type { ProbeSpec } from '../launch/probe.js';
import { warmupBody, type WarmupRequest } from '../runtime/protocol.js';

const SHAPE = 'a JSON array of { "method", "path", "headers"?, "body"?, "repeat"? }';
const KEYS = ['method', 'path', 'headers', 'body', 'repeat'];

const request = z.strictObject({
  method: z
    .string({ error: 'needs a "method", e.g. "GET"' })
    .transform((m) => m.toUpperCase())
    .refine((m) => METHODS.includes(m), { error: (i) => `"method" ${JSON.stringify(i.input)} is not an HTTP method Node knows (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS …)` }),
  path: z.string({ error: 'needs a "path" starting with /, e.g. "/hello"' }).startsWith('/', { error: '"path" must start with /, e.g. "/hello"' }),
  headers: z.record(z.string(), z.union([z.string(), z.number()]), { error: '"headers" must be an object of names to strings, e.g. { "accept": "text/html" }' }).optional(),
  body: z.unknown().optional(),
  repeat: z.int({ error: '"repeat" must be a whole number from 1, e.g. 10' }).min(1, { error: '"repeat" must be a whole number from 1, e.g. 10' }).max(100_000, { error: '"repeat" may be at most 100000' }).optional(),
}, { error: 'is not an object such as { "method": "GET", "path": "/" }' });
const file = z.array(request, { error: 'must hold a JSON array of requests, not a single value' });

/** The key among `keys` closest to `k` (edit distance), for "did you mean". */
function closest(k: string, keys: readonly string[]): string | undefined {
  const d = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const here = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = here;
      }
    }
    return row[b.length]!;
  };
  const best = keys.map((x) => [x, d(k.toLowerCase(), x)] as const).sort((a, b) => a[1] - b[1])[0];
  return best && best[1] <= Math.max(2, Math.floor(k.length / 3)) ? best[0] : undefined;
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, at: number): string {
  const before = text.slice(0, at).split('\n');
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

/**
 * Read and check a warm-up (or --verify) file: one line naming the first mistake, where it is
 * and the fix. Unknown keys are mistakes (a typo such as "repat" would silently send one
 * request instead of five), with the closest valid key.
 */
export function readWarmup(path: string, flag = '--warmup'): WarmupRequest[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ThawError('E_WARMUP_FILE', `${flag} file ${path} does not exist`, { hint: `pass ${flag} with a JSON file: [{ "method": "GET", "path": "/" }]` });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const where = pos ? ` at ${lineColumn(text, Number(pos[1]))}` : text.trim() === '' ? ' (the file is empty)' : '';
    throw new ThawError('E_WARMUP_FILE', `${flag} file ${path} is not valid JSON${where}: ${msg.replace(/ in JSON at position \d+.*$/, '')}`, { hint: `it must be ${SHAPE}` });
  }
  const r = file.safeParse(data);
  if (r.success) return r.data.map((x) => ({ method: x.method, path: x.path, headers: x.headers as Record<string, string> | undefined, body: x.body, repeat: x.repeat }));
  const issue = r.error.issues[0]!;
  const [item, key] = issue.path;
  const at = typeof item === 'number' ? `${path} item ${item}` : path;
  if (issue.code === 'unrecognized_keys') {
    const k = issue.keys[0]!;
    const near = closest(k, KEYS);
    throw new ThawError('E_WARMUP_FILE', `${at} has an unknown key ${JSON.stringify(k)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}`, { hint: `a request has only ${KEYS.map((x) => `"${x}"`).join(', ')}` });
  }
  if (item === undefined) throw new ThawError('E_WARMUP_FILE', `${at} ${issue.message}`, { hint: 'wrap the requests in [ … ]' });
  const sep = issue.message.startsWith('is ') ? ' ' : ': ';
  throw new ThawError('E_WARMUP_FILE', `${at}${key !== undefined && !issue.message.includes(`"${String(key)}"`) ? ` "${String(key)}"` : ''}${sep}${issue.message}`, { hint: `it must be ${SHAPE}` });
}

/** Headers and body of a request as the builder sends it (guest/warmup.ts deliver()). */
export function wireRequest(r: WarmupRequest): { headers: Record<string, string>; body?: string } {
  const { body, json } = warmupBody(r);
  const headers: Record<string, string> = {};
  if (json) headers['content-type'] = 'application/json';
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
  return { headers, body };
}

/**
 * A readiness probe that waits for the answer to a warm-up request: the representative
 * request `npm start` and bench:startup time.
 */
export function warmupProbe(r: WarmupRequest): ProbeSpec {
  const { headers, body } = wireRequest(r);
  return { url: `http://127.0.0.1:$PORT${r.path}`, method: r.method, body, headers };
}
