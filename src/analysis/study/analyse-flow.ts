import {
  dayOfVisit,
  dueForAnalysis,
  reachedDay,
  windowClosedBy,
  windowStatus,
} from '../../schedule/index.js';
import type { Cohort, CohortSubject, CohortVisit } from './cohort.js';
import type { FlowReport, StudyReport } from './types.js';

const ENDED = ['completed', 'withdrawn', 'lost_to_follow_up', 'died'];

/**
 * Whether a treated subject was due at a visit by the report date: its window has closed and the
 * subject had not left the study before the window opened.
 */
export function expectedAt(cohort: Cohort, s: CohortSubject, visitCode: string): boolean {
  const v = cohort.visits.find((x) => x.code === visitCode);
  if (!v || !s.treated || !s.indexDate) return false;
  if (v.day === null) return true;
  if (!windowClosedBy(v, s.indexDate, cohort.asOf)) return false;
  // Left the study (other than completing it) before the visit's nominal day, and not seen there.
  const left = s.endDate && s.endStatus !== 'completed' && !reachedDay(s.indexDate, s.endDate, v.day);
  return !(left && !s.visits.has(visitCode));
}

/**
 * The flow's "expected" at a visit, used wherever expected is counted (flow, completeness, ITT
 * responders): seen there, or due by `expectedAt` (window closed, not left the study before it).
 */
export function expectedInFlow(cohort: Cohort, s: CohortSubject, visitCode: string): boolean {
  return s.treated && (s.visits.has(visitCode) || expectedAt(cohort, s, visitCode));
}

/**
 * Whether a seen visit was done outside its window: by its recorded date when there is one, so a
 * visit without a date (nominal day) is in window.
 */
function outOfWindow(v: CohortVisit, s: CohortSubject): boolean {
  const done = s.visits.get(v.code);
  if (!done?.date || !s.indexDate) return false;
  return windowStatus(v, dayOfVisit(v, s.indexDate, done.date)!) !== 'in_window';
}

/** Participant flow (STROBE): screened → enrolled → treated → seen at each visit, and how subjects left. */
export function analyseFlow(cohort: Cohort): FlowReport {
  const all = cohort.subjects;
  const count = (f: (s: CohortSubject) => boolean) => all.filter(f).length;
  const reasons = new Map<string, number>();
  for (const s of all) {
    if (!s.endStatus || s.endStatus === 'completed') continue;
    const key = `${s.endStatus}\u0000${s.endReason ?? 'not given'}`;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  return {
    screened: all.length,
    eligible: count((s) => s.eligible !== false),
    enrolled: count((s) => s.status !== 'screened'),
    treated: count((s) => s.treated),
    completed: count((s) => s.endStatus === 'completed'),
    withdrawn: count((s) => s.endStatus === 'withdrawn'),
    lost_to_follow_up: count((s) => s.endStatus === 'lost_to_follow_up'),
    died: count((s) => s.endStatus === 'died'),
    ongoing: count((s) => s.status !== 'screened' && !ENDED.includes(s.endStatus ?? '')),
    by_visit: cohort.visits
      .filter((v) => v.day !== null)
      .map((v) => {
        const treated = all.filter((s) => s.treated);
        // Due (schedule/): the window has closed, or the subject was already seen there.
        const due = treated.filter((s) => dueForAnalysis(v, s.indexDate, cohort.asOf, s.visits.has(v.code)));
        const expected = due.filter((s) => expectedInFlow(cohort, s, v.code));
        const seen = expected.filter((s) => s.visits.has(v.code));
        return {
          visit: v.code,
          expected: expected.length,
          seen: seen.length,
          missed: expected.length - seen.length,
          out_of_window: seen.filter((s) => outOfWindow(v, s)).length,
          left_study: due.length - expected.length,
          not_yet_due: treated.length - due.length,
        };
      }),
    reasons: [...reasons.entries()]
      .map(([key, n]) => {
        const [status, reason] = key.split('\u0000') as [string, string];
        return { status, reason, n };
      })
      .sort((a, b) => a.status.localeCompare(b.status) || b.n - a.n),
  };
}

/** One site's completeness at one visit from its counts (the report's and the dashboard's row). */
export function completenessRow(
  site: string,
  visit: string,
  expected: number,
  seen: number,
  outOfWindow: number,
): StudyReport['completeness'][number] {
  return { site, visit, expected, seen, pct: expected ? seen / expected : null, out_of_window: outOfWindow };
}

/** Follow-up completeness: seen / expected per site and visit, "expected" as in the flow. */
export function analyseCompleteness(cohort: Cohort): StudyReport['completeness'] {
  const rows: StudyReport['completeness'] = [];
  for (const site of cohort.sites) {
    const own = cohort.subjects.filter((s) => s.site === site.id && s.treated);
    for (const v of cohort.visits.filter((x) => x.day !== null && x.day > 0)) {
      const expected = own.filter((s) => expectedInFlow(cohort, s, v.code));
      const seen = expected.filter((s) => s.visits.has(v.code));
      rows.push(
        completenessRow(
          site.id,
          v.code,
          expected.length,
          seen.length,
          seen.filter((s) => outOfWindow(v, s)).length,
        ),
      );
    }
  }
  return rows;
}
