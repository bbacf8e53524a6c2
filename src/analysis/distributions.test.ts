import { expect, test } from 'vitest';
import { chisqUpper, normalTwoSided, tTwoSided } from './distributions.js';
import { uniroot } from './zeroin.js';

test.each([
  [100, 3, 1.5541594313896051e-21],
  [3.5, 4, 0.47787834448872407],
  [250, 10, 5.4278339609692809e-48],
  [60, 1, 9.4857375710738494e-15],
])('chi-square upper tail P(X > %s; df %s) keeps tiny p exact (R pchisq)', (x, df, want) => {
  expect(Math.abs(chisqUpper(x, df) / want - 1)).toBeLessThan(1e-12);
});

test('chi-square upper tail is 1 at 0 and NaN for NaN', () => {
  expect(chisqUpper(0, 3)).toBe(1);
  expect(chisqUpper(Number.NaN, 3)).toBeNaN();
});

test('two-sided t and normal p-values are symmetric in the statistic', () => {
  expect(tTwoSided(-2, 5)).toBe(tTwoSided(2, 5));
  expect(normalTwoSided(1.959963984540054)).toBeCloseTo(0.05, 14);
});

test.each([
  ['x² − 2 on [0, 2]', (x: number) => x * x - 2, 0, 2, 1.4142133199955025],
  ['cos x − x on [0, 1]', (x: number) => Math.cos(x) - x, 0, 1, 0.73909105828536981],
])('uniroot reproduces R to the last digits, tolerance included: %s', (_, f, lo, hi, want) => {
  expect(uniroot(f, lo, hi)).toBeCloseTo(want, 15);
});

test('uniroot rejects an interval without a sign change', () => {
  expect(() => uniroot((x) => x * x + 1, 0, 1)).toThrow(RangeError);
});
