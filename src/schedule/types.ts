/** What the schedule needs to know about a subject. */
export interface ScheduleSubject {
  /** Enrolment day, YYYY-MM-DD. */
  enrolledOn: string;
  /** Planned or actual procedure day, YYYY-MM-DD; null while none is set. */
  indexDate: string | null;
  /** When the procedure ended, ISO datetime with offset; anchors minute-granular visits (post30min). */
  procedureEndAt?: string | null | undefined;
  /** The day the subject left the study (the end-of-study form's date); later visits are not due. */
  endedOn?: string | null | undefined;
}

/** Day visits are scheduled in calendar days; minute visits (offset or window in minutes) to the minute. */
export type Granularity = 'day' | 'minute';

/**
 * Where a visit falls for one subject. Day visits give dates `YYYY-MM-DD`; minute visits give ISO
 * datetimes in UTC. Window ends are inclusive; both are null for a visit without a window.
 */
export interface VisitTiming {
  visit: string;
  granularity: Granularity;
  target: string;
  windowStart: string | null;
  windowEnd: string | null;
}

/**
 * - `upcoming`: before the window opens (or, without a window, before the target day)
 * - `open`: window open and nothing recorded yet, up to and including the target day (minute: target
 *   minute); the worklist's state. Not the analysis' "due" (window closed, or seen: study-timing.ts)
 * - `overdue`: after the target but the window is still open
 * - `missed`: window closed and not done
 * - `done_in_window` / `done_out_of_window`: collected, inside or outside the window
 * - `not_scheduled`: the anchor is unknown (no index date; no procedure end time for minute visits)
 * - `ended`: not collected, and its target falls after the day the subject left the study
 */
export type VisitStatus =
  | 'upcoming'
  | 'open'
  | 'overdue'
  | 'missed'
  | 'done_in_window'
  | 'done_out_of_window'
  | 'not_scheduled'
  | 'ended';

export interface ScheduledVisit {
  visit: string;
  target: string | null;
  windowStart: string | null;
  windowEnd: string | null;
  status: VisitStatus;
}
