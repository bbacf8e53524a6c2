import { expect, test } from 'vitest';
import { logRank } from './log-rank.js';

test('two subjects failing one after the other: O − E = 0.5, V = 0.25, chi-square 1 (R survdiff)', () => {
  const r = logRank([1, 2], [1, 1], ['A', 'B']);
  expect(r.observed).toEqual([1, 1]);
  expect(r.expected).toEqual([0.5, 1.5]);
  expect(r.chisq).toBeCloseTo(1, 14);
  expect(r.df).toBe(1);
  expect(r.p).toBeCloseTo(0.31731050786291415, 12);
});

test('groups are sorted like R factor levels and a site with no subjects is simply absent', () => {
  const r = logRank([3, 1, 2, 4], [1, 1, 0, 1], ['VCU', 'MGH', 'VCU', 'MGH']);
  expect(r.groups).toEqual(['MGH', 'VCU']);
  expect(r.n).toEqual([2, 2]);
});

test('a single group cannot be tested: df 0 and p null', () => {
  expect(logRank([1, 2, 3], [1, 0, 1], ['A', 'A', 'A'])).toMatchObject({ groups: ['A'], df: 0, p: null });
});

test('a group censored before the first event has E = 0 and takes no part in df', () => {
  const r = logRank([0.5, 1, 2, 3], [0, 1, 1, 0], ['C', 'A', 'B', 'A']);
  expect(r.expected[r.groups.indexOf('C')]).toBe(0);
  expect(r.df).toBe(1);
});

test('rejects inputs of different lengths', () => {
  expect(() => logRank([1, 2], [1, 1], ['A'])).toThrow(RangeError);
});
