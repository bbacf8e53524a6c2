import { describe, expect, test } from 'vitest';
import { SACROPLASTY_SIF } from './default-protocol.js';
import { getVisit, leavingInstruments, subjectInstrument, visitCodes, visitInstruments } from './visits.js';

describe('default protocol sacroplasty-sif', () => {
  test('has the reference study visits in order', () => {
    expect(SACROPLASTY_SIF).toMatchObject({ id: 'sacroplasty-sif', version: '1.0.0' });
    expect(visitCodes(SACROPLASTY_SIF)).toEqual([
      'baseline',
      'procedure',
      'post30min',
      'week2',
      'week4',
      'week12',
      'week24',
      'week52',
    ]);
  });

  test.each([
    ['week2', 14, 3],
    ['week4', 28, 7],
    ['week12', 84, 14],
    ['week24', 168, 28],
    ['week52', 364, 42],
  ])('%s is %d days after the procedure, ±%d days (registry rule)', (code, days, pm) => {
    expect(getVisit(SACROPLASTY_SIF, code)).toMatchObject({
      anchor: 'procedure',
      offset: { days },
      window: { before: { days: pm }, after: { days: pm } },
    });
  });

  test('post30min runs 15–120 minutes after the procedure end', () => {
    const v = getVisit(SACROPLASTY_SIF, 'post30min');
    const target = v.offset.minutes ?? 0;
    expect([target - (v.window?.before.minutes ?? 0), target + (v.window?.after.minutes ?? 0)]).toEqual([
      15, 120,
    ]);
  });

  test('follow-ups collect pain, disability, analgesics and adverse events; week 52 adds satisfaction', () => {
    for (const code of ['week2', 'week4', 'week12', 'week24', 'week52']) {
      expect(getVisit(SACROPLASTY_SIF, code).instruments).toEqual(
        expect.arrayContaining(['pain', 'odi', 'analgesic', 'adverse_event']),
      );
    }
    expect(getVisit(SACROPLASTY_SIF, 'week52').instruments).toEqual(
      expect.arrayContaining(['satisfaction', 'osteoporosis_care', 'end_of_study']),
    );
    expect(getVisit(SACROPLASTY_SIF, 'week12').instruments).toEqual(
      expect.arrayContaining(['osteoporosis_care', 'physical_therapy']),
    );
  });

  test('repeating instruments may be added at any visit after baseline', () => {
    expect(visitInstruments(SACROPLASTY_SIF, 'post30min')).toEqual([
      'pain',
      'adverse_event',
      'analgesic',
      'end_of_study',
    ]);
    expect(visitInstruments(SACROPLASTY_SIF, 'baseline')).not.toContain('adverse_event');
  });

  test('a subject may leave at any visit: the end-of-study form is allowed at every visit', () => {
    for (const visit of SACROPLASTY_SIF.visits) {
      expect(visitInstruments(SACROPLASTY_SIF, visit.code)).toContain('end_of_study');
    }
  });

  test('an unknown visit throws UNKNOWN_VISIT listing the visits', () => {
    expect(() => getVisit(SACROPLASTY_SIF, 'week8')).toThrow(
      /visit week8 is not in protocol sacroplasty-sif \(visits: baseline, /,
    );
  });
});

describe('instrument flags, not names, tell the registry which forms create and end a subject', () => {
  test('the enrollment form creates the subject at baseline, naming its study id and site items', () => {
    const { visit, def } = subjectInstrument(SACROPLASTY_SIF);
    expect([visit, def.id, def.createsSubject]).toEqual([
      'baseline',
      'enrollment',
      { studyIdItem: 'study_id', siteItem: 'site' },
    ]);
  });

  test('the end-of-study form ends participation', () => {
    expect(leavingInstruments(SACROPLASTY_SIF).map((d) => d.id)).toEqual(['end_of_study']);
  });
});
