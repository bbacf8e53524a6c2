import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';

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
