import { describe, expect, test } from 'vitest';
import { parseAnswers } from './answers.js';
import { OSTEOPOROSIS_CARE } from './osteoporosis-care.js';

describe('osteoporosis_care', () => {
  test('records DXA, vitamin D and a started bone medication', () => {
    const raw = {
      dxa_done: 'true',
      dxa_date: '2026-04-01',
      lowest_t_score: '-3.2',
      vitamin_d_25oh: '18',
      calcium_vitd_started: 'true',
      bone_med_recommended: 'true',
      bone_med: 'iv_zoledronate',
      bone_med_start_date: '2026-04-20',
      falls_risk_assessed: 'true',
    };
    expect(parseAnswers(OSTEOPOROSIS_CARE, raw)).toMatchObject({
      ok: true,
      answers: { lowest_t_score: -3.2 },
    });
  });

  test.each([
    [{ lowest_t_score: '-6.5' }, 'lowest_t_score', 'too_small'],
    [{ dxa_done: 'false', lowest_t_score: '-2' }, 'lowest_t_score', 'inconsistent'],
    [{ bone_med: 'none', bone_med_start_date: '2026-04-20' }, 'bone_med_start_date', 'inconsistent'],
  ])('refuses %j', (raw, item, code) => {
    expect(parseAnswers(OSTEOPOROSIS_CARE, raw)).toMatchObject({
      ok: false,
      issues: [{ path: [item], code }],
    });
  });
});
