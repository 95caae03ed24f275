// Statistics against values computed by hand (working shown beside each assertion).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootstrapMedianRatio, distinguishable, mad, mean, median, modifiedZScores, mulberry32, outlierIndices, quantile, ratioWithError, stddev, summarize } from './stats.js';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} ≉ ${b}`);
const xs = [1, 2, 3, 4, 100];

describe('bench stats', () => {
  it('mean, sample stddev, median', () => {
    close(mean(xs), 22); // 110 / 5
    // deviations −21 −20 −19 −18 78 → squares 441 400 361 324 6084 = 7610; /(5−1) = 1902.5; √ = 43.6176…
    close(stddev(xs), Math.sqrt(1902.5));
    close(stddev(xs), 43.617656975128774, 1e-12);
    close(median(xs), 3);
    close(median([4, 1, 3, 2]), 2.5); // (2 + 3) / 2
    assert.equal(stddev([5]), 0);
  });

  it('quantiles interpolate linearly at q·(n−1)', () => {
    close(quantile(xs, 0.9), 61.6); // pos 3.6: 4 + (100 − 4)·0.6
    close(quantile(xs, 0.95), 80.8); // pos 3.8: 4 + 96·0.8
    close(quantile(xs, 0), 1);
    close(quantile(xs, 1), 100);
    close(quantile([10, 20], 0.25), 12.5); // pos 0.25: 10 + 10·0.25
  });

  it('MAD and modified z-scores flag the outlier as hyperfine does', () => {
    close(mad(xs), 1); // |x − 3| = 2 1 0 1 97 → median 1
    const z = modifiedZScores(xs);
    close(z[4]!, 97 / 1.4826); // 65.43 > 10
    close(z[0]!, -2 / 1.4826);
    assert.deepEqual(outlierIndices(xs), [4]);
    // hyperfine's own cases (src/outlier_detection.rs tests):
    assert.deepEqual(outlierIndices([1000, 0]), []); // median 500, MAD 500, |z| = 1/1.4826
    assert.deepEqual(outlierIndices([-0.2, 0, 0.2]), []);
    assert.deepEqual(outlierIndices([-0.2, 0, 0.2, 4]), [3]); // median 0.1, MAD 0.2: 3.9/0.2 = 19.5 > 14.826
    assert.deepEqual(outlierIndices([0.5, 0.3, 0.29, 0.31, 0.3]), [0]); // median 0.3, MAD 0.01: 0.2/0.01 = 20
    assert.deepEqual(outlierIndices([10, 10, 10, 10, 10, 10, 10, 100]), [7]); // MAD 0 → ε
    assert.deepEqual(outlierIndices([1, 1, 1, 1]), []); // MAD 0 and no deviation
    const s = summarize(xs);
    assert.deepEqual([s.n, s.min, s.max, s.outliers], [5, 1, 100, [4]]);
  });

  it('ratio of means with propagated uncertainty', () => {
    const r = ratioWithError({ mean: 10, stddev: 1 }, { mean: 5, stddev: 0.5 });
    close(r.ratio, 2);
    close(r.stddev, 2 * Math.sqrt(0.01 + 0.01)); // 0.2828…
  });

  it('bootstrap interval of the median ratio', () => {
    const c = bootstrapMedianRatio([2, 2, 2], [1, 1, 1], { iterations: 200 });
    assert.deepEqual([c.ratio, c.lo, c.hi], [2, 2, 2]); // every resample has median 2 / 1
    assert.ok(distinguishable(c));
    const same = bootstrapMedianRatio([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]);
    assert.equal(same.ratio, 1);
    assert.ok(same.lo < 1 && same.hi > 1);
    assert.ok(!distinguishable(same));
    // Well separated samples: 600 ms vs 200 ms with a little noise → ratio ≈ 3, interval tight around it.
    const a = [0.6, 0.61, 0.59, 0.605, 0.598];
    const b = [0.2, 0.21, 0.19, 0.205, 0.198];
    const r = bootstrapMedianRatio(a, b);
    close(r.ratio, 0.6 / 0.2);
    assert.ok(r.lo > 2.7 && r.hi < 3.3 && r.lo <= r.ratio && r.ratio <= r.hi, `${r.lo} … ${r.hi}`);
    // Deterministic for a given seed.
    assert.deepEqual(bootstrapMedianRatio(a, b, { seed: 7 }), bootstrapMedianRatio(a, b, { seed: 7 }));
  });

  it('mulberry32 is uniform enough on [0, 1)', () => {
    const rand = mulberry32(1);
    const n = 20000;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const v = rand();
      assert.ok(v >= 0 && v < 1);
      s += v;
    }
    close(s / n, 0.5, 0.01);
  });
});
