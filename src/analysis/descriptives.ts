import { qt } from './distributions.js';

/** Summary of one numeric sample; statistics that are undefined for the sample size are null. */
export interface Description {
  n: number;
  mean: number | null;
  sd: number | null;
  ci_low: number | null;
  ci_high: number | null;
  median: number | null;
  q1: number | null;
  q3: number | null;
  min: number | null;
  max: number | null;
}

/** Sample quantile `p` (0..1) of `x`, R `quantile(x, p, type = 7)`; null when `x` is empty. */
export function quantile(x: readonly number[], p: number): number | null {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile probability must be in [0, 1], got ${p}`);
  const sorted = Float64Array.from(x).sort();
  return quantileSorted(sorted, p);
}

/** Type 7 on an ascending array: h = (n - 1) p, linear interpolation between order statistics. */
function quantileSorted(sorted: Float64Array, p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const xLo = sorted[lo]!;
  const xHi = sorted[hi]!;
  // R quantile.default (type 7): (1 - h) x[lo] + h x[hi], only when the two differ.
  const frac = h - lo;
  return frac > 0 && xHi !== xLo ? (1 - frac) * xLo + frac * xHi : xLo;
}

/** Mean of a numeric array; NaN when empty. */
export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  const m = s / x.length;
  // Second pass as R's mean(): adds the mean residual back for accuracy.
  let r = 0;
  for (let i = 0; i < x.length; i++) r += x[i]! - m;
  return m + r / x.length;
}

/** Sample standard deviation (n - 1 denominator), R `sd`; NaN when n < 2. */
export function sd(x: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) return Number.NaN;
  const m = mean(x);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (x[i]! - m) ** 2;
  return Math.sqrt(ss / (n - 1));
}

/**
 * n, mean, SD, t-based 95% CI of the mean (R `t.test(x)$conf.int`), median and quartiles
 * (R type 7), min and max. Non-finite values are dropped first, as R `na.rm = TRUE`.
 */
export function describe(x: readonly number[], level = 0.95): Description {
  const values = Float64Array.from(x.filter((v) => Number.isFinite(v))).sort();
  const n = values.length;
  if (n === 0) {
    return {
      n,
      mean: null,
      sd: null,
      ci_low: null,
      ci_high: null,
      median: null,
      q1: null,
      q3: null,
      min: null,
      max: null,
    };
  }
  const m = mean(values);
  const s = n > 1 ? sd(values) : null;
  const half = s === null ? null : qt(1 - (1 - level) / 2, n - 1) * (s / Math.sqrt(n));
  return {
    n,
    mean: m,
    sd: s,
    ci_low: half === null ? null : m - half,
    ci_high: half === null ? null : m + half,
    median: quantileSorted(values, 0.5),
    q1: quantileSorted(values, 0.25),
    q3: quantileSorted(values, 0.75),
    min: values[0]!,
    max: values[n - 1]!,
  };
}
