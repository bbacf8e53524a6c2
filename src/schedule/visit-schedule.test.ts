import { describe, expect, test } from 'vitest';
import { type Protocol, SACROPLASTY_SIF } from '../protocol/index.js';
import type { ScheduleSubject, VisitStatus } from './types.js';
import { visitSchedule } from './visit-schedule.js';

const SUBJECT: ScheduleSubject = {
  enrolledOn: '2026-02-20',
  indexDate: '2026-03-02',
  procedureEndAt: '2026-03-02T10:00:00Z',
};

/** Status of one visit at a fixed clock. */
function statusAt(
  visit: string,
  now: string,
  done: Record<string, string> = {},
  subject = SUBJECT,
): VisitStatus | undefined {
  return visitSchedule(SACROPLASTY_SIF, subject, done, new Date(now)).find((v) => v.visit === visit)?.status;
}

describe('visitSchedule statuses for a day window (week2: 13–19 March, target 16 March)', () => {
  test.each([
    ['2026-03-12T23:59:59Z', 'upcoming'],
    ['2026-03-13T00:00:00Z', 'open'],
    ['2026-03-16T23:59:59Z', 'open'],
    ['2026-03-17T00:00:00Z', 'overdue'],
    ['2026-03-19T23:59:59Z', 'overdue'],
    ['2026-03-20T00:00:00Z', 'missed'],
  ])('at %s it is %s', (now, status) => {
    expect(statusAt('week2', now)).toBe(status);
  });

  test.each([
    ['2026-03-13', 'done_in_window'],
    ['2026-03-19', 'done_in_window'],
    ['2026-03-12', 'done_out_of_window'],
    ['2026-03-20T08:00:00Z', 'done_out_of_window'],
  ])('collected on %s it is %s, whatever the clock says', (collected, status) => {
    expect(statusAt('week2', '2026-05-01T00:00:00Z', { week2: collected })).toBe(status);
  });
});

describe('visitSchedule statuses for a minute window (post30min: 10:15–12:00, target 10:30)', () => {
  test.each([
    ['2026-03-02T10:14:59Z', 'upcoming'],
    ['2026-03-02T10:15:00Z', 'open'],
    ['2026-03-02T10:30:59Z', 'open'],
    ['2026-03-02T10:31:00Z', 'overdue'],
    ['2026-03-02T12:00:59Z', 'overdue'],
    ['2026-03-02T12:01:00Z', 'missed'],
  ])('at %s it is %s', (now, status) => {
    expect(statusAt('post30min', now)).toBe(status);
  });

  test('collected 125 minutes after the end is out of window', () => {
    expect(statusAt('post30min', '2026-03-02T13:00:00Z', { post30min: '2026-03-02T12:05:00Z' })).toBe(
      'done_out_of_window',
    );
  });

  describe('without the procedure end time it falls on the procedure day, as the analysis counts it', () => {
    const subject = { enrolledOn: '2026-02-20', indexDate: '2026-03-02' };
    test.each([
      ['2026-03-01T23:59:00Z', {}, 'upcoming'],
      ['2026-03-02T00:00:00Z', {}, 'open'],
      ['2026-03-02T23:59:00Z', {}, 'open'],
      ['2026-03-03T00:00:00Z', {}, 'missed'],
      ['2026-04-30T00:00:00Z', {}, 'missed'],
      ['2026-03-05T00:00:00Z', { post30min: '2026-03-02' }, 'done_in_window'],
      ['2026-03-05T00:00:00Z', { post30min: '2026-03-02T11:00:00Z' }, 'done_in_window'],
      ['2026-03-05T00:00:00Z', { post30min: '2026-03-03' }, 'done_out_of_window'],
    ])('at %s with %j it is %s', (now, done, status) => {
      expect(statusAt('post30min', now, done, subject)).toBe(status);
    });
    test('its target and window are the procedure day', () => {
      const v = visitSchedule(SACROPLASTY_SIF, subject, {}, new Date('2026-03-02T12:00:00Z')).find(
        (x) => x.visit === 'post30min',
      );
      expect(v).toMatchObject({ target: '2026-03-02', windowStart: '2026-03-02', windowEnd: '2026-03-02' });
    });
    test('is not scheduled while the procedure day is unknown', () => {
      expect(statusAt('post30min', '2026-03-02T10:30:00Z', {}, { ...subject, indexDate: null })).toBe(
        'not_scheduled',
      );
    });
  });
});

