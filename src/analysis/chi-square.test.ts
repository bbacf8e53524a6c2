import { expect, test } from 'vitest';
import { chiSquareTest } from './chi-square.js';

test('2×2 with Yates: every |O − E| loses 0.5 (R chisq.test default)', () => {
  const r = chiSquareTest([
    [10, 20],
    [20, 10],
  ]);
  expect(r.expected).toEqual([
    [15, 15],
    [15, 15],
  ]);
  expect(r.statistic).toBeCloseTo((4 * 4.5 ** 2) / 15, 14);
  expect(r.df).toBe(1);
});

test('2×2 without correction: Σ (O − E)² / E', () => {
  expect(
    chiSquareTest(
      [
        [10, 20],
        [20, 10],
      ],
      { correct: false },
    ).statistic,
  ).toBeCloseTo(20 / 3, 14);
});

test('larger tables are never corrected; df = (r − 1)(c − 1)', () => {
  const r = chiSquareTest([
    [5, 5, 10],
    [5, 5, 10],
  ]);
  expect(r).toMatchObject({ statistic: 0, df: 2, p: 1 });
});

test('an empty row or column makes an expected count 0: R gives NaN, here null', () => {
  expect(
    chiSquareTest([
      [0, 20],
      [0, 31],
    ]),
  ).toMatchObject({ statistic: null, p: null, df: 1 });
});

test('rejects a table with one row or ragged rows', () => {
  expect(() => chiSquareTest([[1, 2]])).toThrow(RangeError);
  expect(() => chiSquareTest([[1, 2], [3]])).toThrow(RangeError);
});
