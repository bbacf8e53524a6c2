import type { Protocol } from '../protocol/index.js';
import { dayOf, MINUTES_PER_DAY, minuteOf, parseDay } from './calendar.js';
import type { ScheduledVisit, ScheduleSubject, VisitStatus } from './types.js';
import { collectedInWindow, formatTiming, type NumericTiming, scheduledTiming } from './visit-window.js';

/** Status of a visit not yet done, at `now` (same unit as the timing: day or minute). */
function openStatus(t: NumericTiming, now: number): VisitStatus {
  if (t.start === null || t.end === null) return now < t.target ? 'upcoming' : 'open';
  if (now < t.start) return 'upcoming';
  if (now <= t.target) return 'open';
  if (now <= t.end) return 'overdue';
  return 'missed';
}

/**
 * Every visit of the protocol for one subject, in protocol order, with its status at `now`; once the
 * subject has left (`endedOn`), visits targeted after that day are `ended`, never due or missed.
 * `done` maps a visit code to when it was collected (YYYY-MM-DD or ISO datetime). Day visits use
 * calendar days with `now` read as a UTC date; minute visits compare whole minutes. Window edges are
 * inclusive. A minute visit without its procedure end time is placed on the procedure day
 * (`scheduledTiming`). The clock is passed in; nothing here reads the time.
 */
export function visitSchedule(
  protocol: Protocol,
  subject: ScheduleSubject,
  done: Readonly<Record<string, string>>,
  now: Date,
): ScheduledVisit[] {
  const endDay = subject.endedOn ? parseDay(subject.endedOn, 'endedOn') : null;
  return protocol.visits.map((visit) => {
    const t = scheduledTiming(visit, subject);
    if (!t)
      return { visit: visit.code, target: null, windowStart: null, windowEnd: null, status: 'not_scheduled' };
    const { target, windowStart, windowEnd } = formatTiming(visit.code, t);
    const collected = Object.hasOwn(done, visit.code) ? done[visit.code] : undefined;
    const targetDay = t.granularity === 'day' ? t.target : Math.floor(t.target / MINUTES_PER_DAY);
    const status: VisitStatus =
      collected !== undefined
        ? collectedInWindow(t, collected, `done.${visit.code}`)
          ? 'done_in_window'
          : 'done_out_of_window'
        : endDay !== null && targetDay > endDay
          ? 'ended'
          : openStatus(t, t.granularity === 'day' ? dayOf(now) : minuteOf(now));
    return { visit: visit.code, target, windowStart, windowEnd, status };
  });
}
