// Why a restored server served fewer requests per second under load than a cold one
// (BENCHMARKS.md, "Reliability"), and what thaw does about it. process.nextTick is twice as slow
// in a process restored from a V8 startup snapshot whose build called nextTick with different
// numbers of arguments (as any server's warm-up does): V8 widened the tick object's fields during
// the build (async ids stored as small integers, then as doubles), which deprecated the older
// object maps; no tick object was alive at the checkpoint, so the snapshot keeps only the
// deprecated branch, and every restored tick is built on a deprecated map and migrated
// (perf: DefineKeyedOwnPropertyInLiteral, MigrateToMap on every call). No thaw involved:
//
//   N=node_modules/node24/bin/node
//   VARY=1 $N --snapshot-blob /tmp/nt.blob --build-snapshot benchmarks/repro/next-tick-after-restore.cjs
//   $N --snapshot-blob /tmp/nt.blob                                  # restored: ~230 ms
//   VARY=1 $N benchmarks/repro/next-tick-after-restore.cjs           # cold:     ~120 ms
//   (without VARY=1 at the build, the restored one takes ~130 ms, like cold)
//
// The fix thaw uses (src/runtime/guest/ticks.ts): hold one live tick object of each kind into
// the snapshot, so the current maps go into it too. Build with KEEP=1 as well: as fast as cold.
//   VARY=1 KEEP=1 $N --snapshot-blob /tmp/nt.blob --build-snapshot benchmarks/repro/next-tick-after-restore.cjs
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
if (process.env.KEEP) {
  // executionAsyncResource() inside a tick callback is that tick's object.
  const { executionAsyncResource } = require('node:async_hooks');
  globalThis.keptTicks = [];
  process.nextTick(() => globalThis.keptTicks.push(executionAsyncResource()));
  process.nextTick((a) => globalThis.keptTicks.push(executionAsyncResource()), 1);
}
if (v8.startupSnapshot.isBuildingSnapshot()) v8.startupSnapshot.setDeserializeMainFunction(() => bench('restored'));
else setTimeout(() => bench('cold'), 10);
