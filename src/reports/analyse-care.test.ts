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

  // R 4.2.2: chisq.test(rbind(c(13,16), c(15,20), c(19,42)))$p.value and
  //          fisher.test(rbind(c(3,26), c(11,41)))$p.value
  test('three sites are compared by chi-square as R chisq.test', () => {
    const p = sitesDiffer([
      { x: 13, n: 29 },
      { x: 15, n: 35 },
      { x: 19, n: 61 },
    ]);
    expect(p).toBeCloseTo(0.34293903626117422, 12);
  });

  test('two sites are compared by Fisher’s exact test as R fisher.test; a site with no one eligible is left out', () => {
    const p = sitesDiffer([
      { x: 3, n: 29 },
      { x: 0, n: 0 },
      { x: 11, n: 52 },
    ]);
    expect(p).toBeCloseTo(0.35823614599141823, 12);
  });

  test('nothing to compare gives null: one site, or nobody (or everybody) meeting the KPI', () => {
    expect(sitesDiffer([{ x: 3, n: 10 }])).toBeNull();
    expect(
      sitesDiffer([
        { x: 0, n: 10 },
        { x: 0, n: 12 },
      ]),
    ).toBeNull();
    expect(
      sitesDiffer([
        { x: 10, n: 10 },
        { x: 12, n: 12 },
      ]),
    ).toBeNull();
  });
});
