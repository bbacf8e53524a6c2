import { describe, expect, test } from 'vitest';
import { ADVERSE_EVENT, AE_TERMS } from './adverse-event.js';
import { parseAnswers } from './answers.js';

const BASE = { term: 'pain_flare', onset_date: '2026-03-12' };

describe('adverse_event', () => {
  test('codes cement extravasation by site', () => {
    expect(AE_TERMS.map(([code]) => code)).toEqual(
      expect.arrayContaining([
        'cement_extravasation_foraminal',
        'cement_extravasation_venous',
        'pulmonary_cement_embolism',
      ]),
    );
  });

  test('a complete event parses', () => {
    const raw = {
      ...BASE,
      reported_by: 'patient',
      serious: 'false',
      severity_grade: '2',
      relation: 'probable',
      device_related: 'false',
      action: 'medication',
      outcome: 'recovered',
      resolution_date: '2026-03-20',
      sir_class: 'minor',
    };
    expect(parseAnswers(ADVERSE_EVENT, raw).ok).toBe(true);
  });

  test.each([
    [
      { severity_grade: '5', outcome: 'recovered' },
      'adverse_event outcome recovered contradicts severity grade 5 (death)',
    ],
    [
      { severity_grade: '3', outcome: 'fatal' },
      'adverse_event outcome fatal requires severity grade 5, not 3',
    ],
  ])('grade 5 and a fatal outcome go together: %j', (extra, message) => {
    expect(parseAnswers(ADVERSE_EVENT, { ...BASE, ...extra })).toEqual({
      ok: false,
      issues: [{ path: ['outcome'], code: 'inconsistent', message }],
    });
  });

  test('grade 5 with a fatal outcome is consistent', () => {
    expect(
      parseAnswers(ADVERSE_EVENT, { ...BASE, term: 'death', severity_grade: '5', outcome: 'fatal' }).ok,
    ).toBe(true);
  });

  test('resolution before onset is an issue on resolution_date', () => {
    expect(parseAnswers(ADVERSE_EVENT, { ...BASE, resolution_date: '2026-03-01' })).toMatchObject({
      ok: false,
      issues: [{ path: ['resolution_date'], code: 'out_of_order' }],
    });
  });

  test('an "other" event needs its term written out', () => {
    expect(parseAnswers(ADVERSE_EVENT, { ...BASE, term: 'other' })).toMatchObject({
      ok: false,
      issues: [{ path: ['term_other'], code: 'required' }],
    });
  });

  test('grade 6 is out of range', () => {
    expect(parseAnswers(ADVERSE_EVENT, { ...BASE, severity_grade: '6' })).toMatchObject({
      ok: false,
      issues: [{ path: ['severity_grade'], code: 'too_big' }],
    });
  });
});
