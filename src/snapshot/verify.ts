/**
 * `thaw build` checks its own image before keeping it: the image is started restored and the
 * app is started cold twice (each cold start gets the build's warm-up replayed over HTTP, so all
 * three have seen the same traffic), the same requests go to all three, and every restored
 * answer is judged against the cold ones (snapshot/compare.ts). A difference a cold start does
 * not explain fails the build with the request and a short diff: an image that serves 500s, or
 * answers differently than the app would, is never kept.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ThawError, tail } from '../errors.js';
import { freePort, portInUse } from '../launch/port.js';
import { resolveProbe, waitReady } from '../launch/probe.js';
import { start, type Child, type Exit } from '../launch/spawn.js';
import { removeJitFiles } from '../launch/jit-files.js';
import { WARMUP_PEER, type ServerInfo, type WarmupRequest } from '../runtime/protocol.js';
import { judge, type Answer, type Difference } from './compare.js';
import { wireRequest } from './warmup-file.js';

export interface VerifyOptions {
  /** The image's launcher (IMG/start, possibly still in its temporary directory). */
  restored: string[];
  /**
   * Ways to start the app cold, the first that starts wins: `node [flags] entry`; for a
   * TypeScript entry that Node cannot run itself, a plain bundle of it with its source map.
   */
  cold: string[][];
  cwd: string;
  env: Record<string, string | undefined>;
  server: ServerInfo;
  /** Replayed to each cold start first, in order, with repeats. */
  warmup: WarmupRequest[];
  /** Sent to all three and compared. */
  requests: WarmupRequest[];
  /** Where they came from, in words (`the warm-up's reads and --verify's`). */
  what: string;
  /** What the build saw for each warm-up request (status), to catch an in-memory/HTTP split. */
  warmupStatuses: number[];
  /** The app uses thaw's runtime API (it may answer differently when restored, on purpose). */
  usesRuntime: boolean;
  startTimeoutMs: number;
  requestTimeoutMs: number;
  progress?: (msg: string) => void;
}

export interface VerifyOutcome {
  compared: number;
  /** Where the requests came from, for the summary line. */
  what: string;
  /** Requests whose restored body differed only where two cold starts differ too. */
  volatile: Array<{ request: string; values: number }>;
  /** Requests whose body shape differs between two cold starts (status and type compared). */
  unstable: string[];
}

const label = (r: WarmupRequest): string => `${r.method} ${r.path}`;
/** More than the usual clock resolution in answers (whole seconds, uptime to 0.1 s). */
const CLOCK_PAUSE_MS = 1100;

function exchange(server: ServerInfo, port: number, r: WarmupRequest, timeoutMs: number, from?: string): Promise<Answer> {
  const { headers, body } = wireRequest(r);
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  // An https server is asked over TLS; its certificate is the app's business, not this check's.
  const request = server.module === 'https' ? httpsRequest : httpRequest;
  const sent = Date.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: hostOf(server), port, method: r.method, path: r.path, headers, agent: false, timeout: timeoutMs, rejectUnauthorized: false, localAddress: from }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', reject);
      res.once('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8'), asked: [sent, Date.now()] }));
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end(body);
  });
}

interface Run {
  name: string;
  child: Child;
  port: number;
}

/** The part of a failed start's stderr worth showing: from its first error line on. */
function excerpt(stderr: string): string | undefined {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  const first = lines.findIndex((l) => /\b(Error|error)\b|^\S+Error:|Cannot find/.test(l));
  const from = first >= 0 ? Math.max(0, first - 1) : Math.max(0, lines.length - 10);
  return lines.slice(from, from + 10).join('\n') || undefined;
}

