import { expect, test } from 'vitest';
import { minimiseBounded } from './optimise.js';

test('finds the interior minimum of a smooth function to ~1e-10', () => {
  const r = minimiseBounded(
    ([x = 0, y = 0]) => (x - 1) ** 2 + 10 * (y - 2) ** 2 + 0.5 * (x - 1) * (y - 2),
    [0, 0],
    [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
  );
  expect(r.converged).toBe(true);
  expect(r.x[0]).toBeCloseTo(1, 9);
  expect(r.x[1]).toBeCloseTo(2, 9);
});

test('stops on an active lower bound when the slope points outward', () => {
  const r = minimiseBounded(([x = 0, y = 0]) => (x + 1) ** 2 + (y - 3) ** 2, [1, 1], [0, 0]);
  expect(r.x[0]).toBe(0);
  expect(r.x[1]).toBeCloseTo(3, 9);
  expect(r.converged).toBe(true);
});
