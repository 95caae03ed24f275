// CPU per request, second by second, of a server's first seconds under one connection of load:
// does a restored server start slower than a cold one? A label starting with "cold" is first sent
// 30 requests (a warm-up); servers run one after another:
//
//   cd test/compat/restify; N=../../../node_modules/node24/bin/node
//   node ../../../benchmarks/repro/early-cpu-per-second.mjs 8 /hello/warm "restored=IMG/start" "cold=$N server.js"
//
// Arguments: SECONDS PATH label=command…
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(new URL('../../package.json', import.meta.url));
const autocannon = require('autocannon');
const [secs, path, ...cfgs] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cpu = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
let port = 19500;
for (const c of cfgs) {
  const [label, cmd] = c.split(/=(.*)/s);
  const p = spawn('sh', ['-c', `exec ${cmd}`], { env: { ...process.env, PORT: String(++port) }, stdio: 'ignore', cwd: process.env.CWD || process.cwd() });
  for (;;) { try { const r = await fetch(`http://127.0.0.1:${port}${path}`); await r.text(); break; } catch { await sleep(20); } }
  if (label.startsWith('cold')) for (let i = 0; i < 30; i++) await (await fetch(`http://127.0.0.1:${port}${path}`)).text();
  const per = [];
  let reqs = 0;
  const inst = autocannon({ url: `http://127.0.0.1:${port}${path}`, connections: 1, duration: Number(secs) });
  inst.on('response', () => reqs++);
  let c0 = cpu(p.pid), r0 = 0;
  const t = setInterval(() => { const c1 = cpu(p.pid); per.push(((c1 - c0) * 1e6 / Math.max(1, reqs - r0)).toFixed(0)); c0 = c1; r0 = reqs; }, 1000);
  await inst; clearInterval(t);
  console.log(label.padEnd(9), 'µs/req per second:', per.join(' '));
  p.kill();
}
