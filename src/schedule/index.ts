// Visit scheduling, pure: targets, windows and due / overdue / missed / out-of-window statuses for a
// subject under a protocol. The clock is always passed in.
export { daysBetween, formatDay, isRealDate, parseDay } from './calendar.js';
export type { Granularity, ScheduledVisit, ScheduleSubject, VisitStatus, VisitTiming } from './types.js';
export { visitSchedule } from './visit-schedule.js';
export { classifyCollection, granularityOf, visitWindow } from './visit-window.js';
