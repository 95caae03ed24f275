/**
 * Readiness probes: when does a server first answer? HTTP (a request until a 2xx, optionally
 * with a body text), TCP (a connect succeeds) or a regex on the child's stdout/stderr.
 *
 * Resolution: while nothing listens a connect is refused within microseconds on loopback, so
 * the probe starts an attempt every PROBE_INTERVAL_MS on a fixed schedule; on a loaded machine
 * an attempt's own event-loop turn stretches the period to ~1 ms at worst. Each attempt costs
 * the probe ~0.2 ms of CPU (a Node socket is not free): ~30% of one core while waiting, which
 * `--probe-interval` trades against resolution on small machines. Node timers cannot wait
 * less than 1 ms, so the pause blocks on Atomics.wait (a sleeping futex, no CPU burnt that the
 * measured server on a 2-core machine would miss) and then yields one event-loop turn so child
 * output and exit events are still handled. Polling is on TCP connects; the HTTP request goes
 * out on the first socket that connects, so its time is the server's, not the probe's.
 */
import { request, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ThawError } from '../errors.js';

export const PROBE_INTERVAL_MS = 0.5;

export type ProbeKind = 'http' | 'tcp' | 'regex';

export interface ProbeSpec {
  /** `http://host:port/path` or `tcp://host:port`; `$PORT` / `${PORT}` replaced by the run's port. */
  url?: string;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  /** The response body must contain this text (HTTP). */
  expect?: string;
  /** Ready when this regex matches a line of stdout or stderr (instead of a network probe). */
  regex?: string;
  /** Period between connect attempts, ms (default PROBE_INTERVAL_MS). */
  intervalMs?: number;
}

export interface ResolvedProbe {
  kind: ProbeKind;
  host: string;
  port: number;
  path: string;
  method: string;
  body?: string;
  headers: Record<string, string>;
  expect?: string;
  regex?: RegExp;
  /** For messages: the probe as a person would write it. */
  describe: string;
  intervalMs: number;
}

export const DEFAULT_PROBE_URL = 'http://127.0.0.1:$PORT/';

/** The probe as a person would write it, before a port is bound. */
export function describeProbe(spec: ProbeSpec): string {
  if (spec.regex !== undefined) return `/${spec.regex}/ on stdout or stderr`;
  const url = spec.url ?? DEFAULT_PROBE_URL;
  if (url.startsWith('tcp:')) return `connect to ${url}`;
  return `${(spec.method ?? 'GET').toUpperCase()} ${url} until 2xx${spec.expect !== undefined ? ` containing ${JSON.stringify(spec.expect)}` : ''}`;
}

/** Does the probe URL use the run's own port? (If not, a fixed port may already be taken.) */
export function usesRunPort(spec: ProbeSpec): boolean {
  return /\$\{?PORT\}?/.test(spec.url ?? DEFAULT_PROBE_URL);
}

export function substitutePort(text: string, port: number): string {
  return text.replace(/\$\{PORT\}|\$PORT\b/g, String(port));
}

/** Validate a probe spec up front (bad flags fail before any run), then bind it to a port. */
export function resolveProbe(spec: ProbeSpec, port: number): ResolvedProbe {
  const method = (spec.method ?? 'GET').toUpperCase();
  const intervalMs = spec.intervalMs ?? PROBE_INTERVAL_MS;
  if (!(intervalMs >= 0.05 && intervalMs <= 1000)) {
    throw new ThawError('E_USAGE', `--probe-interval ${intervalMs} is out of range`, { hint: 'give milliseconds between 0.05 and 1000, e.g. --probe-interval 1' });
  }
  const headers = { ...(spec.headers ?? {}) };
  if (spec.regex !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(spec.regex);
    } catch (e) {
      throw new ThawError('E_BAD_REGEX', `--ready-regex ${JSON.stringify(spec.regex)} is not a valid regular expression: ${(e as Error).message}`, {
        hint: 'give a JavaScript regular expression, e.g. --ready-regex "listening on"',
      });
    }
    return { kind: 'regex', host: '', port, path: '', method, headers, regex: re, describe: `/${spec.regex}/ on stdout or stderr`, intervalMs };
  }
  // `--ready "http://127.0.0.1:$PORT/x"` in double quotes: the shell put its own (empty) PORT there.
  if (spec.url !== undefined && /^[a-z]+:\/\/(\[[^\]]*\]|[^/:]+):(\/|$)/i.test(spec.url)) {
    throw new ThawError('E_BAD_URL', `--ready ${JSON.stringify(spec.url)} has an empty port: the shell probably replaced $PORT before thaw saw it`, {
      hint: `quote it with single quotes: --ready '${spec.url.replace(/^([a-z]+:\/\/(?:\[[^\]]*\]|[^/:]+)):(\/|$)/i, '$1:$$PORT$2')}'`,
    });
  }
  const raw = substitutePort(spec.url ?? DEFAULT_PROBE_URL, port);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ThawError('E_BAD_URL', `--ready ${JSON.stringify(spec.url)} is not a URL`, { hint: "give e.g. --ready 'http://127.0.0.1:$PORT/health' or --ready 'tcp://127.0.0.1:$PORT'" });
  }
  const kind: ProbeKind | null = u.protocol === 'tcp:' ? 'tcp' : u.protocol === 'http:' ? 'http' : null;
  if (kind === null) {
    throw new ThawError('E_BAD_URL', `--ready ${JSON.stringify(spec.url)}: unsupported scheme ${u.protocol}`, { hint: 'use http:// or tcp:// (HTTPS is not probed; put the probe on a plain-HTTP port)' });
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const portNum = Number(u.port || (kind === 'http' ? 80 : NaN));
  if (!Number.isInteger(portNum) || portNum <= 0) {
    throw new ThawError('E_BAD_URL', `--ready ${JSON.stringify(spec.url)} has no port`, { hint: 'write the port, usually $PORT: tcp://127.0.0.1:$PORT' });
  }
  if (spec.body !== undefined && headers['content-type'] === undefined && headers['Content-Type'] === undefined) {
    headers['content-type'] = spec.body.trimStart().startsWith('{') ? 'application/json' : 'text/plain';
  }
  return {
    kind,
    host,
    port: portNum,
    path: u.pathname + u.search,
    method,
    body: spec.body,
    headers,
    expect: spec.expect,
    describe: kind === 'tcp' ? `tcp://${host}:${portNum}` : `${method} ${u.href}${spec.expect ? ` (expecting ${JSON.stringify(spec.expect)})` : ''}`,
    intervalMs,
  };
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Sleep ~ms (sub-millisecond) without burning CPU, then yield one event-loop turn. */
export function pause(ms = 0.5): Promise<void> {
  Atomics.wait(sleepCell, 0, 0, ms);
  return new Promise((r) => setImmediate(r));
}

/** One TCP connect attempt; resolves with the connected socket or rejects with the error. */
function connectOnce(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, noDelay: true });
    s.once('connect', () => {
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (e) => {
      s.destroy();
      reject(e);
    });
  });
}

