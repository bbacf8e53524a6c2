import { describe, expect, test } from 'vitest';
import { turnbull } from './turnbull.js';

const INF = Number.POSITIVE_INFINITY;
// Overlapping intervals, exact times (left = right) and right-censored subjects (right = ∞).
const LEFT = [0, 14, 14, 28, 84, 0, 28, 168, 14, 0, 28, 5, 14, 0, 84, 28, 0, 14];
const RIGHT = [14, 84, INF, 84, 168, 28, INF, 364, 28, 84, 168, 5, 84, 14, INF, 364, 168, 28];
// R 4.2.2, survival 3.5.3: f <- survfit(Surv(L, R, type = "interval2") ~ 1); cbind(f$time, f$surv);
// quantile(f, 0.5, conf.int = FALSE). R's EM stops at 5e-5.
const R_STEPS = [
  [5, 0.77582393004112082],
  [9.5, 0.77572243618855519],
  [14, 0.77572243618855519],
  [21, 0.52771906620703946],
  [28, 0.52771906620703946],
  [56, 0.27858643893746166],
  [84, 0.27858643893746166],
  [126, 0.10716481051950977],
  [266, 0],
] as const;

describe('Turnbull estimate for interval-censored data', () => {
  test('rows at R survfit(type = "interval2") times, midpoints included, within 2e-4 of R', () => {
    const fit = turnbull(LEFT, RIGHT);
    expect(fit.steps.map((s) => s.time)).toEqual(R_STEPS.map((r) => r[0]));
    fit.steps.forEach((s, i) => {
      expect(Math.abs(s.surv - R_STEPS[i]![1])).toBeLessThan(2e-4);
    });
    expect(fit.median).toBe(56);
  });

  test('converged to 1e-8 of a reference iterated to 1e-15', () => {
    const fit = turnbull(LEFT, RIGHT);
    const reference = turnbull(LEFT, RIGHT, 1e-15, 10_000_000);
    fit.steps.forEach((s, i) => {
      expect(Math.abs(s.surv - reference.steps[i]!.surv)).toBeLessThan(1e-8);
    });
    // A fixed point of the self-consistency equations: one more iteration moves nothing.
    expect(reference.iterations).toBeGreaterThan(fit.iterations);
  });

  test('with exact times only it is the Kaplan–Meier estimate', () => {
    const fit = turnbull([3, 5, 5, 9], [3, 5, 5, INF]);
    expect(fit.steps).toEqual([
      { time: 3, surv: 0.75 },
      { time: 5, surv: 0.25 },
      { time: 9, surv: 0.25 },
    ]);
  });
});
