// Visit scheduling, pure: targets, windows and open / overdue / missed / out-of-window statuses for a
// subject under a protocol, and the same timing in days after the index date for the study analysis
// (due, window closed, early / in window / late). The clock is always passed in.
export { dayOf, daysBetween, formatDay, isRealDate, parseDay } from './calendar.js';
export {
  dayOfVisit,
  dueForAnalysis,
  reachedDay,
  type VisitDays,
  visitDays,
  type WindowStatus,
  windowClosedBy,
  windowStatus,
} from './study-timing.js';
export type { Granularity, ScheduledVisit, ScheduleSubject, VisitStatus, VisitTiming } from './types.js';
export { visitSchedule } from './visit-schedule.js';
export { classifyCollection, granularityOf, visitWindow } from './visit-window.js';
