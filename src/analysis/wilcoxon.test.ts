import { expect, test } from 'vitest';
import { wilcoxonSignedRank } from './wilcoxon.js';

test('five positive differences: V = 15 and exact p = 2/32 as R', () => {
  expect(wilcoxonSignedRank([1, 2, 3, 4, 5])).toEqual({ n: 5, v: 15, p: 0.0625, exact: true });
});

test('ties force the normal approximation with tie-corrected variance (R p = 0.1344)', () => {
  const r = wilcoxonSignedRank([1, 2, 2, 3, -1]);
  expect(r.exact).toBe(false);
  expect(r.v).toBe(13.5);
  expect(r.p).toBeCloseTo(0.13441657417036029, 14);
});

test('zero differences are dropped and rule out the exact test', () => {
  const r = wilcoxonSignedRank([0, 1, 2, 3, 4, 5]);
  expect(r.n).toBe(5);
  expect(r.exact).toBe(false);
});

test('n ≥ 50 uses the normal approximation even without ties', () => {
  const d = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 1 : -1) * (i + 1) * 0.1);
  expect(wilcoxonSignedRank(d).exact).toBe(false);
  expect(wilcoxonSignedRank(d.slice(0, 49)).exact).toBe(true);
});

test('only zero differences leave nothing to test: p is null', () => {
  expect(wilcoxonSignedRank([0, 0, 0])).toEqual({ n: 0, v: 0, p: null, exact: false });
  expect(wilcoxonSignedRank([])).toEqual({ n: 0, v: 0, p: null, exact: false });
});
