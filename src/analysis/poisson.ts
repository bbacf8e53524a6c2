import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import { chisqUpper } from './distributions.js';
import { uniroot } from './zeroin.js';

export interface PoissonRate {
  rate: number | null;
  ci_low: number | null;
  ci_high: number | null;
}

/**
 * Gamma(shape k, rate 1) quantile, R `qgamma(p, k)`: the root of P(k, x) = p, with P through the
 * chi-square distribution (P(k, x) = pchisq(2x, 2k)), the tail nearer p evaluated directly.
 */
export function qgamma(p: number, k: number): number {
  if (p <= 0) return 0;
  const f = (x: number) => (p < 0.5 ? chisquareCdf(2 * x, 2 * k) - p : 1 - p - chisqUpper(2 * x, 2 * k));
  let upper = Math.max(1, 2 * k);
  while (f(upper) < 0) upper *= 2;
  return uniroot(f, 0, upper, 1e-15 * upper, 10_000);
}

/**
 * Rate x / t with the exact Poisson 95% CI of R `poisson.test(x, t)`:
 * [qgamma(α/2, x), qgamma(1 − α/2, x + 1)] / t (lower limit 0 when x = 0). Null when t = 0.
 */
export function poissonRate(x: number, t: number, level = 0.95): PoissonRate {
  if (!Number.isInteger(x) || x < 0) throw new RangeError('poissonRate needs a non-negative integer count');
  if (!(t > 0)) return { rate: null, ci_low: null, ci_high: null };
  const alpha = 1 - level;
  const low = x === 0 ? 0 : qgamma(alpha / 2, x);
  const high = qgamma(1 - alpha / 2, x + 1);
  return { rate: x / t, ci_low: low / t, ci_high: high / t };
}
