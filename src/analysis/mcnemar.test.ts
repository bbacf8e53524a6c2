import { expect, test } from 'vitest';
import { mcnemar } from './mcnemar.js';

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
