import { mean, sd } from './descriptives.js';
import { qt, tTwoSided } from './distributions.js';

/** One-sample (or paired, on differences) t-test result; null where R would stop with an error. */
export interface TTestResult {
  n: number;
  mean: number | null;
  sd: number | null;
  t: number | null;
  df: number | null;
  p: number | null;
  ci_low: number | null;
  ci_high: number | null;
}

/**
 * One-sample t-test of mean(d) = mu, two-sided, as R `t.test(d, mu = mu)`.
 * Non-finite values are dropped (R `na.omit`). R stops for n < 2 and for "data are essentially
 * constant"; here those cases return null statistics instead of throwing.
 */
export function oneSampleTTest(d: readonly number[], mu = 0, level = 0.95): TTestResult {
  const x = Float64Array.from(d.filter((v) => Number.isFinite(v)));
  const n = x.length;
  const m = n > 0 ? mean(x) : null;
  const s = n > 1 ? sd(x) : null;
  const empty = { t: null, df: null, p: null, ci_low: null, ci_high: null };
  if (m === null || s === null) return { n, mean: m, sd: s, ...empty };
  const stderr = s / Math.sqrt(n);
  // R t.test: stop("data are essentially constant") when stderr < 10 * eps * |mean|.
  if (stderr < 10 * Number.EPSILON * Math.abs(m) || stderr === 0) return { n, mean: m, sd: s, ...empty };
  const df = n - 1;
  const t = (m - mu) / stderr;
  const q = qt(1 - (1 - level) / 2, df);
  // R: cint <- (tstat + c(-q, q)) * stderr + mu.
  return {
    n,
    mean: m,
    sd: s,
    t,
    df,
    p: tTwoSided(t, df),
    ci_low: (t - q) * stderr + mu,
    ci_high: (t + q) * stderr + mu,
  };
}

/**
 * Paired t-test of x against y, as R `t.test(x, y, paired = TRUE)`: a one-sample test on x - y over
 * the pairs where both values are present; mean, sd and CI are of the differences x - y.
 */
export function pairedTTest(x: readonly number[], y: readonly number[], level = 0.95): TTestResult {
  return oneSampleTTest(pairedDifferences(x, y), 0, level);
}

/** x - y over complete pairs (R `complete.cases`); throws when the arrays differ in length. */
export function pairedDifferences(x: readonly number[], y: readonly number[]): number[] {
  if (x.length !== y.length)
    throw new RangeError(`paired samples differ in length: ${x.length} vs ${y.length}`);
  const d: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    const yi = y[i]!;
    if (Number.isFinite(xi) && Number.isFinite(yi)) d.push(xi - yi);
  }
  return d;
}
