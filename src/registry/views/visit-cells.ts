import { getVisit, type Protocol } from '../../protocol/index.js';
import { type ScheduledVisit, type VisitStatus, visitSchedule } from '../../schedule/index.js';

/**
 * What a participants × visits cell shows (issue 8 §3.2). From the schedule (schedule/, the rule the
 * report uses) for a visit not collected: `not_yet_due` (window not open yet, or not schedulable yet),
 * `due` (a visit without a window, baseline or procedure, from its day until recorded), `in_window`
 * (window open, on or before the target), `overdue` (past the target, window still open), `missed`
 * (window closed, or recorded missed with a reason), `ended` (targeted after the subject left). For a
 * visit collected: `done` / `done_out_of_window`, then `signed` when every form there is signed,
 * `locked` when every form is locked, and `open_query` above all while a query there is open.
 */
export const CELL_STATES = [
  'not_yet_due',
  'due',
  'in_window',
  'overdue',
  'missed',
  'ended',
  'done',
  'done_out_of_window',
  'signed',
  'locked',
  'open_query',
] as const;
export type CellState = (typeof CELL_STATES)[number];

/** A subject as the pages need it: the subject row, the end-of-study day and its progress row. */
export interface SubjectFacts {
  studyId: string;
  siteId: string;
  status: string;
  enrolledOn: string;
  indexDate: string | null;
  /** The day the subject left (the date of the form that ends participation), else null. */
  endedOn: string | null;
  /** Visits seen by their forms (the report's rule), with a form not signed, not locked. */
  seen: readonly string[];
  unsigned: readonly string[];
  unlocked: readonly string[];
  /** Dates of the visits recorded done, and the visits recorded missed. */
  visitDates: Readonly<Record<string, string>>;
  missed: readonly string[];
}

export interface VisitCell {
  visit: string;
  state: CellState;
  /** The schedule's own status (schedule/ VisitStatus). */
  schedule: VisitStatus;
  target: string | null;
  windowStart: string | null;
  windowEnd: string | null;
  /** Date recorded for the visit, when there is one. */
  visitDate: string | null;
  openQueries: number;
  /** Source data verification of the visit's entered forms (sdv.ts); null: none entered, or not read. */
  sdv: 'none' | 'partial' | 'verified' | null;
}

const OPEN_STATES: ReadonlySet<CellState> = new Set(['not_yet_due', 'due', 'in_window', 'overdue']);

/** True for a cell still to be done (not collected, not missed, not ended). */
export function isOutstanding(cell: VisitCell): boolean {
  return OPEN_STATES.has(cell.state);
}

function baseState(protocol: Protocol, s: ScheduledVisit, seen: boolean, missed: boolean): CellState {
  switch (s.status) {
    case 'done_in_window':
      return 'done';
    case 'done_out_of_window':
      return 'done_out_of_window';
    case 'not_scheduled':
      // Seen where the schedule cannot place the visit yet (no procedure end time): done.
      return seen ? 'done' : missed ? 'missed' : 'not_yet_due';
    case 'ended':
      return missed ? 'missed' : 'ended';
    case 'missed':
      return 'missed';
    case 'upcoming':
      return missed ? 'missed' : 'not_yet_due';
    case 'open':
      if (missed) return 'missed';
      return getVisit(protocol, s.visit).window === null ? 'due' : 'in_window';
    case 'overdue':
      return missed ? 'missed' : 'overdue';
  }
}

/**
 * Every protocol visit of one subject as a cell at `now`. A visit is collected when it is seen by
 * its forms or recorded done; it is placed in or out of its window by its recorded date, or at its
 * nominal day when none is recorded (as the study report counts it). `openQueries` maps a visit to
 * its open queries.
 */
export function visitCells(
  protocol: Protocol,
  subject: SubjectFacts,
  now: Date,
  openQueries: ReadonlyMap<string, number> = new Map(),
): VisitCell[] {
  const scheduled = {
    enrolledOn: subject.enrolledOn,
    indexDate: subject.indexDate,
    endedOn: subject.endedOn,
  };
  const seen = new Set(subject.seen);
  for (const v of Object.keys(subject.visitDates)) seen.add(v);
  const unsigned = new Set(subject.unsigned);
  const unlocked = new Set(subject.unlocked);
  const missed = new Set(subject.missed);
  return visitSchedule(protocol, scheduled, subject.visitDates, now).map((s) => {
    const collected = seen.has(s.visit);
    // Seen without a recorded date: at its nominal day, so in its window (as the report counts it).
    const timing: ScheduledVisit =
      collected && !Object.hasOwn(subject.visitDates, s.visit) && s.status !== 'not_scheduled'
        ? { ...s, status: 'done_in_window' }
        : s;
    let state = baseState(protocol, timing, collected, missed.has(s.visit));
    const queries = openQueries.get(s.visit) ?? 0;
    if (collected) {
      const formsThere = subject.seen.includes(s.visit);
      if (queries > 0) state = 'open_query';
      else if (formsThere && !unlocked.has(s.visit)) state = 'locked';
      else if (formsThere && !unsigned.has(s.visit)) state = 'signed';
    }
    return {
      visit: s.visit,
      state,
      schedule: timing.status,
      target: s.target,
      windowStart: s.windowStart,
      windowEnd: s.windowEnd,
      visitDate: subject.visitDates[s.visit] ?? null,
      openQueries: queries,
      sdv: null,
    };
  });
}

/** The earliest target (its date) among a subject's outstanding visits; null when none is left. */
export function nextDue(cells: readonly VisitCell[]): string | null {
  let next: string | null = null;
  for (const c of cells) {
    if (!isOutstanding(c) || c.target === null) continue;
    const day = c.target.slice(0, 10);
    if (next === null || day < next) next = day;
  }
  return next;
}
