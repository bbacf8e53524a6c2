import { lchoose } from './distributions.js';
import { uniroot } from './zeroin.js';

export interface FisherResult {
  p: number;
  /** Conditional maximum-likelihood odds ratio (R's estimate); 0 or Infinity at the support ends. */
  odds_ratio: number;
  ci_low: number;
  ci_high: number;
}

/**
 * Fisher's exact test on the 2×2 table [[a, b], [c, d]], two-sided, as R `fisher.test`: the p-value
 * sums the hypergeometric probabilities no larger than the observed one × (1 + 1e-7); the odds ratio
 * is the conditional MLE and the CI inverts the noncentral hypergeometric tails, both found with
 * R's `uniroot` at its default tolerance, so they equal R's printed values (R's own root-finding
 * error, about 1e-4 in the odds ratio, is reproduced rather than corrected).
 */
export function fisherExact2x2(a: number, b: number, c: number, d: number, level = 0.95): FisherResult {
  for (const v of [a, b, c, d]) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`fisherExact2x2 needs non-negative integers`);
  }
  // R: m = column 1 total, n = column 2 total, k = row 1 total, x = top-left cell.
  const m = a + c;
  const n = b + d;
  const k = a + b;
  const x = a;
  const lo = Math.max(0, k - n);
  const hi = Math.min(k, m);
  const support: number[] = [];
  const logdc: number[] = [];
  for (let s = lo; s <= hi; s++) {
    support.push(s);
    logdc.push(lchoose(m, s) + lchoose(n, k - s) - lchoose(m + n, k));
  }

  const dnhyper = (ncp: number): number[] => {
    const lp = Math.log(ncp);
    const e = logdc.map((l, i) => l + lp * support[i]!);
    const top = Math.max(...e);
    const w = e.map((v) => Math.exp(v - top));
    const total = w.reduce((s, v) => s + v, 0);
    return w.map((v) => v / total);
  };
  const mnhyper = (ncp: number): number => {
    if (ncp === 0) return lo;
    if (ncp === Number.POSITIVE_INFINITY) return hi;
    return dnhyper(ncp).reduce((s, p, i) => s + support[i]! * p, 0);
  };
  const pnhyper = (q: number, ncp: number, upper: boolean): number => {
    if (ncp === 0) return upper ? Number(q <= lo) : Number(q >= lo);
    if (ncp === Number.POSITIVE_INFINITY) return upper ? Number(q <= hi) : Number(q >= hi);
    const dn = dnhyper(ncp);
    let s = 0;
    for (let i = 0; i < dn.length; i++) if (upper ? support[i]! >= q : support[i]! <= q) s += dn[i]!;
    return s;
  };

  // Two-sided p: R's relErr 1 + 1e-7 makes near-equal probabilities count as "as extreme".
  const d1 = dnhyper(1);
  const observed = d1[x - lo]! * (1 + 1e-7);
  const p = Math.min(
    1,
    d1.reduce((s, v) => (v <= observed ? s + v : s), 0),
  );

  const EPS = Number.EPSILON;
  const mle = (): number => {
    if (x === lo) return 0;
    if (x === hi) return Number.POSITIVE_INFINITY;
    const mu = mnhyper(1);
    if (mu > x) return uniroot((t) => mnhyper(t) - x, 0, 1);
    if (mu < x) return 1 / uniroot((t) => mnhyper(1 / t) - x, EPS, 1);
    return 1;
  };
  const alpha = (1 - level) / 2;
  const ncpUpper = (): number => {
    if (x === hi) return Number.POSITIVE_INFINITY;
    const pl = pnhyper(x, 1, false);
    if (pl < alpha) return uniroot((t) => pnhyper(x, t, false) - alpha, 0, 1);
    if (pl > alpha) return 1 / uniroot((t) => pnhyper(x, 1 / t, false) - alpha, EPS, 1);
    return 1;
  };
  const ncpLower = (): number => {
    if (x === lo) return 0;
    const pu = pnhyper(x, 1, true);
    if (pu > alpha) return uniroot((t) => pnhyper(x, t, true) - alpha, 0, 1);
    if (pu < alpha) return 1 / uniroot((t) => pnhyper(x, 1 / t, true) - alpha, EPS, 1);
    return 1;
  };
  return { p, odds_ratio: mle(), ci_low: ncpLower(), ci_high: ncpUpper() };
}
