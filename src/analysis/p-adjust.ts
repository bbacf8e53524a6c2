/**
 * Holm step-down adjustment, as R `p.adjust(p, method = "holm")`. null / NaN entries pass through
 * and do not count towards the number of tests (R drops NAs before adjusting).
 */
export function holm(p: readonly (number | null)[]): (number | null)[] {
  const idx: number[] = [];
  p.forEach((v, i) => {
    if (v !== null && !Number.isNaN(v)) idx.push(i);
  });
  // Stable order by p, as R's order(); cummax makes ties harmless anyway.
  idx.sort((a, b) => (p[a] as number) - (p[b] as number));
  const m = idx.length;
  const out: (number | null)[] = p.map((v) => (v === null || Number.isNaN(v) ? v : null));
  let running = 0;
  idx.forEach((orig, rank) => {
    running = Math.max(running, (m - rank) * (p[orig] as number));
    out[orig] = Math.min(1, running);
  });
  return out;
}
