import { describe, expect, test } from 'vitest';
import { fisherExact2x2 } from './fisher.js';
import { fisherExactRx2 } from './fisher-rx2.js';

describe('Fisher exact test on r × 2 tables, as R fisher.test', () => {
  // R: fisher.test(rbind(c(1, 9), c(4, 3), c(6, 20)))$p.value
  test('three rows', () => {
    expect(
      fisherExactRx2([
        [1, 9],
        [4, 3],
        [6, 20],
      ]),
    ).toBeCloseTo(0.1156736006494255, 13);
  });

  test('two rows equal the 2 × 2 test', () => {
    expect(
      fisherExactRx2([
        [3, 26],
        [10, 41],
      ]),
    ).toBeCloseTo(fisherExact2x2(3, 26, 10, 41).p, 13);
  });

  test('too many tables to enumerate gives null rather than hanging', () => {
    expect(
      fisherExactRx2([
        [1, 2],
        [30_000, 30_000],
        [30_000, 30_000],
        [30_000, 30_000],
      ]),
    ).toBeNull();
  });
});
