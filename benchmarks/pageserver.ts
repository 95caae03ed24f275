/**
 * `npm run bench:pageserver`: how long a restored process waits for its working set, served by
 * the userfaultfd page server on demand versus prefetched from a recorded list (REAP's record &
 * prefetch), against the snapshot simply mapped from the page cache.
 *
 * A RAM file of --ram-mb (default 512, the guest size; a quarter of its pages zero)
 * stands for a VM snapshot; the working set is --pages pages (default 2,500, what a restored
 * Node guest touches until its first response) scattered over it in a fixed random order.
 * thaw-uffd-touch (native/uffd-touch.c) reads them in that order and reports how long it took;
 * for the prefetch run it first waits --delay-ms (default 50: the process's own start-up, during
 * which the server copies the list). Three configurations, interleaved, --runs rounds (default
 * 11), medians and ranges. Then, where a kernel is in /boot, real restores of the small QEMU guest
 * of the restore spec, reading a --vm-data-mb (default 16) file every turn (--vm-runs, default 9;
 * 0 skips them). The section `pageserver` of
 * BENCHMARKS.md is rewritten.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { median, mulberry32 } from '../src/bench/stats.js';
import { run } from '../src/launch/spawn.js';
import { nativeHelpers, startPageServer } from '../src/vm/page-server.js';
import { bootAndCheckpoint, kernel, restore } from '../test/vm-guest.js';
import { option, writeSection } from './common.js';

const ramMb = Number(option('ram-mb', '512'));
const pages = Number(option('pages', '2500'));
const runs = Number(option('runs', '11'));
const delayMs = Number(option('delay-ms', '50'));
const vmRuns = Number(option('vm-runs', '9'));
const vmDataMb = Number(option('vm-data-mb', '16'));
const PAGE = 4096;

const work = mkdtempSync(join(tmpdir(), 'thaw-bench-pageserver-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const ram = join(work, 'ram.bin');
{
  // Random pages, every fourth one zero (what the handler serves with UFFDIO_ZEROPAGE).
  const fd = openSync(ram, 'w');
  const chunk = 1 << 20;
  const zero = Buffer.alloc(PAGE);
  for (let off = 0; off < ramMb << 20; off += chunk) {
    const b = randomBytes(chunk);
    for (let p = 0; p < chunk; p += PAGE) if (((off + p) / PAGE) % 4 === 3) zero.copy(b, p);
    writeSync(fd, b);
  }
  closeSync(fd);
}
const rand = mulberry32(10);
const total = (ramMb << 20) / PAGE;
const chosen = new Set<number>();
while (chosen.size < Math.min(pages, total)) chosen.add(Math.floor(rand() * total));
const order = [...chosen].join(',');

const helpers = await nativeHelpers({ progress: (l) => console.error(`bench:pageserver: ${l}`) });

interface Sample {
  touchMs: number;
  faults: number;
  prefetchMs?: number;
}

async function touch(memPath: string, env: Record<string, string>, delay = 0): Promise<number> {
  const r = await run([helpers.touch, ...(delay ? ['--delay-ms', String(delay)] : []), memPath, ram, order], { env, timeoutMs: 120_000 });
  if (r.status !== 0) throw new Error(`thaw-uffd-touch failed: ${r.stderr}`);
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { touchMs: number; mismatches: number };
  if (j.mismatches) throw new Error('pages differ from the snapshot');
  return j.touchMs;
}

// The list to prefetch: the log of one on-demand restore.
const record = join(work, 'record-uffd.log');
{
  const ps = await startPageServer({ ramFile: ram, log: record });
  await touch(ps.memPath, ps.env);
  await ps.stats;
}

const configs: Record<string, () => Promise<Sample>> = {
  'snapshot mapped (page cache, no server)': async () => ({ touchMs: await touch(ram, {}), faults: 0 }),
  'page server, on demand': async () => {
    const ps = await startPageServer({ ramFile: ram });
    const touchMs = await touch(ps.memPath, ps.env);
    return { touchMs, faults: (await ps.stats).faults };
  },
  'page server, --prefetch': async () => {
    const ps = await startPageServer({ ramFile: ram, prefetch: record });
    const touchMs = await touch(ps.memPath, ps.env, delayMs);
    const s = await ps.stats;
    return { touchMs, faults: s.faults, prefetchMs: s.prefetchMs };
  },
};
const names = Object.keys(configs);
const samples: Record<string, Sample[]> = Object.fromEntries(names.map((n) => [n, []]));
for (let r = 0; r < runs; r++) {
  // Rotate the order each round so no configuration always runs first.
  for (let k = 0; k < names.length; k++) {
    const name = names[(r + k) % names.length]!;
    samples[name]!.push(await configs[name]!());
  }
  console.error(`bench:pageserver: round ${r + 1}/${runs}`);
}

const fmt = (xs: number[], d = 2): string => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)} – ${Math.max(...xs).toFixed(d)})`;
const rows = names.map((n) => {
  const s = samples[n]!;
  const pre = s.filter((x) => x.prefetchMs !== undefined).map((x) => x.prefetchMs!);
  return `| ${n} | ${fmt(s.map((x) => x.touchMs))} | ${(median(s.map((x) => x.touchMs)) * 1000 / pages).toFixed(2)} | ${median(s.map((x) => x.faults))} | ${pre.length ? fmt(pre) : '–'} |`;
});
const demand = median(samples['page server, on demand']!.map((x) => x.touchMs));
const prefetch = median(samples['page server, --prefetch']!.map((x) => x.touchMs));
const body = `\`npm run bench:pageserver\` (benchmarks/pageserver.ts): a ${ramMb} MiB RAM file (random pages, a
quarter zero) stands for a VM snapshot; thaw-uffd-touch maps it as QEMU maps guest RAM and reads a
working set of ${pages.toLocaleString('en')} pages scattered over it, in a fixed random order, checking each against the
snapshot. With \`--prefetch\` (the log of an earlier on-demand run) the process first sleeps
${delayMs} ms, its stand-in for QEMU's own start-up, while the server copies the list. ${runs} interleaved
rounds, median (min – max). Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()},
load average ${loadavg()[0]!.toFixed(1)} at the end (other engineers' test suites running alongside).

| configuration | time to read the working set, ms | µs per page | pages served on demand | prefetch of the list, ms |
|---|---|---|---|---|
${rows.join('\n')}

On demand every first touch is a round trip through the server (fault → wake the server → read →
\`UFFDIO_COPY\` → wake the process): ${(demand / prefetch).toFixed(0)}× the prefetched time here, where two busy cores make
every wake-up wait. Prefetched, \`UFFDIO_COPY\` has installed the pages (and their page-table
entries) before the process looks, so it reads them without a single fault, at the speed of the
snapshot mapped from the page cache (which takes a minor fault per page); the server's copy of the list
(${fmt(samples['page server, --prefetch']!.map((x) => x.prefetchMs!), 1)} ms) overlaps the process's start-up instead of adding to it. For a restored VM the
same list is the guest's working set; in test/page-server.test.ts a busybox guest restored on
demand faults in ~960 pages, and none once they are prefetched.`;

// A real restore: the busybox guest of the page server's spec (test/vm-guest.ts), checkpointed
// once, then restored --vm-runs times per configuration, interleaved, timed from before the page
// server (or QEMU) starts to the guest's first line on its console after `cont`.
let vmBody = '';
if (kernel && vmRuns > 0) {
  console.error('bench:pageserver: booting and checkpointing the guest');
  const cp = await bootAndCheckpoint(join(work, 'vm'), vmDataMb);
  const vmLog = join(work, 'vm-record-uffd.log');
  const recorded = await restore(cp, 'record', { served: true, log: vmLog });
  const vmConfigs: Record<string, () => ReturnType<typeof restore>> = {
    'RAM file mapped copy-on-write (no page server)': () => restore(cp, 'plain', { served: false }),
    'page server, on demand': () => restore(cp, 'demand', { served: true }),
    'page server, --prefetch': () => restore(cp, 'prefetch', { served: true, prefetch: vmLog }),
  };
  const vmNames = Object.keys(vmConfigs);
  const vmSamples: Record<string, Array<{ ms: number; turnMs: number; faults: number; prefetched: number }>> = Object.fromEntries(vmNames.map((n) => [n, []]));
  for (let r = 0; r < vmRuns; r++) {
    for (let k = 0; k < vmNames.length; k++) {
      const name = vmNames[(r + k) % vmNames.length]!;
      const x = await vmConfigs[name]!();
      vmSamples[name]!.push({ ms: x.firstTickMs, turnMs: x.secondTickMs, faults: x.stats?.faults ?? 0, prefetched: x.stats?.prefetched ?? 0 });
    }
    console.error(`bench:pageserver: VM round ${r + 1}/${vmRuns}`);
  }
  const vmRows = vmNames.map((n) => {
    const s = vmSamples[n]!;
    return `| ${n} | ${fmt(s.map((x) => x.ms), 0)} | ${fmt(s.map((x) => x.turnMs), 0)} | ${median(s.map((x) => x.faults))} | ${median(s.map((x) => x.prefetched))} |`;
  });
  const turn = (n: string): number => median(vmSamples[n]!.map((x) => x.turnMs));
  vmBody = `

**A restored VM** — the guest of the page server's restore spec (test/vm-guest.ts: Debian's kernel
${kernel.replace(/^.*vmlinuz-/, '')}, 128 MiB, QEMU microvm, TCG on one vCPU, busybox-static as init) whose loop
prints \`tick N\` after an \`md5sum\` of a ${vmDataMb} MiB file in its initramfs (a working set of
${(vmDataMb * 256).toLocaleString('en')} pages, between the Node and the Java guests of the issue), then sleeps 100 ms. Booted once
with RAM in a shmem file and checkpointed with \`x-ignore-shared\`; then ${vmRuns} interleaved restores per
configuration, timed from before the page server (or QEMU) starts to the first console line after
\`cont\` (the loop finishing the turn it was stopped in) and to the second (one whole turn: the
md5sum reads every page of the file), median (min – max). The list prefetched is the log of one
earlier on-demand restore (${recorded.stats!.faults.toLocaleString('en')} pages).

| restore | first line, ms | one whole turn, ms | pages served on demand | pages prefetched |
|---|---|---|---|---|
${vmRows.join('\n')}

One whole turn after the restore: ${turn('page server, on demand').toFixed(0)} ms on demand, ${turn('page server, --prefetch').toFixed(0)} ms with the prefetch,
${turn('RAM file mapped copy-on-write (no page server)').toFixed(0)} ms with the snapshot mapped copy-on-write (minor faults from the page cache, no
log). The ranges overlap: the machine ran other engineers' suites (load average about 9 on 2
cores), so only the medians' order means something, and a quieter machine is needed for a
precise figure. Under TCG QEMU also re-translates the guest code it runs again after \`cont\`,
alike for all three; with KVM (where /dev/kvm is hardware virtualisation, which it is not here)
that part shrinks and page service becomes a larger share of a restore.`;
}

console.log(body + vmBody);
writeSection('pageserver', 'VM page server: on demand vs prefetch', body + vmBody);

