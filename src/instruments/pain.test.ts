import { describe, expect, test } from 'vitest';
import { parseAnswers } from './answers.js';
import { PAIN, scorePain } from './pain.js';

describe('pain scoring (VAS mm × 0.1 → 0–10)', () => {
  test.each([
    ['nrs', 7, 7],
    ['nrs', 0, 0],
    ['nrs', 10, 10],
    ['vas', 73, 7.3],
    ['vas', 100, 10],
    ['vas', 55.5, 5.55],
    ['vas', 3, 0.3],
  ] as const)('%s %d → %d on 0–10', (scale, score, nrs) => {
    expect(scorePain({ scale, score })).toEqual({
      scores: { pain_nrs: nrs, scale },
      main: { pain_nrs: nrs },
    });
  });
});

describe('pain validation by scale', () => {
  test.each([
    [{ scale: 'nrs', score: '12' }, 'score', 'too_big', 'pain score 12 is above the maximum 10 for NRS'],
    [
      { scale: 'nrs', score: '5.5' },
      'score',
      'not_integer',
      'pain score 5.5 is not a whole number, as the NRS requires',
    ],
    [{ scale: 'vas', score: '101' }, 'score', 'too_big', 'pain score 101 is above the maximum 100'],
    [{ scale: 'vas', score: '-1' }, 'score', 'too_small', 'pain score -1 is below the minimum 0'],
    [
      { scale: 'likert', score: '3' },
      'scale',
      'invalid_choice',
      'pain scale "likert" is not one of: nrs, vas',
    ],
  ])('refuses %j', (raw, item, code, message) => {
    expect(parseAnswers(PAIN, raw)).toEqual({ ok: false, issues: [{ path: [item], code, message }] });
  });

  test('accepts VAS 73 mm and NRS 10', () => {
    expect(parseAnswers(PAIN, { scale: 'vas', score: '73' }).ok).toBe(true);
    expect(parseAnswers(PAIN, { scale: 'nrs', score: '10' }).ok).toBe(true);
  });
});
