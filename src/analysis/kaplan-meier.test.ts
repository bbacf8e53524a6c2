import { expect, test } from 'vitest';
import { kaplanMeier } from './kaplan-meier.js';

test('three events: survival 2/3, 1/3, 0 with Greenwood SE and median at the second time', () => {
  const km = kaplanMeier([1, 2, 3], [1, 1, 1]);
  expect(km.steps.map((s) => s.surv)).toEqual([2 / 3, 1 / 3, 0]);
  // Greenwood: se = S √(Σ d / (n (n − d))) = (2/3) √(1/6) at t = 1.
  expect(km.steps[0]!.se).toBeCloseTo((2 / 3) * Math.sqrt(1 / 6), 14);
  // Once S = 0 R has no standard error or interval.
  expect(km.steps[2]).toMatchObject({ surv: 0, se: null, lower: null, upper: null });
  expect(km.median).toBe(2);
});

test('censored subjects stay at risk at their own time and have a step of their own', () => {
  const km = kaplanMeier([2, 2, 3, 5], [1, 0, 0, 1]);
  expect(km.steps.map((s) => [s.time, s.n_risk, s.n_event, s.n_censor])).toEqual([
    [2, 4, 1, 1],
    [3, 2, 0, 1],
    [5, 1, 1, 0],
  ]);
});

test('the log CI is capped at 1 and equals 1 before the first event', () => {
  const km = kaplanMeier([1, 4, 5], [0, 1, 1]);
  expect(km.steps[0]).toMatchObject({ surv: 1, se: 0, lower: 1, upper: 1 });
  expect(km.steps[1]!.upper).toBeLessThanOrEqual(1);
});

test('a curve flat at exactly 0.5 takes the midpoint to the next drop as median (print.survfit)', () => {
  expect(kaplanMeier([1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 1, 1]).median).toBe(4);
});

test('a curve that never reaches 0.5 has no median; no data gives an empty curve', () => {
  expect(kaplanMeier([3, 5, 8], [1, 0, 0]).median).toBeNull();
  expect(kaplanMeier([], [])).toMatchObject({ n: 0, events: 0, steps: [], median: null });
});

test('rejects time and event of different lengths', () => {
  expect(() => kaplanMeier([1, 2], [1])).toThrow(RangeError);
});
