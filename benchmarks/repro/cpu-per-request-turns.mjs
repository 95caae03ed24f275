// CPU per request of several servers of one app, in alternating turns at a fixed concurrency,
// after 3000 unmeasured requests each: a restored server against a cold one once both are warm.
// Each server is `label=command` (run by sh with PORT set; the last one is the baseline):
//
//   cd test/compat/restify; I=IMG   # an image: thaw build server.js -o IMG --warmup warmup.json
//   node ../../../benchmarks/repro/cpu-per-request-turns.mjs 6 8 1 /hello/warm \
//     "restored=$I/start" "notun=env GLIBC_TUNABLES= $I/start" "nomap=env THAW_NO_BLOB_MAP=1 $I/start" \
//     "cold=../../../node_modules/node24/bin/node server.js"
//
// Arguments: ROUNDS SECONDS CONNECTIONS PATH label=command…
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(new URL('../../package.json', import.meta.url));
const autocannon = require('autocannon');
const [rounds, secs, conns, path, ...cfgs] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cpu = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
const procs = [];
let port = 19400;
for (const c of cfgs) {
  const [label, cmd] = c.split(/=(.*)/s);
  const p = spawn('sh', ['-c', `exec ${cmd}`], { env: { ...process.env, PORT: String(++port) }, stdio: 'ignore', cwd: process.env.CWD || process.cwd() });
  procs.push({ label, p, port, per: [] });
}
for (const x of procs) for (;;) { try { const r = await fetch(`http://127.0.0.1:${x.port}${path}`); await r.text(); break; } catch { await sleep(50); } }
for (const x of procs) await autocannon({ url: `http://127.0.0.1:${x.port}${path}`, connections: 1, amount: 3000 });
for (let r = 0; r < Number(rounds); r++) {
  const order = r % 2 ? [...procs].reverse() : procs;
  for (const x of order) {
    const c0 = cpu(x.p.pid);
    const res = await autocannon({ url: `http://127.0.0.1:${x.port}${path}`, connections: Number(conns), duration: Number(secs) });
    x.per.push(((cpu(x.p.pid) - c0) * 1e6) / res.requests.total);
  }
}
const med = (a) => { const s = [...a].sort((p, q) => p - q); return s[s.length >> 1]; };
const base = procs[procs.length - 1];
for (const x of procs) console.log(x.label.padEnd(10), 'µs/req median', med(x.per).toFixed(1), 'rounds', x.per.map((v) => v.toFixed(1)).join(' '), 'ratio to', base.label, (med(x.per) / med(base.per)).toFixed(3));
for (const x of procs) x.p.kill();
