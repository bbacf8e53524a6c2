import { Matrix, solve } from 'ml-matrix';
import { chisqUpper } from './distributions.js';

export interface LogRankResult {
  /** Group labels in sorted order (as R factor levels); groups with no subjects are absent. */
  groups: string[];
  n: number[];
  observed: number[];
  expected: number[];
  chisq: number;
  df: number;
  /** null with fewer than two groups that have expected events (R survdiff cannot test). */
  p: number | null;
}

/**
 * Log-rank test (G-rho with rho = 0) comparing survival across groups, as R
 * `survdiff(Surv(time, event) ~ group)`: hypergeometric observed − expected per group at each
 * event time, chi-square = (O − E)' V⁻¹ (O − E) over the groups with E > 0 less the first,
 * df = (groups with E > 0) − 1.
 */
export function logRank(
  time: readonly number[],
  event: readonly (0 | 1)[],
  group: readonly string[],
): LogRankResult {
  if (time.length !== event.length || time.length !== group.length) {
    throw new RangeError('time, event and group differ in length');
  }
  const rows = Array.from({ length: time.length }, (_, i) => i).filter((i) => Number.isFinite(time[i]!));
  const groups = [...new Set(rows.map((i) => group[i]!))].sort();
  const k = groups.length;
  const gIndex = new Map(groups.map((g, j) => [g, j]));
  const gOf = rows.map((i) => gIndex.get(group[i]!)!);
  const order = rows.map((_, r) => r).sort((a, b) => time[rows[a]!]! - time[rows[b]!]!);

  const n = new Array<number>(k).fill(0);
  for (const g of gOf) n[g]! += 1;
  const atRisk = [...n];
  const observed = new Array<number>(k).fill(0);
  const expected = new Array<number>(k).fill(0);
  const variance = Matrix.zeros(k, k);
  let r = 0;
  while (r < order.length) {
    const t = time[rows[order[r]!]!]!;
    const deaths = new Array<number>(k).fill(0);
    const leaving = new Array<number>(k).fill(0);
    while (r < order.length && time[rows[order[r]!]!]! === t) {
      const row = order[r]!;
      const g = gOf[row]!;
      leaving[g]! += 1;
      if (event[rows[row]!] === 1) deaths[g]! += 1;
      r++;
    }
    const d = deaths.reduce((s, v) => s + v, 0);
    const total = atRisk.reduce((s, v) => s + v, 0);
    if (d > 0) {
      // Hypergeometric variance, with the (n - d) / (n - 1) tie factor (zero when one is at risk).
      const factor = total > 1 ? (d * (total - d)) / (total - 1) : 0;
      for (let g = 0; g < k; g++) {
        const share = atRisk[g]! / total;
        observed[g]! += deaths[g]!;
        expected[g]! += d * share;
        for (let h = 0; h < k; h++) {
          const cov = factor * share * ((g === h ? 1 : 0) - atRisk[h]! / total);
          variance.set(g, h, variance.get(g, h) + cov);
        }
      }
    }
    for (let g = 0; g < k; g++) atRisk[g]! -= leaving[g]!;
  }

  // R survdiff: only groups with expected > 0 take part; the first of them is dropped.
  const used = expected.map((e, g) => (e > 0 ? g : -1)).filter((g) => g >= 0);
  const df = used.length - 1;
  if (used.length < 2) return { groups, n, observed, expected, chisq: 0, df: Math.max(df, 0), p: null };
  const rest = used.slice(1);
  const diff = Matrix.columnVector(rest.map((g) => observed[g]! - expected[g]!));
  const v = new Matrix(rest.map((g) => rest.map((h) => variance.get(g, h))));
  const chisq = solve(v, diff).transpose().mmul(diff).get(0, 0);
  return { groups, n, observed, expected, chisq, df, p: chisqUpper(chisq, df) };
}
