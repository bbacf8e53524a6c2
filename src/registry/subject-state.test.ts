import { describe, expect, test } from 'vitest';
import { END_OF_STUDY, ENROLLMENT, PAIN, PROCEDURE } from '../instruments/index.js';
import { SACROPLASTY_SIF } from '../protocol/index.js';
import { formOrder, type SubjectState, subjectStateAfter } from './subject-state.js';

const TODAY = '2026-06-30';
const ENROLLED: SubjectState = { status: 'enrolled', index_date: '2026-03-05', enrolled_on: '2026-03-02' };
const TREATED: SubjectState = { status: 'treated', index_date: '2026-03-06', enrolled_on: '2026-03-02' };

describe('subjectStateAfter: the one rule for a subject’s status, index date and enrolment day', () => {
  test('the creating form creates the subject, enrolled on its consent day with the planned index date', () => {
    const answers = {
      study_id: 'VCU-0001',
      site: 'VCU',
      consent_date: '2026-03-02',
      index_date: '2026-03-05',
    };
    expect(subjectStateAfter(null, ENROLLMENT, answers, TODAY)).toEqual(ENROLLED);
  });

  test('any other form cannot create a subject', () => {
    expect(() => subjectStateAfter(null, PAIN, { scale: 'nrs', score: 4 }, TODAY)).toThrow(
      'a pain form cannot create a subject',
    );
  });

  test('the procedure treats the subject from its actual day; a pain form changes nothing', () => {
    expect(subjectStateAfter(ENROLLED, PROCEDURE, { procedure_date: '2026-03-06' }, TODAY)).toEqual(TREATED);
    expect(subjectStateAfter(TREATED, PAIN, { scale: 'nrs', score: 4 }, TODAY)).toEqual(TREATED);
  });

  test('an amended enrolment form after the procedure keeps the actual index date, takes the new consent day', () => {
    const amended = {
      study_id: 'VCU-0001',
      site: 'VCU',
      consent_date: '2026-03-01',
      index_date: '2026-03-20',
    };
    expect(subjectStateAfter(TREATED, ENROLLMENT, amended, TODAY)).toEqual({
      ...TREATED,
      enrolled_on: '2026-03-01',
    });
  });

  test('status never moves back; an end may be corrected by the end-of-study form', () => {
    const withdrawn = subjectStateAfter(TREATED, END_OF_STUDY, { status: 'died', date: '2026-05-01' }, TODAY);
    expect(withdrawn.status).toBe('withdrawn');
    expect(subjectStateAfter(withdrawn, PROCEDURE, { procedure_date: '2026-03-06' }, TODAY).status).toBe(
      'withdrawn',
    );
    expect(
      subjectStateAfter(withdrawn, END_OF_STUDY, { status: 'completed', date: '2027-03-01' }, TODAY).status,
    ).toBe('completed');
  });

  test('forms are applied in study order: visits in protocol order, the creating form first', () => {
    const forms = [
      { visit: 'week4', def: END_OF_STUDY },
      { visit: 'baseline', def: PAIN },
      { visit: 'procedure', def: PROCEDURE },
      { visit: 'baseline', def: ENROLLMENT },
    ];
    expect(forms.sort(formOrder(SACROPLASTY_SIF)).map((f) => `${f.visit}:${f.def.id}`)).toEqual([
      'baseline:enrollment',
      'baseline:pain',
      'procedure:procedure',
      'week4:end_of_study',
    ]);
  });
});