export interface HttpAnswer {
  status: number;
  body: string;
  /** performance.now() when the last byte of the response arrived. */
  endAt: number;
}

/** One HTTP exchange; on a given connected socket or a fresh connection. */
export function httpOnce(p: ResolvedProbe, opts: { socket?: Socket; agent?: import('node:http').Agent } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...p.headers };
    if (p.body !== undefined) headers['content-length'] = String(Buffer.byteLength(p.body));
    const req = request({
      host: p.host,
      port: p.port,
      method: p.method,
      path: p.path,
      headers,
      ...(opts.socket ? { createConnection: () => opts.socket! } : { agent: opts.agent ?? false }),
    });
    req.once('error', reject);
    req.once('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', reject);
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), endAt: performance.now() }));
    });
    req.end(p.body);
  });
}

export interface ProbeOutcome {
  /** performance.now() at readiness (complete response, connect, or matching output). */
  readyAt: number;
  attempts: number;
  /** HTTP: latency of the successful request alone (sent on a connected socket → last byte), s. */
  requestS?: number;
  /** Last HTTP status seen (for messages about a server that answers but never with a 2xx). */
  lastStatus?: number;
}

export interface WaitOptions {
  /** Stop (reject with E_PROBE_ABORTED) as soon as this returns a reason. */
  abort: () => string | null;
  deadline: number;
}

const REFUSED = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ECONNABORTED']);

/** Poll a network probe until it succeeds, the deadline passes, or abort() gives a reason. */
export async function waitReady(p: ResolvedProbe, w: WaitOptions): Promise<ProbeOutcome> {
  if (p.kind === 'regex') throw new Error('waitReady: regex probes are driven by the output watcher');
  let attempts = 0;
  let lastStatus: number | undefined;
  let lastError = '';
  let next = performance.now();
  for (;;) {
    const why = w.abort();
    if (why) throw new ThawError('E_PROBE_ABORTED', why);
    if (performance.now() > w.deadline) {
      const seen = lastStatus !== undefined ? `last answer: HTTP ${lastStatus}` : lastError ? `last error: ${lastError}` : 'no answer';
      throw new ThawError('E_NOT_READY', `${p.describe} not ready (${seen}, ${attempts} attempts)`);
    }
    attempts++;
    // Attempts are scheduled on a fixed grid (not "attempt, then sleep"), so the sleep's own
    // overshoot and a slow attempt on a loaded machine do not stretch the period.
    const now = performance.now();
    next = now - next > p.intervalMs ? now + p.intervalMs : next + p.intervalMs;
    const rest = () => pause(Math.max(0.02, next - performance.now()));
    let sock: Socket;
    try {
      sock = await connectOnce(p.host, p.port);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (!REFUSED.has(code)) throw e;
      lastError = code;
      await rest();
      continue;
    }
    if (p.kind === 'tcp') {
      const readyAt = performance.now();
      sock.destroy();
      return { readyAt, attempts };
    }
    try {
      const q0 = performance.now();
      const ans = await httpOnce(p, { socket: sock });
      sock.destroy();
      lastStatus = ans.status;
      if (ans.status >= 200 && ans.status < 300 && (p.expect === undefined || ans.body.includes(p.expect))) {
        return { readyAt: ans.endAt, attempts, lastStatus, requestS: (ans.endAt - q0) / 1000 };
      }
    } catch (e) {
      sock.destroy();
      // A server that accepts before its handler is wired may reset the first connection.
      lastError = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    }
    await rest();
  }
}

/**
 * Watches child output for a regex: feed() every chunk; `matchedAt` is set at the first line
 * (or partial line) that matches.
 */
export class OutputWatcher {
  matchedAt: number | null = null;
  private pending: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  constructor(private readonly re: RegExp) {}
  feed(stream: 'stdout' | 'stderr', chunk: string): void {
    if (this.matchedAt !== null) return;
    const now = performance.now();
    const text = this.pending[stream] + chunk;
    const lines = text.split('\n');
    this.pending[stream] = lines.pop()!.slice(-4096);
    for (const l of lines) {
      if (this.re.test(l)) {
        this.matchedAt = now;
        return;
      }
    }
    // A prompt without a newline still counts.
    if (this.re.test(this.pending[stream])) this.matchedAt = now;
  }
}
