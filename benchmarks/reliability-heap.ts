/**
 * `npm run bench:reliability -- --parts heap`: does a restored server's memory settle, and where
 * does its growth under load go? One app restored and cold, both loaded at the same time (one
 * autocannon each, so neither gets a quieter machine than the other) for a long run. Every 10 s:
 * each server's RSS, and V8's heap as its last full garbage collection left it (`--trace-gc`:
 * the image is built with `--node-flags --trace-gc`, the cold server runs with the flag), live
 * objects against what V8 keeps committed. Growth that is V8's young generation sizing itself
 * up shows as committed heap rising while the live heap stays flat, in both servers alike.
 */
import autocannon from 'autocannon';
import { join } from 'node:path';
import { sampleTree } from '../src/launch/memory.js';
import { wireRequest } from '../src/snapshot/warmup-file.js';
import { slope } from './common.js';
import { prepareApp, serve, warmUp, type LoadTarget, type Server } from './reliability-corpus.js';

export interface HeapSample {
  s: number;
  rssMb: number;
  /** After the last mark-compact so far: live objects and the committed heap, MB (NaN before the first). */
  liveMb: number;
  committedMb: number;
}

export interface HeapSoak {
  app: string;
  connections: number;
  seconds: number;
  requests: Record<'restored' | 'cold', number>;
  errors: Record<'restored' | 'cold', number>;
  samples: Record<'restored' | 'cold', HeapSample[]>;
}

/** `[pid:0x…]   12345 ms: Mark-Compact 25.3 (89.7) -> 12.7 (83.4) MB, …`: the last one in `text`. */
export function lastMarkCompact(text: string): { liveMb: number; committedMb: number } | undefined {
  const all = [...text.matchAll(/Mark-Compact(?: \([^)]*\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \(([\d.]+)\) MB/g)];
  const m = all[all.length - 1];
  return m ? { liveMb: Number(m[1]), committedMb: Number(m[2]) } : undefined;
}

/** RSS growth over the second half of a run, MB per 10 s (least squares). */
export const lateTrend = (xs: HeapSample[], seconds: number): number => slope(xs.filter((x) => x.s >= seconds / 2).map((x) => [x.s, x.rssMb])) * 10;

export async function heapSoak(t: LoadTarget, o: { node: string; seconds: number; connections: number; out: string; say: (m: string) => void }): Promise<HeapSoak> {
  const { warmup, first, img } = await prepareApp(t, o.node, join(o.out, `heap-${t.name.replace(/\W+/g, '_')}`), ['--trace-gc'], (m) => o.say(`heap: ${m}`));
  const servers: Server[] = [];
  try {
    // Each server's last MB of output holds its last --trace-gc mark-compact line.
    servers.push(await serve('restored', [join(img, 'start')], t, first, 1 << 20));
    servers.push(await serve('cold', [o.node, '--trace-gc', t.cold], t, first, 1 << 20));
    await warmUp(servers[1]!.port, warmup);
    const samples: HeapSoak['samples'] = { restored: [], cold: [] };
    const t0 = performance.now();
    const sample = (): void => {
      for (const s of servers) {
        const mc = lastMarkCompact(s.child.stdout());
        samples[s.config].push({ s: Math.round((performance.now() - t0) / 1000), rssMb: (sampleTree(s.child.pid)?.rssKb ?? NaN) / 1024, liveMb: mc?.liveMb ?? NaN, committedMb: mc?.committedMb ?? NaN });
      }
    };
    o.say(`heap: ${t.name}: restored and cold at once, ${o.connections} connection(s) each, ${o.seconds} s`);
    sample();
    const timer = setInterval(sample, 10_000);
    const { headers, body } = wireRequest(first);
    const results = await Promise.all(servers.map((s) => autocannon({ url: `http://127.0.0.1:${s.port}${first.path}`, method: first.method as 'GET', headers, body, connections: o.connections, duration: o.seconds })));
    clearInterval(timer);
    sample();
    for (const s of servers) if (s.child.done) throw new Error(`${t.name}: the ${s.config} server exited under load: ${s.child.stderr().slice(-500)}`);
    return {
      app: t.name,
      connections: o.connections,
      seconds: o.seconds,
      requests: { restored: results[0]!.requests.total, cold: results[1]!.requests.total },
      errors: { restored: results[0]!.errors + results[0]!.timeouts, cold: results[1]!.errors + results[1]!.timeouts },
      samples,
    };
  } finally {
    for (const s of servers) await s.child.kill();
  }
}

/** One table per app: every 30 s, both servers' RSS and V8 heap side by side, and the late trends. */
export function heapTable(r: HeapSoak): string[] {
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '—');
  const lines = [
    `**${r.app}**, ${r.connections} connection(s) each, ${r.seconds} s: ${r.requests.restored} requests restored, ${r.requests.cold} cold; errors ${r.errors.restored} and ${r.errors.cold}. RSS trend over the second half: restored ${lateTrend(r.samples.restored, r.seconds).toFixed(2)}, cold ${lateTrend(r.samples.cold, r.seconds).toFixed(2)} MB per 10 s.`,
    '',
    '| s | restored RSS MB | restored V8 heap live / committed MB | cold RSS MB | cold V8 heap live / committed MB |',
    '| ---: | ---: | ---: | ---: | ---: |',
  ];
  const n = Math.min(r.samples.restored.length, r.samples.cold.length);
  for (let i = 0; i < n; i++) {
    const a = r.samples.restored[i]!;
    const b = r.samples.cold[i]!;
    if (i % 3 !== 0 && (i !== n - 1 || a.s === r.samples.restored[i - 1]!.s)) continue;
    lines.push(`| ${a.s} | ${f(a.rssMb)} | ${f(a.liveMb)} / ${f(a.committedMb)} | ${f(b.rssMb)} | ${f(b.liveMb)} / ${f(b.committedMb)} |`);
  }
  return lines;
}
