import gammaln from '@stdlib/math-base-special-gammaln';
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/** Two-sided p-value of a t statistic, as R `2 * pt(-abs(t), df)` (lower tail keeps tiny p exact). */
export function tTwoSided(t: number, df: number): number {
  return Math.min(1, 2 * tCdf(-Math.abs(t), df));
}

/** Two-sided p-value of a standard normal statistic, as R `2 * pnorm(-abs(z))`. */
export function normalTwoSided(z: number): number {
  return Math.min(1, 2 * normalCdf(-Math.abs(z), 0, 1));
}

/** Standard normal quantile, R `qnorm(p)`. */
export function qnorm(p: number): number {
  return normalQuantile(p, 0, 1);
}

/** Student t quantile, R `qt(p, df)`. */
export function qt(p: number, df: number): number {
  return tQuantile(p, df);
}

/**
 * Upper tail of the chi-square distribution, R `pchisq(x, df, lower.tail = FALSE)`.
 * `1 - cdf` underflows for small p, so the regularised upper incomplete gamma Q(df/2, x/2)
 * is evaluated directly (series below a + 1, Lentz continued fraction above).
 */
export function chisqUpper(x: number, df: number): number {
  if (Number.isNaN(x) || Number.isNaN(df)) return Number.NaN;
  if (x <= 0) return 1;
  if (df === 1) return 2 * normalCdf(-Math.sqrt(x), 0, 1);
  const a = df / 2;
  const z = x / 2;
  if (z < a + 1) return 1 - chisquareCdf(x, df);
  return gammaQContinuedFraction(a, z);
}

function gammaQContinuedFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x + a * Math.log(x) - gammaln(a)) * h;
}

/** Natural log of the binomial coefficient C(n, k). */
export function lchoose(n: number, k: number): number {
  return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1);
}
