import { afterEach, describe, expect, test } from 'vitest';
import { SACROPLASTY_SIF } from '../protocol/index.js';
import type { ScheduleSubject } from './types.js';
import { classifyCollection, visitWindow } from './visit-window.js';

const SUBJECT: ScheduleSubject = {
  enrolledOn: '2026-02-20',
  indexDate: '2026-03-02',
  procedureEndAt: '2026-03-02T10:00:00Z',
};

describe('visitWindow', () => {
  test.each([
    ['baseline', '2026-02-20', null, null],
    ['procedure', '2026-03-02', null, null],
    ['week2', '2026-03-16', '2026-03-13', '2026-03-19'],
    ['week4', '2026-03-30', '2026-03-23', '2026-04-06'],
    ['week12', '2026-05-25', '2026-05-11', '2026-06-08'],
    ['week24', '2026-08-17', '2026-07-20', '2026-09-14'],
    ['week52', '2027-03-01', '2027-01-18', '2027-04-12'],
  ])('%s: target %s, window %s to %s', (visit, target, windowStart, windowEnd) => {
    expect(visitWindow(SACROPLASTY_SIF, visit, SUBJECT)).toEqual({
      visit,
      granularity: 'day',
      target,
      windowStart,
      windowEnd,
    });
  });

  test('post30min is 15–120 minutes after the procedure end, to the minute', () => {
    expect(visitWindow(SACROPLASTY_SIF, 'post30min', SUBJECT)).toEqual({
      visit: 'post30min',
      granularity: 'minute',
      target: '2026-03-02T10:30:00.000Z',
      windowStart: '2026-03-02T10:15:00.000Z',
      windowEnd: '2026-03-02T12:00:00.000Z',
    });
  });

  test('reads a procedure end time given with an offset', () => {
    const subject = { ...SUBJECT, procedureEndAt: '2026-03-02T05:00:00-05:00' };
    expect(visitWindow(SACROPLASTY_SIF, 'post30min', subject)?.target).toBe('2026-03-02T10:30:00.000Z');
  });

  test('a procedure on 15 February of a leap year has week 2 on 29 February', () => {
    const subject = { enrolledOn: '2024-02-01', indexDate: '2024-02-15' };
    expect(visitWindow(SACROPLASTY_SIF, 'week2', subject)).toMatchObject({
      target: '2024-02-29',
      windowStart: '2024-02-26',
      windowEnd: '2024-03-03',
    });
    expect(
      visitWindow(SACROPLASTY_SIF, 'week2', { enrolledOn: '2023-02-01', indexDate: '2023-02-15' })?.target,
    ).toBe('2023-03-01');
  });

  test('week 52 window runs across the new year', () => {
    expect(
      visitWindow(SACROPLASTY_SIF, 'week52', { enrolledOn: '2024-12-20', indexDate: '2025-01-05' }),
    ).toMatchObject({
      target: '2026-01-04',
      windowStart: '2025-11-23',
      windowEnd: '2026-02-15',
    });
  });

  test('is null for procedure-anchored visits without an index date, and post30min without an end time', () => {
    expect(visitWindow(SACROPLASTY_SIF, 'week2', { enrolledOn: '2026-02-20', indexDate: null })).toBeNull();
    expect(
      visitWindow(SACROPLASTY_SIF, 'post30min', { enrolledOn: '2026-02-20', indexDate: '2026-03-02' }),
    ).toBeNull();
  });

  test('refuses impossible dates and datetimes without an offset', () => {
    expect(() =>
      visitWindow(SACROPLASTY_SIF, 'week2', { enrolledOn: '2026-02-20', indexDate: '2026-02-30' }),
    ).toThrow('indexDate "2026-02-30" is not a real date YYYY-MM-DD');
    expect(() =>
      visitWindow(SACROPLASTY_SIF, 'post30min', { ...SUBJECT, procedureEndAt: '2026-03-02T10:00' }),
    ).toThrow(/procedureEndAt "2026-03-02T10:00" is not an ISO datetime with offset/);
  });

  test('an unknown visit throws UNKNOWN_VISIT', () => {
    expect(() => visitWindow(SACROPLASTY_SIF, 'week8', SUBJECT)).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_VISIT' }),
    );
  });

  describe('in a time zone with daylight saving', () => {
    const saved = process.env.TZ;
    afterEach(() => {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    });

    test.each(['America/New_York', 'Europe/Berlin', 'Australia/Sydney'])(
      'windows do not shift in %s',
      (tz) => {
        process.env.TZ = tz;
        // US clocks change on 8 March 2026, European on 29 March, Australian on 5 April.
        expect(
          visitWindow(SACROPLASTY_SIF, 'week4', { enrolledOn: '2026-03-01', indexDate: '2026-03-05' }),
        ).toMatchObject({
          target: '2026-04-02',
          windowStart: '2026-03-26',
          windowEnd: '2026-04-09',
        });
      },
    );
  });
});

describe('classifyCollection (window edges inclusive)', () => {
  test.each([
    ['week2', '2026-03-12', 'out_of_window'],
    ['week2', '2026-03-13', 'in_window'],
    ['week2', '2026-03-16', 'in_window'],
    ['week2', '2026-03-19', 'in_window'],
    ['week2', '2026-03-20', 'out_of_window'],
    ['week2', '2026-03-19T23:30:00-05:00', 'in_window'],
    ['week2', '2026-03-20T01:00:00+02:00', 'out_of_window'],
    ['post30min', '2026-03-02T10:14:00Z', 'out_of_window'],
    ['post30min', '2026-03-02T10:15:00Z', 'in_window'],
    ['post30min', '2026-03-02T12:00:59Z', 'in_window'],
    ['post30min', '2026-03-02T12:01:00Z', 'out_of_window'],
    ['post30min', '2026-03-02', 'in_window'],
    ['post30min', '2026-03-03', 'out_of_window'],
    ['baseline', '2026-01-01', 'in_window'],
  ] as const)('%s collected at %s is %s', (visit, collectedAt, expected) => {
    expect(classifyCollection(SACROPLASTY_SIF, visit, SUBJECT, collectedAt)).toBe(expected);
  });

  test('a visit that cannot be scheduled yet throws INVALID_STATE', () => {
    expect(() =>
      classifyCollection(
        SACROPLASTY_SIF,
        'week2',
        { enrolledOn: '2026-02-20', indexDate: null },
        '2026-03-16',
      ),
    ).toThrow('visit week2 has no window yet: the subject has no index date');
  });

  test('refuses a collection time that is neither a date nor a datetime', () => {
    expect(() => classifyCollection(SACROPLASTY_SIF, 'week2', SUBJECT, '16/03/2026')).toThrow(
      'collectedAt "16/03/2026" is not a date YYYY-MM-DD or an ISO datetime with offset',
    );
  });
});
