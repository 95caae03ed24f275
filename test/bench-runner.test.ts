// The runner, report and exporters on a scripted executor: deterministic, no processes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compareBaseline } from '../src/bench/baseline.js';
import { serialize as csv } from '../src/bench/export/csv.js';
import { readTimes, serialize as json } from '../src/bench/export/json.js';
import { serialize as markdown } from '../src/bench/export/markdown.js';
import { fakeExecutor, formatTable, formatTimeline, runBench } from '../src/bench/index.js';
import { ThawError } from '../src/errors.js';
import { scratch } from './helpers.js';

const configs = [
  { name: 'cold', command: 'node app.js' },
  { name: 'restored', command: 'out/img' },
];

describe('bench runner (scripted executor)', () => {
  it('interleaves A B A B after the warm-up and summarises each configuration', async () => {
    const ex = fakeExecutor({ cold: [9, 0.6, 0.62, 0.58], restored: [9, 0.2, 0.21, 0.19] });
    const report = await runBench({ configs, runs: 3, warmup: 1, executor: ex });
    assert.deepEqual(ex.calls, ['cold', 'restored', 'cold', 'restored', 'cold', 'restored', 'cold', 'restored']);
    const [cold, restored] = report.results;
    assert.deepEqual(cold!.times, [0.6, 0.62, 0.58]); // the warm-up 9 s is not recorded
    assert.equal(cold!.stats!.median, 0.6);
    assert.equal(restored!.stats!.median, 0.2);
    assert.equal(report.fastest, 'restored');
    assert.equal(report.ratios.length, 1);
    const p = report.ratios[0]!;
    assert.equal(p.slower, 'cold');
    assert.ok(Math.abs(p.median.ratio - 3) < 1e-9);
    assert.ok(p.distinguishable);
    assert.ok(report.complete);
  });

  it('Relative is hyperfine\'s (means over the lowest mean, never below 1), though the first to answer is decided by medians', async () => {
    // a: lower median, higher mean (one slow run); b: the lower mean.
    const report = await runBench({ configs: [{ name: 'a', command: 'a' }, { name: 'b', command: 'b' }], runs: 5, executor: fakeExecutor({ a: [0.1, 0.1, 0.1, 0.1, 0.9], b: [0.2, 0.2, 0.2, 0.2, 0.2] }) });
    const [a, b] = report.results;
    assert.equal(report.fastest, 'a');
    assert.equal(b!.relative!.ratio, 1);
    assert.ok(Math.abs(a!.relative!.ratio - 1.3) < 1e-9, `a: ${a!.relative!.ratio}`);
    assert.match(markdown(report), /Relative: each mean over the lowest mean \(hyperfine's definition\)/);
  });

  it('timelines: the median of each phase per configuration, drawn as bars; Node 20\'s eager NODE_EXTRA_CA_CERTS read is named when it shows', async () => {
    const phases = (v8: number) => [
      { mark: 'process', ms: 5 },
      { mark: 'v8Start', ms: v8 },
      { mark: 'listening', ms: 30 },
      { mark: 'request', ms: 2 },
      { mark: 'finish', ms: 1 },
      { mark: 'received', ms: 1 },
    ];
    const report = await runBench({ configs, runs: 3, executor: fakeExecutor({ cold: [0.1, 0.1, 0.1].map((firstS, i) => ({ firstS, timeline: phases(60 + i) })), restored: [{ firstS: 0.05, timeline: phases(4) }] }) });
    assert.deepEqual(report.results[0]!.timeline!.map((p) => [p.mark, p.ms]), [['process', 5], ['v8Start', 61], ['listening', 30], ['request', 2], ['finish', 1], ['received', 1]]);
    const saved = process.env.NODE_EXTRA_CA_CERTS;
    try {
      process.env.NODE_EXTRA_CA_CERTS = '/etc/ssl/certs/ca-certificates.crt';
      const text = formatTimeline(report);
      assert.match(text, /\n {4}Node: options, platform, snapshot read +█+ +61\.0 ms\n/);
      assert.match(text, /note: NODE_EXTRA_CA_CERTS is set; Node 20 reads it at every start/);
      delete process.env.NODE_EXTRA_CA_CERTS;
      assert.doesNotMatch(formatTimeline(report), /note:/);
    } finally {
      if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = saved;
    }
  });

  it('runs A A A B B B with interleave off', async () => {
    const ex = fakeExecutor({ cold: [0.6], restored: [0.2] });
    await runBench({ configs, runs: 3, interleave: false, executor: ex });
    assert.deepEqual(ex.calls, ['cold', 'cold', 'cold', 'restored', 'restored', 'restored']);
  });

  it('says plainly when two configurations are not distinguishable', async () => {
    const same = [0.3, 0.31, 0.29, 0.305, 0.295];
    const report = await runBench({ configs, runs: 5, executor: fakeExecutor({ cold: same, restored: [...same].reverse() }) });
    assert.equal(report.ratios[0]!.distinguishable, false);
    assert.match(formatTable(report), /not distinguishable/);
    assert.match(markdown(report), /not distinguishable/);
  });

  it('a failing configuration stops; the others still run and are reported', async () => {
    const boom = new ThawError('E_NOT_READY', 'configuration "restored" was not ready within 5.0 s', { detail: 'last stderr line' });
    const report = await runBench({ configs, runs: 4, executor: fakeExecutor({ cold: [0.5], restored: [0.1, boom] }) });
    assert.equal(report.results[0]!.times.length, 4);
    assert.deepEqual(report.results[1]!.times, [0.1]);
    assert.equal(report.failures.length, 1);
    assert.equal(report.failures[0]!.code, 'E_NOT_READY');
    assert.equal(report.failures[0]!.afterRuns, 1);
    assert.match(formatTable(report), /FAILED after 1 run: \[E_NOT_READY\]/);
  });

  it('writes every export after every run, atomically, in hyperfine shape', async () => {
    const dir = scratch();
    const targets = { json: join(dir, 'b.json'), markdown: join(dir, 'b.md'), csv: join(dir, 'b.csv'), html: join(dir, 'b.html') };
    const seen: number[] = [];
    const report = await runBench({
      configs,
      runs: 2,
      executor: fakeExecutor({ cold: [{ firstS: 0.5, rssKb: 40960, pssKb: 30720, userS: 0.4, systemS: 0.05, latenciesS: [0.01, 0.002] }], restored: [0.1] }),
      exports: targets,
      onRun: () => seen.push(JSON.parse(readFileSync(targets.json, 'utf8')).results.length),
    });
    // After run 1 of cold only cold has samples; afterwards both.
    assert.deepEqual(seen, [1, 2, 2, 2, 2]);
    const doc = JSON.parse(readFileSync(targets.json, 'utf8'));
    const cold = doc.results[0];
    for (const k of ['command', 'mean', 'stddev', 'median', 'user', 'system', 'min', 'max', 'times', 'exit_codes']) assert.ok(k in cold, `hyperfine field ${k}`);
    assert.equal(cold.command, 'cold');
    assert.equal(cold.command_line, 'node app.js');
    assert.deepEqual(cold.times, [0.5, 0.5]);
    assert.equal(cold.pss_kb, 30720);
    assert.equal(cold.user, 0.4);
    assert.deepEqual(cold.warmup_curve, [0.01, 0.002]);
    assert.equal(doc.thaw.complete, true);
    assert.equal(doc.thaw.ratios[0].faster, 'restored');
    assert.equal(readFileSync(targets.json, 'utf8'), json(report));
    const md = readFileSync(targets.markdown, 'utf8').split('\n');
    assert.match(md[0]!, /^\| Configuration \| Mean \[ms\] \|/);
    assert.match(md[2]!, /^\| `cold` \| 500\.0 ± 0\.0 \| 500\.0 \|/);
    assert.match(md[2]!, /\| 40\.0 \| 30\.0 \|$/); // RSS and PSS in MB
    const rows = readFileSync(targets.csv, 'utf8').trim().split('\n');
    assert.equal(rows[0], 'command,mean,stddev,median,user,system,min,max,p90,p95,runs,nth_median,rss_kb,pss_kb,command_line');
    assert.equal(rows[2], 'restored,0.1,0,0.1,0,0,0.1,0.1,0.1,0.1,2,,,,out/img');
    assert.equal(csv(report), readFileSync(targets.csv, 'utf8'));
    const html = readFileSync(targets.html, 'utf8');
    assert.equal((html.match(/class="run"/g) ?? []).length, 4); // one dot per run
    assert.match(html, /id="warmup"/);
    assert.doesNotMatch(html, /<script|<link|\ssrc=|\shref=|url\(/); // self-contained: nothing to fetch
  });

  it('compares with a baseline and flags only a significant regression', async () => {
    const report = await runBench({ configs, runs: 5, executor: fakeExecutor({ cold: [0.6, 0.61, 0.59, 0.6, 0.62], restored: [0.2, 0.21, 0.2, 0.19, 0.2] }) });
    const old = readTimes(JSON.stringify({ results: [{ command: 'cold', times: [0.5, 0.51, 0.49, 0.5, 0.5] }, { command: 'restored', times: [0.2, 0.2, 0.21, 0.19, 0.2] }] }))!;
    const { rows } = compareBaseline(report, old, 10);
    assert.deepEqual(rows.map((r) => [r.name, r.regression]), [['cold', true], ['restored', false]]); // +20% vs ±0%
    assert.equal(compareBaseline(report, old, 25).rows[0]!.regression, false); // under a 25% threshold
    assert.equal(readTimes('not json'), null);
  });

  it('rejects bad options with a clear code', async () => {
    await assert.rejects(runBench({ configs: [], executor: fakeExecutor({}) }), (e: ThawError) => e.code === 'E_USAGE');
    await assert.rejects(runBench({ configs: [configs[0]!, configs[0]!], executor: fakeExecutor({}) }), /two configurations are named "cold"/);
    await assert.rejects(runBench({ configs, runs: 0, executor: fakeExecutor({}) }), /--runs must be an integer ≥ 1/);
    await assert.rejects(runBench({ configs, prepare: ['a', 'b', 'c'], executor: fakeExecutor({}) }), /3 --prepare commands for 2 configurations/);
  });
});
