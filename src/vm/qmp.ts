/**
 * A small QMP client (QEMU Machine Protocol: JSON objects, one per line, over a unix socket;
 * docs/interop/qmp-spec.rst). thaw drives QEMU through it: capabilities, stop/cont, migrate to
 * and from a file, query-migrate, and HMP's hostfwd_add. The socket lives in a private
 * temporary directory that is removed as soon as thaw is connected (QEMU keeps listening on
 * the open socket): nothing is left on disk. (An abstract socket would need no file at all,
 * but Node 20 connects to abstract names padded to the full address length and Node 22 to the
 * exact length, and QEMU binds one or the other.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ThawError } from '../errors.js';
import { removeOnExit } from '../launch/spawn.js';

export interface QmpError {
  class: string;
  desc: string;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; cmd: string };

export class Qmp {
  private buf = '';
  private queue: Pending[] = [];
  private closed = false;
  /** Events seen so far (STOP, RESUME, MIGRATION …), newest last. */
  readonly events: Array<{ event: string; data?: unknown }> = [];

  private constructor(private readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (c: string) => this.onData(c));
    const fail = (): void => {
      this.closed = true;
      for (const p of this.queue.splice(0)) p.reject(new ThawError('E_VM_QEMU', `QEMU closed its control socket during ${p.cmd}`));
    };
    sock.on('close', fail);
    sock.on('error', fail);
  }

  /** A fresh socket path for `-chardev socket,path=…,server=on` (its directory goes at connect). */
  static socketPath(what: string): string {
    const dir = mkdtempSync(join(tmpdir(), `thaw-${what}-`));
    removeOnExit(dir);
    return join(dir, 'qmp.sock');
  }

  /**
   * Connect to QEMU's QMP socket, retrying while QEMU is still starting (until `alive()` says
   * it is gone or timeoutMs passes), then leave capabilities negotiation.
   */
  static async connect(path: string, alive: () => boolean, timeoutMs = 30_000): Promise<Qmp> {
    const deadline = Date.now() + timeoutMs;
    try {
      return await Qmp.connectLoop(path, alive, deadline, timeoutMs);
    } finally {
      rmSync(dirname(path), { recursive: true, force: true });
    }
  }

  private static async connectLoop(path: string, alive: () => boolean, deadline: number, timeoutMs: number): Promise<Qmp> {
    for (;;) {
      const sock = await new Promise<Socket | null>((resolve) => {
        const s = connect({ path });
        s.once('connect', () => {
          s.removeAllListeners('error');
          resolve(s);
        });
        s.once('error', () => {
          s.destroy();
          resolve(null);
        });
      });
      if (sock) {
        const q = new Qmp(sock);
        const greeting = q.next('greeting');
        await greeting;
        await q.execute('qmp_capabilities');
        return q;
      }
      if (!alive()) throw new ThawError('E_VM_QEMU', 'QEMU exited before its control socket opened');
      if (Date.now() > deadline) throw new ThawError('E_VM_QEMU', `QEMU's control socket did not open within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (typeof msg.event === 'string') {
        this.events.push({ event: msg.event, data: msg.data });
        continue;
      }
      const p = this.queue.shift();
      if (!p) continue;
      if (msg.error) {
        const e = msg.error as QmpError;
        p.reject(new ThawError('E_VM_QEMU', `QEMU refused ${p.cmd}: ${e.desc}`));
      } else p.resolve('QMP' in msg ? msg.QMP : msg.return);
    }
  }

  private next(cmd: string): Promise<unknown> {
    if (this.closed) return Promise.reject(new ThawError('E_VM_QEMU', `QEMU's control socket is closed (${cmd})`));
    return new Promise((resolve, reject) => this.queue.push({ resolve, reject, cmd }));
  }

  /** Run one QMP command and return its `return` value (errors become E_VM_QEMU). */
  execute<T = unknown>(cmd: string, args?: Record<string, unknown>): Promise<T> {
    const answer = this.next(cmd) as Promise<T>;
    this.sock.write(JSON.stringify(args ? { execute: cmd, arguments: args } : { execute: cmd }) + '\n');
    return answer;
  }

  /** An HMP command (for what QMP lacks, such as hostfwd_add); returns HMP's output text. */
  async hmp(line: string): Promise<string> {
    return this.execute<string>('human-monitor-command', { 'command-line': line });
  }

  /** Poll query-migrate until the migration completes; throws when it fails. */
  async waitMigration(what: string, timeoutMs = 300_000): Promise<{ totalMs?: number; bytes?: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.execute<{ status?: string; 'error-desc'?: string; 'total-time'?: number; ram?: { transferred?: number } }>('query-migrate');
      if (s.status === 'completed') return { totalMs: s['total-time'], bytes: s.ram?.transferred };
      if (s.status === 'failed' || s.status === 'cancelled') throw new ThawError('E_VM_SNAPSHOT', `${what} failed: ${s['error-desc'] ?? s.status}`);
      if (Date.now() > deadline) throw new ThawError('E_VM_SNAPSHOT', `${what} did not finish within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    this.closed = true;
    this.sock.destroy();
  }
}
