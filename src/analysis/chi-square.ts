import { chisqUpper } from './distributions.js';

export interface ChiSquareResult {
  /** Pearson statistic; null when an expected count is 0 (R gives NaN). */
  statistic: number | null;
  df: number;
  p: number | null;
  expected: number[][];
}

/**
 * Pearson chi-square test of independence on an r×c table of counts, as R `chisq.test(table)`:
 * expected = row total × column total / n; for a 2×2 table Yates' correction (default on)
 * subtracts min(0.5, |observed - expected|) from every |observed - expected|, as R does.
 */
export function chiSquareTest(
  table: readonly (readonly number[])[],
  options: { correct?: boolean } = {},
): ChiSquareResult {
  const nr = table.length;
  const nc = table[0]?.length ?? 0;
  if (nr < 2 || nc < 2 || table.some((row) => row.length !== nc)) {
    throw new RangeError('chiSquareTest needs a rectangular table with at least 2 rows and 2 columns');
  }
  if (table.some((row) => row.some((v) => !(v >= 0)))) throw new RangeError('counts must be non-negative');
  const rowSums = table.map((row) => row.reduce((s, v) => s + v, 0));
  const colSums = Array.from({ length: nc }, (_, j) => table.reduce((s, row) => s + row[j]!, 0));
  const total = rowSums.reduce((s, v) => s + v, 0);
  const expected = rowSums.map((r) => colSums.map((c) => (r * c) / total));
  const df = (nr - 1) * (nc - 1);
  let yates = 0;
  if ((options.correct ?? true) && nr === 2 && nc === 2) {
    yates = 0.5;
    for (let i = 0; i < nr; i++) {
      for (let j = 0; j < nc; j++) yates = Math.min(yates, Math.abs(table[i]![j]! - expected[i]![j]!));
    }
  }
  let statistic = 0;
  for (let i = 0; i < nr; i++) {
    for (let j = 0; j < nc; j++) {
      const e = expected[i]![j]!;
      statistic += (Math.abs(table[i]![j]! - e) - yates) ** 2 / e;
    }
  }
  if (!Number.isFinite(statistic)) return { statistic: null, df, p: null, expected };
  return { statistic, df, p: chisqUpper(statistic, df), expected };
}
