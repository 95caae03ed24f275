/**
 * The guest agent, host side. The agent (guest-agent.c, PID 1 in the guest) starts the app and
 * answers on the serial console; this file builds it (gcc -static, cached by its source) and
 * speaks its line protocol: agent lines start with "\x1ethaw-agent ", everything else on the
 * console is the app's own output. guest-reseed.cjs is the Node preload that reseeds what the
 * kernel cannot (randomness kept inside the Node process) and acknowledges to the agent.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ThawError, tail } from '../errors.js';
import { run } from '../launch/spawn.js';
import { cacheTemp } from './cache.js';

/** src/vm (the C and preload sources ship in src/, beside the compiled dist/src/vm). */
function sourceDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [here, join(here, '../../../src/vm')];
  const d = candidates.find((c) => existsSync(join(c, 'guest-agent.c')));
  if (!d) throw new ThawError('E_NOT_BUILT', `thaw's guest agent source (src/vm/guest-agent.c) is missing beside ${here}`, { hint: 'reinstall thaw' });
  return d;
}

export const AGENT_TAG = '\x1ethaw-agent ';

export function agentSource(): string {
  return readFileSync(join(sourceDir(), 'guest-agent.c'), 'utf8');
}

export function reseedPreload(): string {
  return readFileSync(join(sourceDir(), 'guest-reseed.cjs'), 'utf8');
}

/** The static agent binary, compiled once per source text into the cache. */
export async function agentBinary(gcc: string, cacheDir: string): Promise<string> {
  const src = agentSource();
  const out = join(cacheDir, `agent-${createHash('sha256').update(src).digest('hex').slice(0, 16)}`);
  if (existsSync(out)) return out;
  mkdirSync(cacheDir, { recursive: true });
  const c = cacheTemp(`${out}.c`);
  const tmp = cacheTemp(out);
  try {
    writeFileSync(`${c.path}`, src);
    const r = await run([gcc, '-static', '-O2', '-Wall', '-x', 'c', '-o', tmp.path, c.path], { timeoutMs: 120_000 });
    if (r.status !== 0) {
      throw new ThawError('E_VM_REQUIRES', 'gcc could not build the guest agent (a static C program)', { hint: 'apt-get install gcc libc6-dev', detail: tail(r.stderr) });
    }
    renameSync(tmp.path, out);
    return out;
  } finally {
    c.done();
    tmp.done();
  }
}

/** The line that tells the agent a restore happened: clock, fresh entropy, an id to answer. */
export function restoreLine(id: string, now = Date.now(), hrNs = process.hrtime.bigint()): string {
  const sec = Math.floor(now / 1000);
  const nsec = (now % 1000) * 1_000_000 + Number(hrNs % 1_000_000n);
  return `restore ${id} ${sec} ${nsec} ${randomBytes(64).toString('hex')}\n`;
}

export type AgentEvent =
  | { kind: 'port'; port: number; listen: 'any' | 'loopback' | 'none'; others: number[] }
  | { kind: 'started'; pid: number }
  | { kind: 'exited'; status: number }
  | { kind: 'restored'; id: string; ms: number }
  | { kind: 'pong' }
  /** One line of the guest page map (`pages-proc|map|run|kernel …`, without the tag). */
  | { kind: 'pages'; line: string }
  | { kind: 'pages-done'; procs: number; pages: number; lines: number; ms: number }
  | { kind: 'warning'; text: string };

/**
 * Splits console output into agent events and app output. feed() every chunk; app text goes
 * to onApp, agent lines to onEvent.
 */
export class ConsoleReader {
  private pending = '';
  constructor(
    private readonly onEvent: (e: AgentEvent) => void,
    private readonly onApp: (text: string) => void,
  ) {}

  feed(chunk: string): void {
    const text = this.pending + chunk.replace(/\r/g, '');
    const lines = text.split('\n');
    this.pending = lines.pop()!;
    // A partial line that cannot (yet) be an agent line is passed on at once (prompts, progress).
    if (this.pending && !AGENT_TAG.startsWith(this.pending.slice(0, AGENT_TAG.length)) && !this.pending.startsWith(AGENT_TAG)) {
      lines.push(this.pending);
      this.pending = '';
      this.onLines(lines, false);
    } else this.onLines(lines, true);
  }

  private onLines(lines: string[], allComplete: boolean): void {
    const app: string[] = [];
    lines.forEach((l, i) => {
      if (!l.startsWith(AGENT_TAG)) {
        if (l !== '' || app.length) app.push(l + (allComplete || i < lines.length - 1 ? '\n' : ''));
        return;
      }
      const body = l.slice(AGENT_TAG.length);
      if (body.startsWith('pages-') && !body.startsWith('pages-done ')) {
        this.onEvent({ kind: 'pages', line: body });
        return;
      }
      const [word, ...rest] = body.trim().split(/\s+/);
      if (word === 'started') this.onEvent({ kind: 'started', pid: Number(rest[0]) });
      else if (word === 'exited') this.onEvent({ kind: 'exited', status: Number(rest[0]) });
      else if (word === 'restored') this.onEvent({ kind: 'restored', id: rest[0] ?? '', ms: Number(rest[1]) });
      else if (word === 'pong') this.onEvent({ kind: 'pong' });
      else if (word === 'pages-done') this.onEvent({ kind: 'pages-done', procs: Number(rest[0]), pages: Number(rest[1]), lines: Number(rest[2]), ms: Number(rest[3]) });
      else if (word === 'port') this.onEvent({ kind: 'port', port: Number(rest[0]), listen: rest[1] === 'any' ? 'any' : rest[1] === 'loopback' ? 'loopback' : 'none', others: (rest[2] ?? '').split(',').filter(Boolean).map(Number) });
      else this.onEvent({ kind: 'warning', text: [word, ...rest].join(' ') });
    });
    if (app.length) this.onApp(app.join(''));
  }
}
