import { describe, expect, test } from 'vitest';
import { band, sitesDiffer } from './analyse-care.js';

describe('care-gap KPIs', () => {
  test.each([
    [null, 'none'],
    [0.49, 'red'],
    [0.5, 'amber'],
    [0.8, 'amber'],
    [0.81, 'green'],
  ] as const)(
    'a proportion of %s is banded %s (CLINICAL.md: < 50 red, 50–80 amber, > 80 green)',
    (p, expected) => {
      expect(band(p)).toBe(expected);
    },
  );

  // R 4.2.2: chisq.test(rbind(c(13,16), c(15,20), c(19,42)), correct = FALSE)$p.value
  test('sites are compared by Pearson chi-square without continuity correction when every expected count is ≥ 5', () => {
    const p = sitesDiffer([
      { x: 13, n: 29 },
      { x: 15, n: 35 },
      { x: 19, n: 61 },
    ]);
    expect(p).toBeCloseTo(0.34293903626117422, 12);
  });

  // Expected met at site 1: 29 × 14 / 81 = 5.012 ≥ 5, so chi-square (R: chisq.test(..., correct = FALSE));
  // one fewer met at site 2: 29 × 13 / 80 = 4.7125 < 5, so Fisher (R: fisher.test).
  test('the expected-count rule is decided exactly; with an expected count below 5, Fisher’s exact test as R fisher.test; an empty site is dropped first', () => {
    expect(
      sitesDiffer([
        { x: 3, n: 29 },
        { x: 0, n: 0 },
        { x: 11, n: 52 },
      ]),
    ).toBeCloseTo(0.21740106352558611, 12);
    expect(
      sitesDiffer([
        { x: 3, n: 29 },
        { x: 10, n: 51 },
      ]),
    ).toBeCloseTo(0.35623965585674816, 12);
  });

  // R: fisher.test(rbind(c(1, 9), c(4, 3), c(6, 20)))$p.value
  test('Fisher’s exact test covers any number of sites (r × 2), as R fisher.test', () => {
    expect(
      sitesDiffer([
        { x: 1, n: 10 },
        { x: 4, n: 7 },
        { x: 6, n: 26 },
      ]),
    ).toBeCloseTo(0.1156736006494255, 12);
  });

  test('one site gives null; nobody or everybody meeting the KPI gives p = 1, as fisher.test', () => {
    expect(sitesDiffer([{ x: 3, n: 10 }])).toBeNull();
    expect(
      sitesDiffer([
        { x: 0, n: 10 },
        { x: 0, n: 12 },
      ]),
    ).toBe(1);
    expect(
      sitesDiffer([
        { x: 10, n: 10 },
        { x: 12, n: 12 },
      ]),
    ).toBe(1);
  });
});
