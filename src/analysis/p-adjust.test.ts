import { expect, test } from 'vitest';
import { holm } from './p-adjust.js';

test('Holm on 0.01, 0.02, 0.03, 0.04 gives 0.04, 0.06, 0.06, 0.06 as R p.adjust', () => {
  const got = holm([0.01, 0.02, 0.03, 0.04]);
  for (const [i, want] of [0.04, 0.06, 0.06, 0.06].entries()) expect(got[i]).toBeCloseTo(want, 15);
});

test('keeps the input order and caps at 1', () => {
  const got = holm([0.45, 0.001, 0.7]);
  for (const [i, want] of [0.9, 0.003, 0.9].entries()) expect(got[i]).toBeCloseTo(want, 15);
  expect(holm([0.7, 0.001, 0.6])).toEqual([1, 0.003, 1]);
});

test('missing p-values pass through and do not count as tests', () => {
  expect(holm([0.01, null, Number.NaN, 0.02])).toEqual([0.02, null, Number.NaN, 0.02]);
  expect(holm([])).toEqual([]);
});
