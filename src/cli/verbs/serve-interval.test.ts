import { describe, expect, test } from 'vitest';
import { parseInterval } from './serve.js';

describe('SIFREG_JOB_INTERVAL_MS: the ePRO worker pass interval of serve', () => {
  test.each([
    ['200', 200],
    ['50', 50],
    ['3600000', 3_600_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseInterval(text)).toBe(ms);
  });

  test.each(['', '0', '49', '3600001', '1.5', '-200', '200ms', ' 200'])(
    '"%s" is refused in one line naming the variable',
    (text) => {
      expect(() => parseInterval(text)).toThrow(
        `SIFREG_JOB_INTERVAL_MS must be a whole number of milliseconds from 50 to 3600000 (got "${text}")`,
      );
    },
  );
});
