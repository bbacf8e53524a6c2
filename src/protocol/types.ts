import type { ScoringOptions } from '../instruments/index.js';

/** A length of time in whole days and/or minutes; an absent part is 0. */
export interface Duration {
  days?: number;
  minutes?: number;
}

/** What a visit's target is counted from: the enrolment day or the procedure (index date / end time). */
export type VisitAnchor = 'enrolment' | 'procedure';

/** How far before and after the target a visit still counts as on time; both ends inclusive. */
export interface VisitWindow {
  before: Duration;
  after: Duration;
}

/**
 * One protocol visit. A visit whose offset or window uses `minutes` is scheduled to the minute from
 * the procedure end time; all others are scheduled in calendar days from a date.
 */
export interface Visit {
  code: string;
  label: string;
  anchor: VisitAnchor;
  offset: Duration;
  /** null: no window; the visit is simply due from its target day until done (baseline, procedure). */
  window: VisitWindow | null;
  /** Instruments collected at this visit. */
  instruments: readonly string[];
}

/**
 * A study protocol as data:
 * `{ id, version (semver), title, rules, visits[], anyVisit[] }`.
 * - `rules`: the protocol's scoring registry rules (max missing ODI sections, MME table version).
 * - `visits`: in schedule order; the first visit collects the `enrollment` form that creates a subject.
 * - `anyVisit`: repeating instruments (adverse events, analgesics) that may be recorded at every
 *   visit after the first, in addition to each visit's own list.
 */
export interface Protocol {
  id: string;
  version: string;
  title: string;
  rules: ScoringOptions;
  visits: readonly Visit[];
  anyVisit: readonly string[];
  /** ePRO invitation timing (schema.ts DEFAULT_EPRO when absent). */
  epro?: { reminderDays: readonly number[]; linkLifetimeDays: number } | undefined;
}
