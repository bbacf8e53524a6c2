import type { Protocol } from '../protocol/index.js';
import { daysBetween, MINUTES_PER_DAY } from './calendar.js';
import { scheduledTiming } from './visit-window.js';

/**
 * A protocol visit's timing in whole days after the index date (the procedure day), as the study
 * analysis counts it. Minute visits (post30min) fall on the day of their target: day 0.
 */
export interface VisitDays {
  code: string;
  label: string;
  /** Nominal (target) day after the index date; null for visits anchored on enrolment (baseline). */
  day: number | null;
  /** First and last day of the window (inclusive); a visit without a window has both on its day. */
  windowStartDay: number | null;
  windowEndDay: number | null;
}

/** Where a visit was done against its window. */
export type WindowStatus = 'early' | 'in_window' | 'late';

// Day 0 of the count: any index date works, as days are counted from it.
// No procedure end time: minute visits fall on their day as the schedule places them (scheduledTiming).
const ORIGIN = { enrolledOn: '1970-01-01', indexDate: '1970-01-01' };

/** Every visit of the protocol with its nominal day and window in days after the index date. */
export function visitDays(protocol: Protocol): VisitDays[] {
  return protocol.visits.map((v) => {
    if (v.anchor !== 'procedure') {
      return { code: v.code, label: v.label, day: null, windowStartDay: null, windowEndDay: null };
    }
    const t = scheduledTiming(v, ORIGIN)!;
    const toDay = (n: number) => (t.granularity === 'day' ? n : Math.floor(n / MINUTES_PER_DAY));
    const day = toDay(t.target);
    return {
      code: v.code,
      label: v.label,
      day,
      windowStartDay: t.start === null ? day : toDay(t.start),
      windowEndDay: t.end === null ? day : toDay(t.end),
    };
  });
}

/**
 * Whether a visit's window had closed by the report date for a subject with this index date: the
 * report date is after the window's last day (the day the worklist calls the visit `missed`). With `seen`, this is when the analysis counts a visit as due: its window has closed,
 * or it was seen (the participant flow's "expected" builds on it). Not the worklist's `open` state.
 */
export function windowClosedBy(v: VisitDays, indexDate: string, asOf: string): boolean {
  if (v.day === null) return false;
  return daysBetween(indexDate, asOf) > (v.windowEndDay ?? v.day);
}

/** The analysis' "due" at a visit: seen there, or its window closed by the report date. */
export function dueForAnalysis(v: VisitDays, indexDate: string | null, asOf: string, seen: boolean): boolean {
  return seen || (indexDate !== null && windowClosedBy(v, indexDate, asOf));
}

/** Whether `asOf` is at least `day` days after the index date (a KPI's or a visit's time point). */
export function reachedDay(indexDate: string, asOf: string, day: number): boolean {
  return daysBetween(indexDate, asOf) >= day;
}

/**
 * The day after the index date a visit took place: its recorded date when there is one, its
 * nominal day otherwise. Null for visits before the procedure.
 */
export function dayOfVisit(v: VisitDays, indexDate: string, visitDate?: string | null): number | null {
  if (visitDate) return daysBetween(indexDate, visitDate);
  return v.day;
}

/** Early, in window or late for a visit done on `doneDay` after the index date (window edges inclusive). */
export function windowStatus(v: VisitDays, doneDay: number): WindowStatus {
  if (v.windowStartDay !== null && doneDay < v.windowStartDay) return 'early';
  if (v.windowEndDay !== null && doneDay > v.windowEndDay) return 'late';
  return 'in_window';
}
