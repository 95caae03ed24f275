import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coverageMetric, formatMetric, normaliseStack } from './metric.js';

test('normalised stacks ignore the process name, V8 tiers, map pids and recursion depth', () => {
  assert.equal(normaliseStack('node;main;JS:*fib a.js:1;JS:~fib a.js:1;JS:*fib a.js:1;[perf-77.map]'), 'main;JS:fib a.js:1;[perf-map]');
  assert.equal(normaliseStack('V8_Worker;main;JS:^g'), normaliseStack('node;main;JS:+g'));
});

test('share, unique stacks and pairwise similarity', () => {
  const m = coverageMetric(
    new Map([
      ['a', new Map([['p;x;y', 30], ['p;x;z', 10]])],
      ['b', new Map([['q;x;y', 10], ['q;w', 30]])],
    ]),
  );
  assert.equal(m.aggregateDistinct, 3);
  const a = m.configs.find((c) => c.name === 'a')!;
  assert.equal(a.distinct, 2);
  assert.equal(a.unique, 1);
  assert.ok(Math.abs(a.share - 2 / 3) < 1e-12);
  const pair = m.pairs[0]!;
  assert.ok(Math.abs(pair.similarity - 0.25) < 1e-12); // min(0.75, 0.25) on x;y
  assert.ok(Math.abs(pair.jaccard - 1 / 3) < 1e-12);
  assert.match(formatMetric(m), /a ~ b: 0\.250/);
});