async function launch(name: string, argv: string[], o: VerifyOptions, port: number): Promise<Run> {
  const child = start(argv, { cwd: o.cwd, env: { ...o.env, PORT: String(port) } });
  let exit: Exit | undefined;
  void child.exited.then((x) => (exit = x));
  const host = hostOf(o.server);
  try {
    await waitReady(resolveProbe({ url: `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`, intervalMs: 2 }, port), {
      deadline: performance.now() + o.startTimeoutMs,
      abort: () => (child.done ? `the ${name} process exited${exit ? ` (${exit.signal ? `killed by ${exit.signal}` : `code ${exit.code}`}${child.stderr().trim() === '' ? ', printing nothing' : ''})` : ''} before it listened` : null),
    });
  } catch (e) {
    await stop(child, o);
    const why = e instanceof ThawError ? e.message : (e as Error).message;
    throw new ThawError('E_VERIFY_START', `verifying the image: ${why} (${argv.map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')})`, {
      hint: name === 'restored' ? 'the restored image does not start; this is a thaw bug worth reporting (the image was not kept)' : 'the app does not start cold as thaw ran it; pass --no-verify to skip the check',
      detail: excerpt(child.stderr()),
    });
  }
  return { name, child, port };
}

function hostOf(server: ServerInfo): string {
  const h = server.host;
  if (!h || h === '0.0.0.0' || h === '::' || h === 'localhost') return '127.0.0.1';
  return h;
}

/**
 * Warm a cold start up over HTTP, then send the requests; returns the answers. The second cold
 * start waits `pauseMs` before its requests, so that values the app derives from the clock
 * (timestamps, uptime) differ between the two cold starts as they do from a restore.
 */
async function coldRun(name: string, o: VerifyOptions, port: number, pauseMs = 0): Promise<Answer[]> {
  let run: Run | undefined;
  for (const [i, argv] of o.cold.entries()) {
    try {
      run = await launch(name, argv, o, port);
      // The others start the same way.
      o.cold = [argv];
      break;
    } catch (e) {
      // Node could not run the TypeScript itself (syntax it does not strip, extensionless
      // imports, path aliases): the next way is the plain bundle.
      if (i === o.cold.length - 1) throw e;
    }
  }
  if (!run) throw new ThawError('E_VERIFY_START', 'verifying the image: no way to start the app cold');
  try {
    let i = 0;
    for (const r of o.warmup) {
      for (let n = 0; n < (r.repeat ?? 1); n++, i++) {
        // From the address the build's in-memory warm-up came from.
        const a = await ask(name, run, r, o, hostOf(o.server).includes(':') ? undefined : WARMUP_PEER);
        const built = o.warmupStatuses[i];
        if (built !== undefined && built < 500 && a.status >= 500) {
          throw new ThawError('E_VERIFY_MISMATCH', `warm-up request ${label(r)} answered ${built} inside the build but ${a.status} from the app started cold`, {
            hint: 'thaw serves warm-up requests in memory; this app behaves differently over a socket: report it to thaw, and pass --no-verify meanwhile',
            detail: a.body.slice(0, 300) || undefined,
          });
        }
      }
    }
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    const out: Answer[] = [];
    for (const r of o.requests) out.push(await ask(name, run, r, o));
    return out;
  } finally {
    await stop(run.child, o);
  }
}

/** Stops a process verify started, and removes what --perf-basic-prof made it leave behind. */
async function stop(child: Child, o: VerifyOptions): Promise<void> {
  await child.kill();
  removeJitFiles([child.pid], o.cwd);
}

async function ask(name: string, run: Run, r: WarmupRequest, o: VerifyOptions, from?: string): Promise<Answer> {
  try {
    try {
      return await exchange(o.server, run.port, r, o.requestTimeoutMs, from);
    } catch (e) {
      // A connection reset while the process lives (seen once from a cold Fastify on a loaded
      // machine) is asked again once, for requests that may be repeated; a dead process is not.
      const again = (e as NodeJS.ErrnoException).code === 'ECONNRESET' && ['GET', 'HEAD'].includes(r.method.toUpperCase());
      if (!again) throw e;
      await new Promise((res) => setTimeout(res, 100));
      if (run.child.done) throw e;
      return await exchange(o.server, run.port, r, o.requestTimeoutMs, from);
    }
  } catch (e) {
    const restored = name === 'restored';
    // A restored process that died is broken whatever its answers would have been (a socket
    // hang-up comes just before the exit is seen).
    if (restored) await Promise.race([run.child.exited, new Promise((r) => setTimeout(r, 300))]);
    const hint = !restored
      ? 'the app does not answer cold as thaw ran it; pass --no-verify to skip the check'
      : run.child.done
        ? 'the restored process died (see its stderr below); the image was not kept; this is a thaw bug worth reporting'
        : 'the image was not kept; pass --no-verify to keep it anyway';
    throw new ThawError(restored ? 'E_VERIFY_MISMATCH' : 'E_VERIFY_START', `verifying the image: the ${name} process failed ${label(r)}: ${(e as Error).message}`, {
      hint,
      detail: tail(run.child.stderr(), 10) || undefined,
    });
  }
}

