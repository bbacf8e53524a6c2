export interface TurnbullResult {
  /** Every time R's survfit(Surv(L, R, type = "interval2") ~ 1) reports, with the survival there. */
  steps: { time: number; surv: number }[];
  /** First time the curve is below 0.5 (the midpoint to the next drop when it sits at 0.5); null if never. */
  median: number | null;
  iterations: number;
}

/**
 * Turnbull's nonparametric estimate for interval-censored data, as R `survfit(Surv(left, right,
 * type = "interval2") ~ 1)` (survival:::survfitTurnbull): left = right is an exact time, right = ∞ a
 * right-censored one, otherwise the event lies in (left, right]. The mass sits on R's jump points
 * (exact times, and the midpoint of each innermost interval: a left end followed by a right end);
 * each interval-censored subject's weight is shared among the jump points in its interval in
 * proportion to the current jumps, and the curve is the weighted Kaplan–Meier of exact times,
 * censored times and these pseudo-events (self-consistency EM). Iterated until no jump moves by
 * more than `tolerance` (R stops at 5e-5).
 */
export function turnbull(
  left: readonly number[],
  right: readonly number[],
  tolerance = 1e-10,
  maxIter = 100_000,
): TurnbullResult {
  if (left.length !== right.length) throw new RangeError('left and right differ in length');
  const exact: number[] = [];
  const censored: number[] = [];
  const intervals: [number, number][] = [];
  for (let i = 0; i < left.length; i++) {
    const l = left[i]!;
    const r = right[i]!;
    if (l === r) exact.push(l);
    else if (r === Number.POSITIVE_INFINITY) censored.push(l);
    else if (r > l) intervals.push([l, r]);
    else throw new RangeError(`interval (${l}, ${r}] is empty`);
  }
  // R: time2 with codes 0 exact, 1 right end, 2 left end or censored; sorted by (time, code).
  const points: [number, number][] = [
    ...exact.map((t) => [t, 0] as [number, number]),
    ...censored.map((t) => [t, 2] as [number, number]),
    ...intervals.map(([l]) => [l, 2] as [number, number]),
    ...intervals.map(([, r]) => [r, 1] as [number, number]),
  ].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const jumpSet = new Set<number>(exact);
  for (let i = 0; i + 1 < points.length; i++) {
    if (points[i]![1] !== 1 && points[i + 1]![1] === 1)
      jumpSet.add(0.5 * (points[i]![0] + points[i + 1]![0]));
  }
  const jtimes = [...jumpSet].sort((a, b) => a - b);
  const nj = jtimes.length;
  // Identical intervals share their weight; each covers the contiguous jump points in (left, right].
  const grouped = new Map<string, { lo: number; hi: number; count: number }>();
  for (const [l, r] of intervals) {
    const key = `${l},${r}`;
    const g = grouped.get(key);
    if (g) g.count++;
    else grouped.set(key, { lo: firstAbove(jtimes, l), hi: firstAbove(jtimes, r), count: 1 });
  }
  const groups = [...grouped.values()];
  // All distinct times of the weighted Kaplan–Meier: exact, censored and jump points.
  const times = [...new Set([...exact, ...censored, ...jtimes])].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const realEvents = new Float64Array(times.length);
  const realOut = new Float64Array(times.length);
  for (const t of exact) {
    realEvents[index.get(t)!]! += 1;
    realOut[index.get(t)!]! += 1;
  }
  for (const t of censored) realOut[index.get(t)!]! += 1;
  const jumpIndex = jtimes.map((t) => index.get(t)!);
  const events = new Float64Array(times.length);
  const out = new Float64Array(times.length);
  const surv = new Float64Array(times.length);
  const km = (pseudo: Float64Array) => {
    events.set(realEvents);
    out.set(realOut);
    for (let j = 0; j < nj; j++) {
      events[jumpIndex[j]!]! += pseudo[j]!;
      out[jumpIndex[j]!]! += pseudo[j]!;
    }
    let atRisk = 0;
    for (let i = 0; i < times.length; i++) atRisk += out[i]!;
    let s = 1;
    for (let i = 0; i < times.length; i++) {
      if (events[i]! > 0) s *= (atRisk - events[i]!) / atRisk;
      surv[i] = s;
      atRisk -= out[i]!;
    }
  };
  // Start as R: jumps proportional to how many intervals contain each point.
  let jumps = new Float64Array(nj);
  {
    const counts = new Float64Array(nj);
    for (const g of groups) for (let j = g.lo; j < g.hi; j++) counts[j]! += g.count;
    const total = counts.reduce((a, b) => a + b, 0);
    let cum = 0;
    let previous = 1;
    for (let j = 0; j < nj; j++) {
      cum += counts[j]!;
      const s = total > 0 ? 1 - cum / total : 1;
      jumps[j] = previous - s;
      previous = s;
    }
  }
  const prefix = new Float64Array(nj + 1);
  const pseudo = new Float64Array(nj);
  let iterations = 0;
  for (; iterations < maxIter; iterations++) {
    pseudo.fill(0);
    for (let j = 0; j < nj; j++) prefix[j + 1] = prefix[j]! + jumps[j]!;
    for (const g of groups) {
      const total = prefix[g.hi]! - prefix[g.lo]!;
      if (total <= 0) continue;
      const w = g.count / total;
      for (let j = g.lo; j < g.hi; j++) pseudo[j]! += jumps[j]! * w;
    }
    km(pseudo);
    const next = new Float64Array(nj);
    let previous = 1;
    for (let j = 0; j < nj; j++) {
      const s = surv[jumpIndex[j]!]!;
      next[j] = previous - s;
      previous = s;
    }
    let moved = 0;
    for (let j = 0; j < nj; j++) moved = Math.max(moved, Math.abs(next[j]! - jumps[j]!));
    jumps = next;
    if (moved <= tolerance) break;
  }
  const steps = times.map((time, i) => ({ time, surv: surv[i]! }));
  return { steps, median: medianOf(steps), iterations };
}

/** Index of the first sorted value above x. */
function firstAbove(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function medianOf(steps: readonly { time: number; surv: number }[]): number | null {
  const tol = Math.sqrt(Number.EPSILON);
  const i = steps.findIndex((s) => s.surv < 0.5 + tol);
  if (i < 0) return null;
  if (Math.abs(steps[i]!.surv - 0.5) < tol) {
    const next = steps.findIndex((s, j) => j > i && s.surv < steps[i]!.surv - tol);
    if (next >= 0) return (steps[i]!.time + steps[next]!.time) / 2;
  }
  return steps[i]!.time;
}
