/**
 * Servers made from the http/https stand-ins while building. The stand-in server records what
 * the app asked of it: listen() (answered as Node would: 'listening' is emitted, the callback
 * runs, address() answers), so frameworks that await their listen — Fastify, Hapi, Apollo —
 * finish their start-up inside the build. After restore the real server, initialised in place
 * (guest/http.ts), listens again: on the restored process's PORT when the app read PORT to
 * choose its port.
 */
import { EventEmitter } from 'node:events';
import type { ServerInfo } from '../protocol.js';
import { envReads } from './env.js';
import { session } from './session.js';

interface ServerRecord {
  server: BuildServer;
  module: string;
  /** Arguments of the last listen() while building, or null when not listening. */
  listenArgs: unknown[] | null;
  /** process.env names read before listen() was called. */
  envReadBeforeListen: Set<string>;
}

const records: ServerRecord[] = [];

/** The stand-in http(s).Server: records listen() and lets warm-up emit 'request'. */
/** Stand-in servers listening now. A set, not an own `listening` field: after restore the real
 * class's getter answers, and the object must not need a property deleted (see http.ts). */
const listeningNow = new WeakSet<object>();

export class BuildServer extends EventEmitter {
  get listening(): boolean {
    return listeningNow.has(this);
  }
  constructor(...args: unknown[]) {
    super();
    const handler = typeof args[0] === 'function' ? args[0] : args[1];
    if (typeof handler === 'function') this.on('request', handler as (...a: unknown[]) => void);
  }
  listen(...args: unknown[]): this {
    const rec = records.find((s) => s.server === this);
    if (rec) {
      rec.listenArgs = args;
      rec.envReadBeforeListen = new Set(envReads());
    }
    listeningNow.add(this);
    const cb = args.findLast((a) => typeof a === 'function') as (() => void) | undefined;
    if (cb) this.once('listening', cb);
    process.nextTick(() => this.emit('listening'));
    return this;
  }
  close(cb?: (err?: Error) => void): this {
    const rec = records.find((s) => s.server === this);
    if (rec) rec.listenArgs = null;
    listeningNow.delete(this);
    if (cb) process.nextTick(cb);
    process.nextTick(() => this.emit('close'));
    return this;
  }
  address(): { address: string; family: string; port: number } | string | null {
    const rec = records.find((s) => s.server === this);
    if (!rec?.listenArgs) return null;
    const t = target(rec.listenArgs);
    if (t.path) return t.path;
    // A name is bound to what it resolves to ("localhost": the loopback address), as Node does.
    const host = t.host === 'localhost' ? '127.0.0.1' : t.host;
    return { address: host ?? '::', family: host && !host.includes(':') ? 'IPv4' : 'IPv6', port: t.port ?? 0 };
  }
  getConnections(cb: (err: Error | null, n: number) => void): this {
    process.nextTick(cb, null, 0);
    return this;
  }
  setTimeout(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  closeAllConnections(): void {}
  closeIdleConnections(): void {}
}

export function registerServer(server: object, module: string): void {
  if (server instanceof BuildServer && !records.some((r) => r.server === server)) records.push({ server, module, listenArgs: null, envReadBeforeListen: new Set() });
}

/** Port, host or pipe path of listen(…) arguments, in any of Node's forms. */
function target(args: unknown[]): { port: number | null; host: string | null; path: string | null } {
  const a = args[0];
  if (a && typeof a === 'object') {
    const o = a as Record<string, unknown>;
    if (typeof o.path === 'string') return { port: null, host: null, path: o.path };
    return { port: o.port === undefined || o.port === null ? 0 : Number(o.port), host: typeof o.host === 'string' ? o.host : null, path: null };
  }
  if (typeof a === 'string' && !/^\d+$/.test(a)) return { port: null, host: null, path: a };
  const port = a === undefined || a === null || typeof a === 'function' ? 0 : Number(a);
  return { port, host: typeof args[1] === 'string' ? args[1] : null, path: null };
}

function describeListen(args: unknown[]): string {
  const t = target(args);
  return t.path ?? `port ${t.port}`;
}

/** Does the server listen on an IPv6 (dual-stack) address, where IPv4 peers appear mapped? */
export function listensIpv6(server: BuildServer): boolean {
  const rec = records.find((s) => s.server === server);
  if (!rec?.listenArgs) return true;
  const t = target(rec.listenArgs);
  return t.host === null || t.host.includes(':');
}

/** The server warm-up requests go to: the first that listened, else the first created. */
export function warmupTarget(): BuildServer | undefined {
  return (records.find((s) => s.listenArgs) ?? records[0])?.server;
}

export function collectServers(): void {
  session().collectors.push((r) => {
    const list: ServerInfo[] = records.map((s) => {
      const t = s.listenArgs ? target(s.listenArgs) : { port: null, host: null, path: null };
      return { module: s.module, listen: s.listenArgs ? describeListen(s.listenArgs) : 'not listening', port: t.port, host: t.host, portFromEnv: s.envReadBeforeListen.has('PORT') };
    });
    r.servers = { created: records.length, listening: records.filter((s) => s.listenArgs).length, list };
  });
}

function substitutePort(args: unknown[], rec: ServerRecord): unknown[] {
  const env = process.env;
  const fromEnv = (name: string): string | undefined => (rec.envReadBeforeListen.has(name) && env[name] ? env[name] : undefined);
  const port = fromEnv('PORT');
  const host = fromEnv('HOST');
  const out = [...args];
  if (out[0] && typeof out[0] === 'object') {
    const o = { ...(out[0] as Record<string, unknown>) };
    if (port !== undefined && 'port' in o) o.port = Number(port);
    if (host !== undefined && 'host' in o) o.host = host;
    out[0] = o;
  } else if (typeof out[0] === 'number' || (typeof out[0] === 'string' && /^\d+$/.test(out[0]))) {
    if (port !== undefined) out[0] = Number(port);
    if (host !== undefined && typeof out[1] === 'string') out[1] = host;
  } else if (out.length === 0 || typeof out[0] === 'function' || out[0] === undefined || out[0] === null) {
    if (port !== undefined) out.splice(0, out[0] === undefined || out[0] === null ? 1 : 0, Number(port));
  }
  return out;
}

/** Servers that were listening at checkpoint time listen again (after afterRestore hooks). */
export function listenServers(onFatal: (code: string, message: string, hint: string) => void): void {
  for (const rec of records) {
    if (!rec.listenArgs) continue;
    const server = rec.server as unknown as EventEmitter & { listen: (...a: unknown[]) => unknown; listening?: boolean };
    if (server.listening) continue; // the app listened again itself in afterRestore
    const args = substitutePort(rec.listenArgs, rec);
    // Without an 'error' listener a failed listen is an uncaught exception with a stack dump;
    // say what happened in one line instead. An app that listens for 'error' keeps control.
    if (server.listenerCount('error') === 0) {
      const onError = (err: NodeJS.ErrnoException): void => {
        const where = describeListen(args);
        if (err.code === 'EADDRINUSE') onFatal('E_PORT_IN_USE', `${where} is already in use (EADDRINUSE)`, 'stop the process that holds it, or start with PORT=<free port>');
        else if (err.code === 'EACCES') onFatal('E_PORT_ACCESS', `no permission to listen on ${where} (EACCES)`, 'use a port above 1023, or PORT=<port>');
        else onFatal('E_LISTEN', `listen on ${where} failed: ${err.message}`, 'check the address the app listens on');
      };
      server.once('error', onError);
      server.once('listening', () => server.removeListener('error', onError));
    }
    server.listen(...args);
  }
}