async function restoredRun(o: VerifyOptions, port: number): Promise<Answer[]> {
  const run = await launch('restored', o.restored, o, port);
  try {
    const out: Answer[] = [];
    for (const r of o.requests) out.push(await ask('restored', run, r, o));
    // An answer sent just before the process died (a handler run twice) is no success.
    await new Promise((r) => setTimeout(r, 100));
    if (run.child.done) {
      throw new ThawError('E_VERIFY_MISMATCH', 'verifying the image: the restored process exited after answering', { hint: 'the image was not kept; see its stderr below', detail: excerpt(run.child.stderr()) });
    }
    return out;
  } finally {
    await stop(run.child, o);
  }
}

function describe(d: Difference): string {
  return `${d.what}: cold ${d.cold}\n${' '.repeat(d.what.length + 2)}restored ${d.restored}`;
}

export async function verifyImage(o: VerifyOptions): Promise<VerifyOutcome> {
  const say = o.progress ?? (() => undefined);
  // A fixed port (the app does not read PORT) allows one process at a time.
  const fixed = o.server.portFromEnv ? null : o.server.port;
  if (fixed !== null && (await portInUse(fixed, hostOf(o.server)))) {
    throw new ThawError('E_VERIFY_PORT', `the app listens on fixed port ${fixed}, which is in use, so thaw cannot start it to verify the image`, { hint: `free port ${fixed}, let the app read PORT (listen(process.env.PORT || ${fixed})), or pass --no-verify` });
  }
  const port = async (): Promise<number> => fixed ?? (await freePort());
  say(`verifying: the app cold, twice, and the image restored (${o.requests.length} request(s) each)`);
  let coldA: Answer[];
  let coldB: Answer[];
  let restored: Answer[];
  if (fixed === null && o.cold.length > 1) {
    // Which way the app starts cold is learnt from the first cold start.
    coldA = await coldRun('cold', o, await port());
    [coldB, restored] = await Promise.all([coldRun('second cold', o, await port(), CLOCK_PAUSE_MS), restoredRun(o, await port())]);
  } else if (fixed === null) {
    [coldA, coldB, restored] = await Promise.all([coldRun('cold', o, await port()), coldRun('second cold', o, await port(), CLOCK_PAUSE_MS), restoredRun(o, await port())]);
  } else {
    coldA = await coldRun('cold', o, fixed);
    coldB = await coldRun('second cold', o, fixed, CLOCK_PAUSE_MS);
    restored = await restoredRun(o, fixed);
  }
  const outcome: VerifyOutcome = { compared: o.requests.length, what: o.what, volatile: [], unstable: [] };
  o.requests.forEach((r, i) => {
    const v = judge(coldA[i]!, coldB[i], restored[i]!);
    if (v.mismatch) {
      throw new ThawError('E_VERIFY_MISMATCH', `the restored image answers ${label(r)} differently from the app started cold:\n  ${describe(v.mismatch)}`, {
        hint: `the image was not kept. ${o.usesRuntime ? 'If the app answers differently on purpose when restored (isRestored(), its checkpoint hooks), build with --no-verify; otherwise run' : 'Run'} \`thaw doctor\` on the entry for state baked in at build time; keep the image anyway with --no-verify`,
      });
    }
    if (v.volatile) outcome.volatile.push({ request: label(r), values: v.volatile });
    if (v.unstable) outcome.unstable.push(label(r));
  });
  return outcome;
}
