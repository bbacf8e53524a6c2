import { lchoose } from './distributions.js';

/** Most tables `fisherExactRx2` enumerates before it gives up (R's FEXACT runs out of workspace too). */
export const FISHER_MAX_TABLES = 1e8;

/**
 * Fisher's exact test on an r × 2 table of counts [[met, not met], ...], two-sided, as R
 * `fisher.test`: the p-value sums the probabilities (multivariate hypergeometric, margins fixed) of
 * every table no more probable than the observed one × (1 + 1e-7). Tables are enumerated row by row,
 * smallest rows first (the p-value does not depend on row order); the last row is fixed by the column
 * total. Null when more than `FISHER_MAX_TABLES` tables would be enumerated.
 */
export function fisherExactRx2(
  table: readonly (readonly [number, number] | readonly number[])[],
): number | null {
  const rows = table.map((r) => [r[0]!, r[1]!] as const).sort((a, b) => a[0] + a[1] - (b[0] + b[1]));
  for (const [a, b] of rows) {
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0) {
      throw new RangeError('fisherExactRx2 needs non-negative integer counts');
    }
  }
  const sizes = rows.map(([a, b]) => a + b);
  const met = rows.reduce((s, r) => s + r[0], 0);
  const total = sizes.reduce((s, n) => s + n, 0);
  const lnorm = lchoose(total, met);
  // Per row, log C(n_i, x) for every x.
  const logs = sizes.map((n) => Array.from({ length: n + 1 }, (_, x) => lchoose(n, x)));
  const observed = rows.reduce((s, [a], i) => s + logs[i]![a]!, 0);
  const threshold = observed + Math.log1p(1e-7);
  // Largest number met in rows i.. (for pruning impossible partial tables).
  const capacity = sizes.map((_, i) => sizes.slice(i).reduce((s, n) => s + n, 0));
  const bound = Math.min(met, total - met);
  let count = 1;
  for (let i = 0; i < rows.length - 1; i++) count *= Math.min(sizes[i]!, bound) + 1;
  if (count > FISHER_MAX_TABLES) return null;
  let p = 0;
  const walk = (i: number, left: number, logSum: number): void => {
    if (i === rows.length - 1) {
      if (left > sizes[i]!) return;
      const l = logSum + logs[i]![left]!;
      if (l <= threshold) p += Math.exp(l - lnorm);
      return;
    }
    const restCapacity = capacity[i + 1]!;
    const lo = Math.max(0, left - restCapacity);
    const hi = Math.min(sizes[i]!, left);
    for (let x = lo; x <= hi; x++) walk(i + 1, left - x, logSum + logs[i]![x]!);
  };
  walk(0, met, 0);
  return Math.min(1, p);
}
