import { describe, expect, test } from 'vitest';
import { SACROPLASTY_SIF } from '../protocol/index.js';
import { dayOfVisit, dueForAnalysis, visitDays, windowClosedBy, windowStatus } from './study-timing.js';
import { visitSchedule } from './visit-schedule.js';

const byCode = (code: string) => visitDays(SACROPLASTY_SIF).find((v) => v.code === code)!;

describe('visit timing in days after the index date (one rule for the analysis and the demo)', () => {
  test('the default protocol: nominal days and windows from the protocol, 30 minutes on day 0', () => {
    expect(visitDays(SACROPLASTY_SIF).map((v) => [v.code, v.day, v.windowStartDay, v.windowEndDay])).toEqual([
      ['baseline', null, null, null],
      ['procedure', 0, 0, 0],
      ['post30min', 0, 0, 0],
      ['week2', 14, 11, 17],
      ['week4', 28, 21, 35],
      ['week12', 84, 70, 98],
      ['week24', 168, 140, 196],
      ['week52', 364, 322, 406],
    ]);
  });

  test('due for the analysis: window closed by the report date, or seen', () => {
    const week2 = byCode('week2');
    // Window 13–19 March: open through its last day, closed from the 20th (the worklist's `missed`).
    expect(windowClosedBy(week2, '2026-03-02', '2026-03-19')).toBe(false);
    expect(windowClosedBy(week2, '2026-03-02', '2026-03-20')).toBe(true);
    expect(dueForAnalysis(week2, '2026-03-02', '2026-03-05', true)).toBe(true);
    expect(dueForAnalysis(week2, '2026-03-02', '2026-03-05', false)).toBe(false);
    expect(dueForAnalysis(week2, null, '2027-03-05', false)).toBe(false);
  });

  test('early, in window, late: by the recorded date when there is one, the nominal day otherwise', () => {
    const week2 = byCode('week2');
    expect(windowStatus(week2, dayOfVisit(week2, '2026-03-02', '2026-03-12')!)).toBe('early');
    expect(windowStatus(week2, dayOfVisit(week2, '2026-03-02', '2026-03-13')!)).toBe('in_window');
    expect(windowStatus(week2, dayOfVisit(week2, '2026-03-02', '2026-03-19')!)).toBe('in_window');
    expect(windowStatus(week2, dayOfVisit(week2, '2026-03-02', '2026-03-20')!)).toBe('late');
    expect(dayOfVisit(week2, '2026-03-02', null)).toBe(14);
  });
});

describe('the analysis and the pages agree on the 30-minute visit without a procedure end time', () => {
  // The report counts it due once its window closed (windowClosedBy); the grid calls it missed then.
  test.each(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-06-01'])('on %s', (asOf) => {
    const subject = { enrolledOn: '2026-02-20', indexDate: '2026-03-02' };
    const status = visitSchedule(SACROPLASTY_SIF, subject, {}, new Date(`${asOf}T12:00:00Z`)).find(
      (v) => v.visit === 'post30min',
    )?.status;
    expect(status === 'missed').toBe(windowClosedBy(byCode('post30min'), '2026-03-02', asOf));
    expect(status).toBe(asOf < '2026-03-02' ? 'upcoming' : asOf === '2026-03-02' ? 'open' : 'missed');
  });
});
