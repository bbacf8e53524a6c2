import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import { chisqUpper } from './distributions.js';

export interface ProportionCi {
  x: number;
  n: number;
  estimate: number | null;
  ci_low: number | null;
  ci_high: number | null;
}

/**
 * Exact (Clopper–Pearson) confidence interval for x successes in n trials, as R
 * `binom.test(x, n, conf.level = level)$conf.int`: beta quantiles, lower 0 when x = 0 and upper 1
 * when x = n. n = 0 gives nulls (R stops there).
 */
export function clopperPearson(x: number, n: number, level = 0.95): ProportionCi {
  if (!Number.isInteger(x) || !Number.isInteger(n) || x < 0 || n < 0 || x > n) {
    throw new RangeError(`clopperPearson needs integers 0 <= x <= n, got x=${x}, n=${n}`);
  }
  if (n === 0) return { x, n, estimate: null, ci_low: null, ci_high: null };
  const alpha = (1 - level) / 2;
  return {
    x,
    n,
    estimate: x / n,
    ci_low: x === 0 ? 0 : betaQuantile(alpha, x, n - x + 1),
    ci_high: x === n ? 1 : betaQuantile(1 - alpha, x + 1, n - x),
  };
}

export interface McNemarResult {
  /** Chi-square statistic; null when b + c = 0 (R returns NaN there). */
  statistic: number | null;
  df: 1;
  p: number | null;
}

/**
 * McNemar test on the discordant cells b = [1,2] and c = [2,1] of a paired 2×2 table, as R
 * `mcnemar.test(matrix(c(a, c, b, d), 2))`. The continuity correction is applied only when the
 * table is asymmetric (b != c), as R does. b + c = 0 makes R's statistic NaN (0/0): null here.
 */
export function mcnemar(b: number, c: number, options: { correct?: boolean } = {}): McNemarResult {
  if (!(b >= 0 && c >= 0)) throw new RangeError(`mcnemar needs non-negative counts, got b=${b}, c=${c}`);
  if (b + c === 0) return { statistic: null, df: 1, p: null };
  const yates = (options.correct ?? true) && b !== c ? 1 : 0;
  const statistic = (Math.abs(b - c) - yates) ** 2 / (b + c);
  return { statistic, df: 1, p: chisqUpper(statistic, 1) };
}
