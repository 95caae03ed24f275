// Servers loaded at the same time (one autocannon each), RSS, anonymous memory and anonymous huge
// pages of each every 10 s: whether a restored server's memory grows differently from a cold one,
// and whether glibc's huge-page tunable (IMG/start sets it) plays a part:
//
//   cd test/compat/hapi; N=../../../node_modules/node24/bin/node
//   node ../../../benchmarks/repro/rss-side-by-side.mjs 240 8 /books "tun=IMG/start" \
//     "notun=env GLIBC_TUNABLES= IMG/start" "cold=$N server.js"
//
// Arguments: SECONDS CONNECTIONS PATH label=command…
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(new URL('../../package.json', import.meta.url));
const autocannon = require('autocannon');
const [secs, conns, path, ...cfgs] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mem = (pid) => {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const roll = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const g = (t, k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(t)?.[1] ?? 0) / 1024;
  return { rss: g(st, 'VmRSS'), anon: g(roll, 'Anonymous'), thp: g(roll, 'AnonHugePages') };
};
const procs = [];
let port = 19300;
for (const c of cfgs) {
  const [label, cmd] = c.split(/=(.*)/s);
  const p = spawn('sh', ['-c', `exec ${cmd}`], { env: { ...process.env, PORT: String(++port) }, stdio: 'ignore', cwd: process.env.CWD || process.cwd() });
  procs.push({ label, p, port });
}
for (const x of procs) for (;;) { try { const r = await fetch(`http://127.0.0.1:${x.port}${path}`); await r.text(); break; } catch { await sleep(50); } }
const runs = procs.map((x) => autocannon({ url: `http://127.0.0.1:${x.port}${path}`, connections: Number(conns), duration: Number(secs) }));
const t0 = Date.now();
while (Date.now() - t0 < Number(secs) * 1000) {
  console.log(Math.round((Date.now() - t0) / 1000) + 's', procs.map((x) => { const m = mem(x.p.pid); return `${x.label}: rss ${m.rss.toFixed(1)} anon ${m.anon.toFixed(1)} thp ${m.thp.toFixed(1)}`; }).join(' | '));
  await sleep(10_000);
}
const res = await Promise.all(runs);
console.log(procs.map((x, i) => `${x.label}: ${res[i].requests.total} req, ${res[i].errors} errors`).join(' | '));
for (const x of procs) x.p.kill();
