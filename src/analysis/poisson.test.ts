import { describe, expect, test } from 'vitest';
import { poissonRate } from './poisson.js';

// R 4.2.2: poisson.test(x, t)$conf.int, printed with 17 digits.
describe('exact Poisson rate CI as R poisson.test', () => {
  test.each([
    [0, 10, 0, 0.36888794541139353],
    [1, 3.5, 0.0072336594240828278, 1.5918981116968283],
    [7, 120.2, 0.023414002092511373, 0.11998897971466205],
    [350, 1000, 0.31428857604960003, 0.38865769880647566],
  ])('%i events in %d units of time', (x, t, low, high) => {
    const r = poissonRate(x, t);
    expect(r.rate).toBe(x / t);
    expect(Math.abs(r.ci_low! - low)).toBeLessThanOrEqual(1e-9 * high);
    expect(Math.abs(r.ci_high! - high) / high).toBeLessThan(1e-9);
  });

  test('no time at risk gives nulls', () => {
    expect(poissonRate(0, 0)).toEqual({ rate: null, ci_low: null, ci_high: null });
  });
});
