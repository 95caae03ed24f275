// Why a restored server serves fewer requests per second under load than a cold one
// (BENCHMARKS.md, "Reliability"): process.nextTick is twice as slow in a process restored from
// a V8 startup snapshot whose build called nextTick with different numbers of arguments (as
// any server's warm-up does), and as fast as cold when the build did not. perf shows the tick
// objects going through V8's slow property paths (DefineKeyedOwnPropertyInLiteral,
// MigrateToMap) on every call. No thaw involved:
//
//   N=node_modules/node24/bin/node
//   VARY=1 $N --snapshot-blob /tmp/nt.blob --build-snapshot benchmarks/repro/next-tick-after-restore.cjs
//   $N --snapshot-blob /tmp/nt.blob                                  # restored: ~230 ms
//   VARY=1 $N benchmarks/repro/next-tick-after-restore.cjs           # cold:     ~120 ms
//   (without VARY=1 at the build, the restored one takes ~130 ms, like cold; timed after a
//   setImmediate instead of at once, the VARY=1 build restores fast as well)
const v8 = require('node:v8');

function bench(label) {
  const n = 300000;
  let done = 0;
  const t0 = process.hrtime.bigint();
  const f = () => {
    if (++done === n) console.log(label, Number(process.hrtime.bigint() - t0) / 1e6, 'ms for', n, 'ticks');
  };
  for (let i = 0; i < n; i++) process.nextTick(f);
}

if (process.env.VARY) {
  for (let i = 0; i < 1000; i++) {
    process.nextTick(() => {});
    process.nextTick((a) => a, 1);
    process.nextTick((a, b) => a + b, 1, 'x');
    process.nextTick((a, b, c, d) => [a, b, c, d], {}, [], 1, 2);
  }
}
if (v8.startupSnapshot.isBuildingSnapshot()) v8.startupSnapshot.setDeserializeMainFunction(() => bench('restored'));
else setTimeout(() => bench('cold'), 10);