describe('visits without a window', () => {
  test('baseline is open from enrolment until done', () => {
    expect(statusAt('baseline', '2026-02-20T00:00:00Z')).toBe('open');
    expect(statusAt('baseline', '2026-06-01T00:00:00Z')).toBe('open');
    expect(statusAt('baseline', '2026-06-01T00:00:00Z', { baseline: '2026-02-20' })).toBe('done_in_window');
  });

  test('the procedure is upcoming before its planned day, then open until recorded', () => {
    expect(statusAt('procedure', '2026-03-01T12:00:00Z')).toBe('upcoming');
    expect(statusAt('procedure', '2026-03-02T00:00:00Z')).toBe('open');
    expect(statusAt('procedure', '2026-03-03T00:00:00Z', { procedure: '2026-03-02' })).toBe('done_in_window');
  });
});

describe('visitSchedule', () => {
  test('a subject without an index date has only baseline scheduled', () => {
    const schedule = visitSchedule(
      SACROPLASTY_SIF,
      { enrolledOn: '2026-02-20', indexDate: null },
      {},
      new Date('2026-02-21'),
    );
    expect(schedule.map((v) => [v.visit, v.status])).toEqual([
      ['baseline', 'open'],
      ['procedure', 'not_scheduled'],
      ['post30min', 'not_scheduled'],
      ['week2', 'not_scheduled'],
      ['week4', 'not_scheduled'],
      ['week12', 'not_scheduled'],
      ['week24', 'not_scheduled'],
      ['week52', 'not_scheduled'],
    ]);
    expect(schedule[1]).toEqual({
      visit: 'procedure',
      target: null,
      windowStart: null,
      windowEnd: null,
      status: 'not_scheduled',
    });
  });

  test('a coordinator on 1 April sees the seen visits, the late week 2, week 4 overdue and the rest upcoming', () => {
    const done = {
      baseline: '2026-02-20',
      procedure: '2026-03-02',
      post30min: '2026-03-02T10:40:00Z',
      week2: '2026-03-21',
    };
    const schedule = visitSchedule(SACROPLASTY_SIF, SUBJECT, done, new Date('2026-04-01T09:00:00Z'));
    expect(schedule.map((v) => [v.visit, v.status])).toEqual([
      ['baseline', 'done_in_window'],
      ['procedure', 'done_in_window'],
      ['post30min', 'done_in_window'],
      ['week2', 'done_out_of_window'],
      ['week4', 'overdue'],
      ['week12', 'upcoming'],
      ['week24', 'upcoming'],
      ['week52', 'upcoming'],
    ]);
    expect(schedule[4]).toEqual({
      visit: 'week4',
      target: '2026-03-30',
      windowStart: '2026-03-23',
      windowEnd: '2026-04-06',
      status: 'overdue',
    });
  });

  test('week 52 across the new year: open until 4 January, missed after 15 February', () => {
    const subject = { enrolledOn: '2024-12-20', indexDate: '2025-01-05' };
    expect(statusAt('week52', '2025-11-22T12:00:00Z', {}, subject)).toBe('upcoming');
    expect(statusAt('week52', '2025-12-31T12:00:00Z', {}, subject)).toBe('open');
    expect(statusAt('week52', '2026-01-04T12:00:00Z', {}, subject)).toBe('open');
    expect(statusAt('week52', '2026-02-15T12:00:00Z', {}, subject)).toBe('overdue');
    expect(statusAt('week52', '2026-02-16T00:00:00Z', {}, subject)).toBe('missed');
  });

  test('supports visits before the anchor (negative offsets) in other protocols', () => {
    const protocol: Protocol = {
      ...SACROPLASTY_SIF,
      visits: [
        ...SACROPLASTY_SIF.visits.slice(0, 1),
        {
          code: 'preop',
          label: 'Pre-operative check',
          anchor: 'procedure',
          offset: { days: -7 },
          window: { before: { days: 7 }, after: { days: 6 } },
          instruments: ['pain'],
        },
      ],
    };
    expect(visitSchedule(protocol, SUBJECT, {}, new Date('2026-02-24T08:00:00Z'))[1]).toEqual({
      visit: 'preop',
      target: '2026-02-23',
      windowStart: '2026-02-16',
      windowEnd: '2026-03-01',
      status: 'overdue',
    });
  });

  test('ignores done entries for visits the protocol does not have', () => {
    const schedule = visitSchedule(SACROPLASTY_SIF, SUBJECT, { week8: '2026-04-27' }, new Date('2026-02-21'));
    expect(schedule).toHaveLength(8);
  });
});
