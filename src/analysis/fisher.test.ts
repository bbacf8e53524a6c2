import { expect, test } from 'vitest';
import { fisherExact2x2 } from './fisher.js';

test('[[3, 1], [1, 3]]: two-sided p = 34/70 as R fisher.test', () => {
  expect(fisherExact2x2(3, 1, 1, 3).p).toBeCloseTo(0.48571428571428582, 14);
});

test('a symmetric table has odds ratio 1 and p 1', () => {
  const r = fisherExact2x2(4, 4, 4, 4);
  expect(r.odds_ratio).toBe(1);
  expect(r.p).toBeCloseTo(1, 14);
  expect(r.ci_low).toBeLessThan(1);
  expect(r.ci_high).toBeGreaterThan(1);
});

test('x at the top of its support: odds ratio and upper limit are infinite', () => {
  const r = fisherExact2x2(5, 0, 2, 8);
  expect(r.odds_ratio).toBe(Number.POSITIVE_INFINITY);
  expect(r.ci_high).toBe(Number.POSITIVE_INFINITY);
  expect(r.ci_low).toBeGreaterThan(1);
});

test('no events in either arm: p 1, odds ratio 0, interval [0, ∞) as R', () => {
  expect(fisherExact2x2(0, 50, 0, 48)).toEqual({
    p: 1,
    odds_ratio: 0,
    ci_low: 0,
    ci_high: Number.POSITIVE_INFINITY,
  });
});

test('rejects counts that are not non-negative integers', () => {
  expect(() => fisherExact2x2(1.5, 2, 3, 4)).toThrow(RangeError);
  expect(() => fisherExact2x2(-1, 2, 3, 4)).toThrow(RangeError);
});
