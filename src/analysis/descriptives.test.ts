import { expect, describe as group, test } from 'vitest';
import { describe, quantile } from './descriptives.js';

group('describe', () => {
  test('summarises a small sample like R (mean, sd, t CI, type 7 quartiles)', () => {
    const d = describe([2, 4, 4, 5, 7, 9]);
    expect(d.n).toBe(6);
    expect(d.mean).toBeCloseTo(31 / 6, 12);
    expect(d.sd).toBeCloseTo(2.4832774042918899, 12);
    expect(d.median).toBe(4.5);
    expect(d.q1).toBe(4);
    expect(d.q3).toBe(6.5);
    expect([d.min, d.max]).toEqual([2, 9]);
    // R: t.test(c(2,4,4,5,7,9))$conf.int
    expect(d.ci_low).toBeCloseTo(2.560626855, 8);
    expect(d.ci_high).toBeCloseTo(7.772706478, 8);
  });

  test('returns nulls, not NaN, for an empty sample', () => {
    expect(describe([])).toEqual({
      n: 0,
      mean: null,
      sd: null,
      ci_low: null,
      ci_high: null,
      median: null,
      q1: null,
      q3: null,
      min: null,
      max: null,
    });
  });

  test('leaves sd and CI null for a single value', () => {
    const d = describe([6]);
    expect(d).toMatchObject({
      n: 1,
      mean: 6,
      sd: null,
      ci_low: null,
      ci_high: null,
      median: 6,
      min: 6,
      max: 6,
    });
  });

  test('drops missing values (NaN) before summarising', () => {
    expect(describe([1, Number.NaN, 3]).n).toBe(2);
    expect(describe([1, Number.NaN, 3]).mean).toBe(2);
  });
});

group('quantile (R type 7)', () => {
  test.each([
    [0, 1],
    [0.25, 1.75],
    [0.5, 2.5],
    [0.9, 3.7],
    [1, 4],
  ])('p = %s of 1..4 is %s', (p, want) => {
    expect(quantile([4, 1, 3, 2], p)).toBeCloseTo(want, 12);
  });

  test('is null for an empty sample and rejects p outside [0, 1]', () => {
    expect(quantile([], 0.5)).toBeNull();
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
  });
});
