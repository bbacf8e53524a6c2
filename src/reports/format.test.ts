import { describe, expect, test } from 'vitest';
import {
  fmt,
  fmtCi,
  fmtCount,
  fmtDate,
  fmtInt,
  fmtMeanSd,
  fmtMedianIqr,
  fmtP,
  fmtPct,
  fmtPText,
  MISSING,
} from './format.js';

describe('journal number formatting', () => {
  test.each([
    [0.0004, '<0.001'],
    [0.001, '0.001'],
    [0.0426, '0.043'],
    [0.5, '0.500'],
    [1, '1.000'],
    [null, MISSING],
    [Number.NaN, MISSING],
  ])('prints p = %s as %s', (p, text) => {
    expect(fmtP(p)).toBe(text);
  });

  test('writes p in running text with its relation sign', () => {
    expect(fmtPText(0.00001)).toBe('p < 0.001');
    expect(fmtPText(0.0421)).toBe('p = 0.042');
  });

  test('uses a true minus sign and drops the sign of a rounded zero', () => {
    expect(fmt(-3.34, 1)).toBe('\u22123.3');
    expect(fmt(-0.04, 1)).toBe('0.0');
    expect(fmt(2, 2)).toBe('2.00');
  });

  test('prints null and non-finite numbers as an em dash', () => {
    expect(fmt(null)).toBe(MISSING);
    expect(fmt(Number.POSITIVE_INFINITY)).toBe(MISSING);
    expect(fmtCi(null, 3)).toBe(MISSING);
    expect(fmtMeanSd(null, 1)).toBe(MISSING);
    expect(fmtMedianIqr(null, 1, 2)).toBe(MISSING);
    expect(fmtPct(null)).toBe(MISSING);
  });

  test('joins interval limits with "to", which stays clear when they are negative', () => {
    expect(fmtCi(-3.89, -2.77, 1)).toBe('\u22123.9 to \u22122.8');
  });

  test('prints counts with their percentage, and no percentage of nothing', () => {
    expect(fmtCount(9, 52)).toBe('9/52 (17.3%)');
    expect(fmtCount(0, 0)).toBe(`0/0 (${MISSING})`);
    expect(fmtInt(12345)).toBe('12\u2009345');
  });

  test('prints mean (SD) and median [IQR], keeping a missing SD visible', () => {
    expect(fmtMeanSd(8.19, 1.24)).toBe('8.2 (1.2)');
    expect(fmtMeanSd(8.19, null)).toBe(`8.2 (${MISSING})`);
    expect(fmtMedianIqr(8, 7, 9, 0)).toBe('8 [7, 9]');
  });

  test('prints the generation date in UTC whatever the machine time zone', () => {
    expect(fmtDate('2025-06-30T23:59:00Z')).toBe('30 June 2025');
    expect(fmtDate('not a date')).toBe('not a date');
  });
});
