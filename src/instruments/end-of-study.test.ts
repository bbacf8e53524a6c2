import { describe, expect, test } from 'vitest';
import { parseAnswers } from './answers.js';
import { END_OF_STUDY } from './end-of-study.js';

describe('end_of_study', () => {
  test('completion needs no reason', () => {
    expect(parseAnswers(END_OF_STUDY, { status: 'completed', date: '2027-03-08' }).ok).toBe(true);
  });

  test.each(['withdrawn', 'lost_to_follow_up', 'died'])('%s needs a reason', (status) => {
    expect(parseAnswers(END_OF_STUDY, { status, date: '2026-06-01' })).toEqual({
      ok: false,
      issues: [
        {
          path: ['reason'],
          code: 'required',
          message: `end_of_study reason is required when the status is ${status}`,
        },
      ],
    });
  });

  test.each([
    ['completed', 'completed'],
    ['withdrawn', 'withdrawn'],
    ['lost_to_follow_up', 'withdrawn'],
    ['died', 'withdrawn'],
  ])('%s ends the subject as %s', (status, subjectStatus) => {
    expect(END_OF_STUDY.subjectUpdate?.({ status, date: '2026-06-01' })).toEqual({ status: subjectStatus });
  });

  test('is collected on its date', () => {
    expect(END_OF_STUDY.collectedOn?.({ status: 'completed', date: '2027-03-08' })).toBe('2027-03-08');
  });
});
