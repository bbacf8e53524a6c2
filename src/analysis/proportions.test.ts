import { expect, test } from 'vitest';
import { clopperPearson, mcnemar } from './proportions.js';

test('0 of 20: exact upper limit 0.1684 (R binom.test), lower 0', () => {
  const ci = clopperPearson(0, 20);
  expect(ci.ci_low).toBe(0);
  expect(ci.ci_high).toBeCloseTo(0.16843347098308536, 12);
});

test('zero events in 100: upper limit near the rule of three (3/n)', () => {
  expect(clopperPearson(0, 100).ci_high).toBeCloseTo(0.036216692645176463, 12);
});

test('all successes: upper limit 1 and the mirror of 0 of n below', () => {
  const ci = clopperPearson(20, 20);
  expect(ci.ci_high).toBe(1);
  expect(ci.ci_low).toBeCloseTo(1 - 0.16843347098308536, 12);
});

test('n = 0 gives nulls instead of an error', () => {
  expect(clopperPearson(0, 0)).toEqual({ x: 0, n: 0, estimate: null, ci_low: null, ci_high: null });
});

test.each([
  [-1, 5],
  [6, 5],
  [1.5, 5],
])('rejects x = %s of n = %s', (x, n) => {
  expect(() => clopperPearson(x, n)).toThrow(RangeError);
});

test('b = 5, c = 12 with continuity correction: (|5 − 12| − 1)² / 17, p = 0.1456 as R', () => {
  const r = mcnemar(5, 12);
  expect(r.statistic).toBeCloseTo(36 / 17, 14);
  expect(r.p).toBeCloseTo(0.14561009539686795, 14);
});

test('without correction the statistic is (b − c)² / (b + c)', () => {
  expect(mcnemar(5, 12, { correct: false }).statistic).toBeCloseTo(49 / 17, 14);
});

test('a symmetric table is not corrected (R): statistic 0, p 1', () => {
  expect(mcnemar(10, 10)).toEqual({ statistic: 0, df: 1, p: 1 });
});

test('no discordant pairs: R gives NaN, here null', () => {
  expect(mcnemar(0, 0)).toEqual({ statistic: null, df: 1, p: null });
});

test('rejects negative counts', () => {
  expect(() => mcnemar(-1, 2)).toThrow(RangeError);
});
