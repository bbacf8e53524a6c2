import { describe, expect, test } from 'vitest';
import { daysBetween, isRealDate, parseDay } from './calendar.js';

describe('one calendar: date validation and day arithmetic', () => {
  test.each([
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['2026-04-31', false],
    ['0001-01-01', true],
    ['0100-02-29', false],
    ['2026-3-02', false],
    ['not a date', false],
  ])('%s is a real date: %s', (text, real) => {
    expect(isRealDate(text)).toBe(real);
  });

  test('counts whole days across month, leap-day and year ends, both ways', () => {
    expect(daysBetween('2026-03-02', '2026-03-16')).toBe(14);
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(2);
    expect(daysBetween('2026-12-31', '2027-01-01')).toBe(1);
    expect(daysBetween('2026-03-16', '2026-03-02')).toBe(-14);
    expect(daysBetween('0001-01-01', '0001-01-02')).toBe(1);
  });

  test('refuses a date that is not real instead of returning NaN', () => {
    expect(() => daysBetween('2026-02-30', '2026-03-02')).toThrow(
      /"2026-02-30" is not a real date YYYY-MM-DD/,
    );
    expect(() => daysBetween('2026-03-02', 'soon')).toThrow(/is not a real date/);
    expect(() => parseDay('0001-13-01', 'consent_date')).toThrow(/consent_date "0001-13-01"/);
  });
});
