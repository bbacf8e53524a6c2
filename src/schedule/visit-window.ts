import { RegistryError } from '../errors.js';
import { type Duration, getVisit, type Protocol, type Visit } from '../protocol/index.js';
import {
  checkCollected,
  formatDay,
  formatMinute,
  isDateOnly,
  MINUTES_PER_DAY,
  parseDay,
  parseMinute,
} from './calendar.js';
import type { Granularity, ScheduleSubject, VisitTiming } from './types.js';

/** A visit's timing as day numbers (day visits) or minute numbers (minute visits). */
export interface NumericTiming {
  granularity: Granularity;
  target: number;
  start: number | null;
  end: number | null;
}

/** A visit is minute-granular when its offset or window says `minutes` anywhere. */
export function granularityOf(visit: Visit): Granularity {
  const uses = (d: Duration | undefined) => d?.minutes !== undefined;
  return uses(visit.offset) || uses(visit.window?.before) || uses(visit.window?.after) ? 'minute' : 'day';
}

const inDays = (d: Duration) => d.days ?? 0;
const inMinutes = (d: Duration) => (d.days ?? 0) * MINUTES_PER_DAY + (d.minutes ?? 0);

/** Timing of a visit for a subject; null when its anchor is not known yet. */
export function numericTiming(visit: Visit, subject: ScheduleSubject): NumericTiming | null {
  const granularity = granularityOf(visit);
  if (visit.anchor === 'procedure' && subject.indexDate === null) return null;
  let anchor: number;
  if (granularity === 'day') {
    anchor =
      visit.anchor === 'enrolment'
        ? parseDay(subject.enrolledOn, 'enrolledOn')
        : parseDay(subject.indexDate ?? '', 'indexDate');
  } else if (visit.anchor === 'enrolment') {
    anchor = parseDay(subject.enrolledOn, 'enrolledOn') * MINUTES_PER_DAY;
  } else {
    // Minute visits count from the procedure end (post30min: 15–120 minutes after the end).
    if (!subject.procedureEndAt) return null;
    anchor = parseMinute(subject.procedureEndAt, 'procedureEndAt');
  }
  const size = granularity === 'day' ? inDays : inMinutes;
  const target = anchor + size(visit.offset);
  if (visit.window === null) return { granularity, target, start: null, end: null };
  return {
    granularity,
    target,
    start: target - size(visit.window.before),
    end: target + size(visit.window.after),
  };
}

/**
 * Timing of a visit as the schedule places it. A minute visit anchored on the procedure whose end
 * time is not known yet (the procedure form's end time is optional) falls by days on the procedure
 * day, as the study analysis counts it (study-timing.ts: post30min on day 0, its window that day;
 * CLINICAL.md: 15–120 minutes after the end): due on the procedure day, missed after it, never "not
 * yet due" for good. With the end time it is placed to the minute. Null while the anchor is unknown.
 */
export function scheduledTiming(visit: Visit, subject: ScheduleSubject): NumericTiming | null {
  const t = numericTiming(visit, subject);
  if (t || visit.anchor !== 'procedure' || subject.indexDate === null) return t;
  // Counted from the start of the procedure day, then whole days, as visitDays counts day 0.
  const m = numericTiming(visit, { ...subject, procedureEndAt: `${subject.indexDate}T00:00:00Z` });
  if (!m) return null;
  const toDay = (n: number | null) => (n === null ? null : Math.floor(n / MINUTES_PER_DAY));
  return {
    granularity: 'day',
    target: Math.floor(m.target / MINUTES_PER_DAY),
    start: toDay(m.start),
    end: toDay(m.end),
  };
}

/** Whether a collection time falls in the (inclusive) window; visits without a window take any time. */
export function collectedInWindow(t: NumericTiming, collectedAt: string, what = 'collectedAt'): boolean {
  checkCollected(collectedAt, what);
  if (t.start === null || t.end === null) return true;
  if (t.granularity === 'day') {
    // A datetime counts by the calendar date written in it (the site's own date), not by UTC.
    const day = parseDay(collectedAt.slice(0, 10), what);
    return day >= t.start && day <= t.end;
  }
  if (isDateOnly(collectedAt)) {
    // Recorded by day only: in window when that day overlaps the window's days.
    const day = parseDay(collectedAt, what);
    return day >= Math.floor(t.start / MINUTES_PER_DAY) && day <= Math.floor(t.end / MINUTES_PER_DAY);
  }
  const minute = parseMinute(collectedAt, what);
  return minute >= t.start && minute <= t.end;
}

/** Formats numeric timing as dates (day visits) or UTC datetimes (minute visits). */
export function formatTiming(visit: string, t: NumericTiming): VisitTiming {
  const f = t.granularity === 'day' ? formatDay : formatMinute;
  return {
    visit,
    granularity: t.granularity,
    target: f(t.target),
    windowStart: t.start === null ? null : f(t.start),
    windowEnd: t.end === null ? null : f(t.end),
  };
}

/** Target and window of one visit for a subject; null when the anchor is not known yet. */
export function visitWindow(
  protocol: Protocol,
  visitCode: string,
  subject: ScheduleSubject,
): VisitTiming | null {
  const t = numericTiming(getVisit(protocol, visitCode), subject);
  return t && formatTiming(visitCode, t);
}

/**
 * Whether a collection (date or ISO datetime) is inside the visit's window, edges included.
 * Throws INVALID_STATE when the visit cannot be scheduled yet (no index date / procedure end time).
 */
export function classifyCollection(
  protocol: Protocol,
  visitCode: string,
  subject: ScheduleSubject,
  collectedAt: string,
): 'in_window' | 'out_of_window' {
  const t = numericTiming(getVisit(protocol, visitCode), subject);
  if (!t) {
    const missing = subject.indexDate === null ? 'index date' : 'procedure end time';
    throw new RegistryError(
      'INVALID_STATE',
      `visit ${visitCode} has no window yet: the subject has no ${missing}`,
    );
  }
  return collectedInWindow(t, collectedAt) ? 'in_window' : 'out_of_window';
}
