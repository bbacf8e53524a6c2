import { describe, expect, test } from 'vitest';
import { parseAnswers } from './answers.js';
import { ELIGIBILITY, SUSPICION_FLAGS, scoreEligibility } from './eligibility.js';
import type { Answers } from './types.js';

const flags = (n: number): Answers => Object.fromEntries(SUSPICION_FLAGS.map(([id], i) => [id, i < n]));

describe('eligibility', () => {
  test.each([
    [0, false],
    [2, false],
    [3, true],
    [8, true],
  ])('%d suspicion flags → MRI/CT recommended: %s (registry rule: 3 or more)', (n, recommended) => {
    expect(scoreEligibility(flags(n)).scores).toMatchObject({
      flags_count: n,
      mri_ct_recommended: recommended,
    });
  });

  test('symptom duration is taken as given, else counted from onset to screening', () => {
    expect(scoreEligibility({ symptom_duration_weeks: 6 }).scores.symptom_weeks).toBe(6);
    expect(
      scoreEligibility({ symptom_onset_date: '2026-01-01', screening_date: '2026-02-12' }).scores
        .symptom_weeks,
    ).toBe(6);
    expect(scoreEligibility({}).scores.symptom_weeks).toBeNull();
  });

  test('not eligible needs a reason', () => {
    expect(parseAnswers(ELIGIBILITY, { eligible: 'false' })).toEqual({
      ok: false,
      issues: [
        {
          path: ['ineligible_reason'],
          code: 'required',
          message: 'eligibility ineligible_reason is required when not eligible',
        },
      ],
    });
    expect(parseAnswers(ELIGIBILITY, { eligible: 'false', ineligible_reason: 'no fracture on MRI' }).ok).toBe(
      true,
    );
  });

  test('symptom onset after screening is an issue on screening_date', () => {
    expect(
      parseAnswers(ELIGIBILITY, {
        eligible: 'true',
        symptom_onset_date: '2026-03-05',
        screening_date: '2026-03-01',
      }),
    ).toMatchObject({
      ok: false,
      issues: [{ path: ['screening_date'], code: 'out_of_order' }],
    });
  });

  test('records imaging confirmation by several modalities', () => {
    expect(parseAnswers(ELIGIBILITY, { eligible: 'yes', imaging_confirmation: 'ct|mri_stir' })).toEqual({
      ok: true,
      answers: { eligible: true, imaging_confirmation: ['mri_stir', 'ct'] },
      missing: {},
    });
  });
});
