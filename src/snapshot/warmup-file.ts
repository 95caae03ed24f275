/**
 * Warm-up files (`[{ "method", "path", "headers"?, "body"?, "repeat"? }]`): reading one with a
 * clear line per mistake, and turning a request into a readiness probe or a real HTTP exchange,
 * sent exactly as the builder sends it in memory (a string body as is, anything else as JSON).
 */
import { readFileSync } from 'node:fs';
import { ThawError } from '../errors.js';
import type { ProbeSpec } from '../launch/probe.js';
import { warmupBody, type WarmupRequest } from '../runtime/protocol.js';

export function readWarmup(file: string, flag = '--warmup'): WarmupRequest[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ThawError('E_WARMUP_FILE', `${flag} file ${file} does not exist`, { hint: `pass ${flag} with a JSON file: [{ "method": "GET", "path": "/" }]` });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ThawError('E_WARMUP_FILE', `${flag} file ${file} is not valid JSON: ${(e as Error).message}`, { hint: 'it must be a JSON array of { "method", "path", "headers"?, "body"?, "repeat"? }' });
  }
  if (!Array.isArray(data)) throw new ThawError('E_WARMUP_FILE', `${flag} file ${file} must hold a JSON array, not ${typeof data}`, { hint: 'wrap the requests in [ … ]' });
  return data.map((r: any, i: number) => {
    const where = `${file} item ${i}`;
    if (!r || typeof r !== 'object') throw new ThawError('E_WARMUP_FILE', `${where} is not an object`, { hint: '{ "method": "GET", "path": "/" }' });
    if (typeof r.method !== 'string' || !/^[A-Za-z]+$/.test(r.method)) throw new ThawError('E_WARMUP_FILE', `${where} has no valid "method"`, { hint: 'e.g. "method": "GET"' });
    if (typeof r.path !== 'string' || !r.path.startsWith('/')) throw new ThawError('E_WARMUP_FILE', `${where} needs a "path" starting with /`, { hint: 'e.g. "path": "/hello"' });
    if (r.headers !== undefined && (typeof r.headers !== 'object' || Array.isArray(r.headers))) throw new ThawError('E_WARMUP_FILE', `${where}: "headers" must be an object`, { hint: '"headers": { "accept": "text/html" }' });
    if (r.repeat !== undefined && !(Number.isInteger(r.repeat) && r.repeat >= 1 && r.repeat <= 100000)) throw new ThawError('E_WARMUP_FILE', `${where}: "repeat" must be a whole number from 1`, { hint: '"repeat": 10' });
    return { method: r.method.toUpperCase(), path: r.path, headers: r.headers, body: r.body, repeat: r.repeat };
  });
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
