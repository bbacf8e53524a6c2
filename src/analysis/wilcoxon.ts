import { normalTwoSided } from './distributions.js';

export interface WilcoxonResult {
  /** Number of non-zero differences (the n the test uses). */
  n: number;
  /** Sum of the ranks of the positive differences (R's V). */
  v: number;
  /** Two-sided p-value; null when no non-zero difference is left. */
  p: number | null;
  /** True when the exact null distribution was used, false for the normal approximation. */
  exact: boolean;
}

export interface WilcoxonOptions {
  /** Continuity correction of the normal approximation (R default TRUE). */
  correct?: boolean;
}

/**
 * Wilcoxon signed-rank test of differences d (x - y for paired data), two-sided, exactly as R
 * `wilcox.test(d)` / `wilcox.test(x, y, paired = TRUE)` with default arguments.
 */
export function wilcoxonSignedRank(d: readonly number[], options: WilcoxonOptions = {}): WilcoxonResult {
  const correct = options.correct ?? true;
  const finite = d.filter((v) => Number.isFinite(v));
  // R wilcox.test: zero differences are dropped, and their presence rules out the exact test.
  const nonZero = finite.filter((v) => v !== 0);
  const zeroes = nonZero.length < finite.length;
  const n = nonZero.length;
  const { ranks, tieSizes } = averageRanks(nonZero.map(Math.abs));
  let v = 0;
  for (let i = 0; i < n; i++) if (nonZero[i]! > 0) v += ranks[i]!;
  const ties = tieSizes.length < n;
  // R wilcox.test: exact when n < 50 and there are no ties and no zeros.
  if (n > 0 && n < 50 && !ties && !zeroes) return { n, v, p: exactSignedRankP(v, n), exact: true };
  const z0 = v - (n * (n + 1)) / 4;
  // Tie-corrected variance: n(n+1)(2n+1)/24 - sum(t^3 - t)/48.
  let tieTerm = 0;
  for (const t of tieSizes) tieTerm += t ** 3 - t;
  const sigma = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48);
  const correction = correct ? Math.sign(z0) * 0.5 : 0;
  const z = (z0 - correction) / sigma;
  return { n, v, p: Number.isFinite(z) ? normalTwoSided(z) : null, exact: false };
}

/** Two-sided exact p, R: p = psignrank(V - 1, n, upper) if V > n(n+1)/4 else psignrank(V, n); min(2p, 1). */
function exactSignedRankP(v: number, n: number): number {
  const counts = signedRankCounts(n);
  const total = 2 ** n;
  const max = (n * (n + 1)) / 2;
  // P(V <= q) summed from the nearer tail as R's psignrank does (counts are exact integers).
  const lowerTail = (q: number): number => {
    let s = 0;
    for (let k = 0; k <= q; k++) s += counts[k]!;
    return s / total;
  };
  const p = v > (n * (n + 1)) / 4 ? lowerTail(max - v) : lowerTail(v);
  return Math.min(2 * p, 1);
}

/** Number of subsets of {1..n} with each rank sum k (0..n(n+1)/2): the signed-rank null distribution. */
function signedRankCounts(n: number): Float64Array {
  const max = (n * (n + 1)) / 2;
  const c = new Float64Array(max + 1);
  c[0] = 1;
  let top = 0;
  for (let r = 1; r <= n; r++) {
    top += r;
    for (let k = top; k >= r; k--) c[k] = c[k]! + c[k - r]!;
  }
  return c;
}

/** Ranks with ties given their average rank, R `rank(x, ties.method = "average")`. */
function averageRanks(x: ArrayLike<number>): { ranks: Float64Array; tieSizes: number[] } {
  const n = x.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a]! - x[b]!);
  const ranks = new Float64Array(n);
  const tieSizes: number[] = [];
  let i = 0;
  while (i < n) {
    let j = i;
    // Exact equality, as R's rank(): values that differ in the last bit are not tied.
    while (j + 1 < n && x[order[j + 1]!]! === x[order[i]!]!) j++;
    const avg = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[order[k]!] = avg;
    tieSizes.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, tieSizes };
}
