import { describe, expect, test } from 'vitest';
import { parseAnswers } from './answers.js';
import { ODI, ODI_SECTIONS, odiBand, odiSectionScore, scoreOdi } from './odi.js';
import type { Answers } from './types.js';

const RULES = { odiMaxMissingSections: 2 };

/** Answers from section scores in order; null leaves a section blank, 'na' marks it not applicable. */
function odi(...sections: (number | 'na' | null | number[])[]): Answers {
  const answers: Answers = {};
  ODI_SECTIONS.forEach(([id], i) => {
    const s = sections[i];
    if (s === null || s === undefined) return;
    answers[id] = Array.isArray(s) ? s.map(String) : [String(s)];
  });
  return answers;
}

describe('scoreOdi (ODI v2.1a: sum / (5 × answered sections) × 100)', () => {
  test.each<[string, Answers, number | null, string | null, string | null]>([
    ['all 10 answered, sum 20 → 40 %', odi(2, 2, 2, 2, 2, 2, 2, 2, 2, 2), 40, 'moderate', null],
    ['all answered scores sum × 2: sum 33 → 66 %', odi(5, 4, 4, 3, 3, 3, 3, 3, 3, 2), 66, 'crippled', null],
    [
      '9 answered (one blank), sum 16 of 45 → 35.56 %',
      odi(2, 2, 2, 2, 2, 2, 2, null, 1, 1),
      (16 / 45) * 100,
      'moderate',
      null,
    ],
    [
      'sex life "na" counts as missing: sum 16 of 45',
      odi(2, 2, 2, 2, 2, 2, 2, 'na', 1, 1),
      (16 / 45) * 100,
      'moderate',
      null,
    ],
    [
      '2 missing is prorated: sum 24 of 40 → 60 %',
      odi(3, 3, 3, 3, 3, 3, 3, null, 3, null),
      60,
      'severe',
      null,
    ],
    ['3 missing is not scored', odi(3, 3, 3, 3, 3, 3, 3, null, null, null), null, null, 'too_many_missing'],
    [
      'two ticks "2" and "4" count as 4: sum 22 → 44 %',
      odi([2, 4], 2, 2, 2, 2, 2, 2, 2, 2, 2),
      44,
      'severe',
      null,
    ],
    ['all 0 → 0 %', odi(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0, 'minimal', null],
    ['all 5 → 100 %', odi(5, 5, 5, 5, 5, 5, 5, 5, 5, 5), 100, 'bed-bound', null],
    ['nothing answered is not scored', odi(), null, null, 'no_sections_answered'],
  ])('%s', (_name, answers, pct, band, reason) => {
    const { scores, main } = scoreOdi(answers, RULES);
    if (pct === null) expect(scores.odi_pct).toBeNull();
    else expect(scores.odi_pct).toBeCloseTo(pct, 10);
    expect(main.odi_pct).toBe(scores.odi_pct);
    expect(scores.odi_band).toBe(band);
    expect(scores.odi_reason).toBe(reason);
  });

  test('9 answered, sum 16 is 35.56 % to two decimals', () => {
    expect(scoreOdi(odi(2, 2, 2, 2, 2, 2, 2, null, 1, 1), RULES).scores.odi_pct).toBeCloseTo(35.56, 2);
  });

  test('the missing-section limit is the protocol rule: 3 missing is scored when 3 are allowed', () => {
    const answers = odi(3, 3, 3, 3, 3, 3, 3, null, null, null);
    expect(scoreOdi(answers, { odiMaxMissingSections: 3 }).scores).toMatchObject({
      odi_pct: 60,
      odi_missing: 3,
    });
  });

  test('a section score is the highest tick, ignoring "na"', () => {
    expect(odiSectionScore(['2', '4'])).toBe(4);
    expect(odiSectionScore(['na'])).toBeNull();
    expect(odiSectionScore(undefined)).toBeNull();
  });
});

describe('odiBand (upper bound of each band is inclusive)', () => {
  test.each([
    [0, 'minimal'],
    [20, 'minimal'],
    [20.01, 'moderate'],
    [40, 'moderate'],
    [40.5, 'severe'],
    [60, 'severe'],
    [61, 'crippled'],
    [80, 'crippled'],
    [80.5, 'bed-bound'],
    [100, 'bed-bound'],
  ])('%d %% is %s', (pct, band) => {
    expect(odiBand(pct)).toBe(band);
  });
});

describe('ODI answers', () => {
  test('reads two ticked boxes from CSV text "2|4"', () => {
    expect(parseAnswers(ODI, { s1_pain_intensity: '4|2' })).toEqual({
      ok: true,
      answers: { s1_pain_intensity: ['2', '4'] },
      missing: {},
    });
  });

  test('refuses a section marked both not applicable and scored', () => {
    expect(parseAnswers(ODI, { s8_sex_life: 'na|3' })).toEqual({
      ok: false,
      issues: [
        {
          path: ['s8_sex_life'],
          code: 'inconsistent',
          message: 'odi s8_sex_life is marked not applicable and also scored (3|na)',
        },
      ],
    });
  });

  test('refuses a score outside 0–5', () => {
    expect(parseAnswers(ODI, { s2_personal_care: '6' })).toMatchObject({
      ok: false,
      issues: [{ path: ['s2_personal_care'], code: 'invalid_choice' }],
    });
  });

  test('ships the licence note and LOINC panel code', () => {
    expect(ODI.code?.code).toBe('97908-8');
    expect(ODI.licence).toContain('Mapi Research Trust');
  });
});
