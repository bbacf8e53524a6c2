/** Ranks with ties given their average rank, R `rank(x, ties.method = "average")`. */
export function averageRanks(x: ArrayLike<number>): { ranks: Float64Array; tieSizes: number[] } {
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
