import { expect, test } from 'vitest';
import { oneSampleTTest, pairedDifferences, pairedTTest } from './t-test.js';

test('one-sample t-test of 1, 2, 3 gives t = 2√3 on 2 df, p = 0.0742 as R', () => {
  const r = oneSampleTTest([1, 2, 3]);
  expect(r).toMatchObject({ n: 3, mean: 2, sd: 1, df: 2 });
  expect(r.t).toBeCloseTo(2 * Math.sqrt(3), 12);
  expect(r.p).toBeCloseTo(0.074179900227448525, 14);
});

test('paired t-test works on the differences x − y of complete pairs', () => {
  const r = pairedTTest([5, 6, Number.NaN, 8], [4, 4, 3, 5]);
  expect(r.n).toBe(3);
  expect(r.mean).toBe(2);
  expect(pairedDifferences([3, 1], [1, 1])).toEqual([2, 0]);
});

test('constant differences give null statistics where R stops with "data are essentially constant"', () => {
  const r = pairedTTest([3, 4, 5], [1, 2, 3]);
  expect(r).toMatchObject({ n: 3, mean: 2, sd: 0, t: null, p: null, ci_low: null });
});

test('fewer than two pairs give null statistics', () => {
  expect(oneSampleTTest([4])).toMatchObject({ n: 1, mean: 4, sd: null, t: null, p: null });
  expect(oneSampleTTest([])).toMatchObject({ n: 0, mean: null });
});

test('rejects paired samples of different lengths', () => {
  expect(() => pairedTTest([1, 2], [1])).toThrow(RangeError);
});
