/**
 * Statistics for benchmark samples: pure functions, no I/O (after hyperfine's
 * `util/` and `outlier_detection.rs`). Every function here is checked against hand-computed
 * values in stats.test.ts.
 */

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1), 0 for fewer than two samples (hyperfine prints none). */
  stddev: number;
  median: number;
  min: number;
  max: number;
  p90: number;
  p95: number;
  /** Median absolute deviation (unscaled). */
  mad: number;
  /** Indices of samples whose modified z-score exceeds OUTLIER_THRESHOLD. */
  outliers: number[];
}

/**
 * hyperfine's rule (src/outlier_detection.rs): a sample is an outlier when |x − median| / MAD
 * exceeds 1.4826 × 10, i.e. lies more than 10 σ away with σ estimated as 1.4826·MAD (the
 * factor that makes the MAD consistent with σ for normal data; Iglewicz & Hoaglin 1993).
 * Here the z-score is expressed in those σ units, so the threshold reads 10.
 */
export const OUTLIER_THRESHOLD = 10;
export const MAD_SCALE = 1.4826;

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

export function stddev(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return Math.sqrt(s / (xs.length - 1));
}

function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/**
 * The q-quantile (0 ≤ q ≤ 1) by linear interpolation between closest ranks: position
 * q·(n − 1) in the sorted samples (Hyndman & Fan type 7, numpy's and R's default).
 */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = sorted(xs);
  const pos = Math.min(1, Math.max(0, q)) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Median absolute deviation from the median (not scaled). */
export function mad(xs: readonly number[]): number {
  const m = median(xs);
  return median(xs.map((x) => Math.abs(x - m)));
}

/**
 * Modified z-scores (x − median) / (1.4826·MAD). A MAD of 0 becomes machine epsilon, as in
 * hyperfine, so when most samples are identical any that differ stand out.
 */
export function modifiedZScores(xs: readonly number[]): number[] {
  const m = median(xs);
  const d = mad(xs) || Number.EPSILON;
  return xs.map((x) => (x - m) / (MAD_SCALE * d));
}

export function outlierIndices(xs: readonly number[], threshold = OUTLIER_THRESHOLD): number[] {
  const out: number[] = [];
  modifiedZScores(xs).forEach((z, i) => {
    if (Math.abs(z) > threshold) out.push(i);
  });
  return out;
}

export function summarize(xs: readonly number[]): Summary {
  return {
    n: xs.length,
    mean: mean(xs),
    stddev: stddev(xs),
    median: median(xs),
    min: xs.length ? Math.min(...xs) : NaN,
    max: xs.length ? Math.max(...xs) : NaN,
    p90: quantile(xs, 0.9),
    p95: quantile(xs, 0.95),
    mad: mad(xs),
    outliers: outlierIndices(xs),
  };
}

/**
 * The ratio of two means with its propagated uncertainty, as hyperfine's relative speed:
 * r = μa/μb, σr = r·√((σa/μa)² + (σb/μb)²) (first-order error propagation for a quotient of
 * independent quantities).
 */
export function ratioWithError(a: Pick<Summary, 'mean' | 'stddev'>, b: Pick<Summary, 'mean' | 'stddev'>): { ratio: number; stddev: number } {
  const ratio = a.mean / b.mean;
  const ra = a.stddev / a.mean;
  const rb = b.stddev / b.mean;
  return { ratio, stddev: ratio * Math.sqrt(ra * ra + rb * rb) };
}

/** mulberry32: a tiny seeded PRNG so bootstrap intervals are reproducible run to run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function resampleMedian(xs: readonly number[], rand: () => number, buf: number[]): number {
  const n = xs.length;
  for (let i = 0; i < n; i++) buf[i] = xs[Math.floor(rand() * n)]!;
  buf.sort((p, q) => p - q);
  return n % 2 ? buf[(n - 1) / 2]! : (buf[n / 2 - 1]! + buf[n / 2]!) / 2;
}

export interface RatioInterval {
  /** median(a) / median(b) on the samples themselves. */
  ratio: number;
  lo: number;
  hi: number;
  level: number;
}

/**
 * Percentile bootstrap confidence interval of median(a)/median(b): each side is resampled with
 * replacement independently (Efron & Tibshirani, ch. 13); deterministic for a given seed.
 */
export function bootstrapMedianRatio(
  a: readonly number[],
  b: readonly number[],
  opts: { iterations?: number; level?: number; seed?: number } = {},
): RatioInterval {
  const iterations = opts.iterations ?? 10_000;
  const level = opts.level ?? 0.95;
  const rand = mulberry32(opts.seed ?? 0x7a3);
  const ratio = median(a) / median(b);
  if (a.length === 0 || b.length === 0) return { ratio: NaN, lo: NaN, hi: NaN, level };
  const bufA: number[] = new Array(a.length);
  const bufB: number[] = new Array(b.length);
  const rs = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) rs[i] = resampleMedian(a, rand, bufA) / resampleMedian(b, rand, bufB);
  rs.sort();
  const alpha = (1 - level) / 2;
  const arr = Array.from(rs);
  return { ratio, lo: quantile(arr, alpha), hi: quantile(arr, 1 - alpha), level };
}

/** Two configurations are told apart only when the interval of their ratio excludes 1. */
export function distinguishable(ci: Pick<RatioInterval, 'lo' | 'hi'>): boolean {
  return !(ci.lo <= 1 && ci.hi >= 1);
}
