import { chisqUpper } from './distributions.js';

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
