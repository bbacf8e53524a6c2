import { describe, expect, test } from 'vitest';
import { parseAnswers } from './answers.js';
import { ENROLLMENT, scoreEnrollment } from './enrollment.js';

const VALID = {
  study_id: 'VCU-0007',
  site: 'VCU',
  sex: 'female',
  birth_year: '1948',
  consent_date: '2026-03-02',
};

describe('enrollment', () => {
  test('accepts a complete enrolment', () => {
    expect(parseAnswers(ENROLLMENT, VALID)).toEqual({
      ok: true,
      answers: {
        study_id: 'VCU-0007',
        site: 'VCU',
        sex: 'female',
        birth_year: 1948,
        consent_date: '2026-03-02',
      },
      missing: {},
    });
  });

  test.each([
    ['vcu-7', 'enrollment study_id "vcu-7" is not in the expected form (like VCU-0007)'],
    ['VCU-007', 'enrollment study_id "VCU-007" is not in the expected form (like VCU-0007)'],
  ])('refuses study id %s', (studyId, message) => {
    expect(parseAnswers(ENROLLMENT, { ...VALID, study_id: studyId })).toEqual({
      ok: false,
      issues: [{ path: ['study_id'], code: 'pattern', message }],
    });
  });

  test('a study id must start with its site code', () => {
    expect(parseAnswers(ENROLLMENT, { ...VALID, study_id: 'APMSS-0001' })).toEqual({
      ok: false,
      issues: [
        {
          path: ['study_id'],
          code: 'wrong_site',
          message: 'enrollment study_id APMSS-0001 does not start with its site code VCU-',
        },
      ],
    });
  });

  test('a birth year after the consent year is an issue; before 1900 too', () => {
    expect(parseAnswers(ENROLLMENT, { ...VALID, birth_year: '2027' })).toMatchObject({
      ok: false,
      issues: [{ path: ['birth_year'], code: 'too_big' }],
    });
    expect(parseAnswers(ENROLLMENT, { ...VALID, birth_year: '1899' })).toMatchObject({
      ok: false,
      issues: [{ path: ['birth_year'], code: 'too_small' }],
    });
  });

  test('consent date, site and study id are required', () => {
    const result = parseAnswers(ENROLLMENT, { sex: 'male' });
    expect(result.ok ? [] : result.issues.map((i) => i.path[0])).toEqual([
      'study_id',
      'site',
      'consent_date',
    ]);
  });

  test('derives age at the index date from the birth year', () => {
    expect(scoreEnrollment({ birth_year: 1948, index_date: '2026-03-10' }).scores).toEqual({
      age_at_index: 78,
    });
    expect(scoreEnrollment({ birth_year: 1948 }).scores).toEqual({ age_at_index: null });
  });

  test('enrols the subject, sets the index date only when given, and is collected on the consent date', () => {
    expect(ENROLLMENT.subjectUpdate?.({ consent_date: '2026-03-02' })).toEqual({ status: 'enrolled' });
    expect(ENROLLMENT.subjectUpdate?.({ index_date: '2026-03-10' })).toEqual({
      status: 'enrolled',
      indexDate: '2026-03-10',
    });
    expect(ENROLLMENT.collectedOn?.({ consent_date: '2026-03-02' })).toBe('2026-03-02');
  });
});
