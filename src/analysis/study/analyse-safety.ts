import { clopperPearson, kaplanMeier, poissonRate } from '../index.js';
import { type Cohort, type CohortSubject, daysBetween } from './cohort.js';
import type { AdverseEventRow, CumulativeIncidenceRow, StudyReport } from './types.js';

type AdverseEvent = CohortSubject['adverseEvents'][number];

/**
 * Days of follow-up after the procedure: from the index date to the earliest of the end-of-study
 * date (any status), the report date and the close of the last visit window (index + 406 days in
 * the default protocol); never negative.
 */
export function followUpDays(cohort: Cohort, s: CohortSubject): number {
  if (s.indexDate === null) return 0;
  const lastClose = Math.max(0, ...cohort.visits.map((v) => v.windowEndDay ?? 0));
  let days = Math.min(lastClose, daysBetween(s.indexDate, cohort.asOf));
  if (s.endDate) days = Math.min(days, daysBetween(s.indexDate, s.endDate));
  return Math.max(0, days);
}

/** Events with onset in [procedure date, end of follow-up], both ends included, as days after the index date. */
function eventDays(cohort: Cohort, s: CohortSubject, has: (e: AdverseEvent) => boolean): number[] {
  // Most subjects have no event: their follow-up need not be worked out (once per AE-table row).
  if (s.indexDate === null || s.adverseEvents.length === 0) return [];
  const end = followUpDays(cohort, s);
  return s.adverseEvents.flatMap((e) => {
    if (!has(e) || !e.onsetDate) return [];
    const day = daysBetween(s.indexDate!, e.onsetDate);
    return day >= 0 && day <= end ? [day] : [];
  });
}

const PERSON_YEAR_DAYS = 365.25;

/** The rows of the AE table: any, serious, major (SIR), then each term. */
function aeKinds(cohort: Cohort): { event: string; label: string; has: (e: AdverseEvent) => boolean }[] {
  return [
    { event: 'any', label: 'Any adverse event', has: () => true },
    { event: 'serious', label: 'Serious adverse event', has: (e) => e.serious === true },
    { event: 'major', label: 'Major complication (SIR)', has: (e) => e.sirClass === 'major' },
    ...cohort.aeTerms.map((t) => ({
      event: t.code,
      label: t.label,
      has: (e: AdverseEvent) => e.term === t.code,
    })),
  ];
}

/** Every event in follow-up of treated subjects, once per AE-table row it counts in (for checking in R). */
export function adverseEventDays(cohort: Cohort): { studyId: string; event: string; day: number }[] {
  const kinds = aeKinds(cohort);
  return cohort.subjects
    .filter((s) => s.treated)
    .flatMap((s) =>
      kinds.flatMap((k) =>
        eventDays(cohort, s, k.has).map((day) => ({ studyId: s.studyId, event: k.event, day })),
      ),
    );
}

/**
 * Adverse event incidence among treated subjects: subjects with at least one event of each term,
 * n/N with exact (Clopper–Pearson) 95% CI; terms with no events are listed with their upper bound.
 */
export function analyseAdverseEvents(cohort: Cohort): AdverseEventRow[] {
  const treated = cohort.subjects.filter((s) => s.treated);
  const n = treated.length;
  const row = (event: string, label: string, has: (e: AdverseEvent) => boolean): AdverseEventRow => {
    const count = treated.filter((s) => s.adverseEvents.some(has)).length;
    const ci = clopperPearson(count, n);
    // Every event counts in the rate, recurrent ones included.
    const events = treated.reduce((a, s) => a + eventDays(cohort, s, has).length, 0);
    const rate = poissonRate(events, personYears / 100);
    return {
      event,
      label,
      count,
      rate: n ? count / n : 0,
      ci_low: ci.ci_low,
      ci_high: ci.ci_high,
      person_years: personYears,
      events,
      rate_per_100py: rate.rate,
      rate_ci_low: rate.ci_low,
      rate_ci_high: rate.ci_high,
    };
  };
  const personYears = treated.reduce((a, s) => a + followUpDays(cohort, s), 0) / PERSON_YEAR_DAYS;
  return aeKinds(cohort).map((k) => row(k.event, k.label, k.has));
}

/** Subjects with at least one adverse event of each CTCAE-style grade 1–5. */
export function analyseSeverity(cohort: Cohort): StudyReport['adverse_events_by_severity'] {
  const treated = cohort.subjects.filter((s) => s.treated);
  return [1, 2, 3, 4, 5].map((grade) => {
    const count = treated.filter((s) => s.adverseEvents.some((e) => e.grade === grade)).length;
    const ci = clopperPearson(count, treated.length);
    return {
      grade,
      count,
      rate: treated.length ? count / treated.length : 0,
      ci_low: ci.ci_low,
      ci_high: ci.ci_high,
    };
  });
}

/**
 * Cumulative incidence of a first adverse event (any, serious) at 30 days and 1 year: 1 − Kaplan–Meier
 * of the time to the first event with onset in follow-up, censored at the end of follow-up; the CI
 * is R's default log CI of S mapped through (low = 1 − upper, high = 1 − lower). Null beyond the
 * longest follow-up.
 */
export function analyseCumulativeIncidence(cohort: Cohort): CumulativeIncidenceRow[] {
  const treated = cohort.subjects.filter((s) => s.treated && s.indexDate !== null);
  const kinds = [
    ['any', () => true],
    ['serious', (e: AdverseEvent) => e.serious === true],
  ] as const;
  return kinds.flatMap(([event, has]) => {
    const time: number[] = [];
    const status: (0 | 1)[] = [];
    for (const s of treated) {
      const days = eventDays(cohort, s, has);
      time.push(days.length ? Math.min(...days) : followUpDays(cohort, s));
      status.push(days.length ? 1 : 0);
    }
    const km = kaplanMeier(time, status);
    const longest = time.length ? Math.max(...time) : -1;
    return ([30, 365] as const).map((day) => {
      if (day > longest) return { event, day, incidence: null, ci_low: null, ci_high: null };
      const step = km.steps.filter((x) => x.time <= day).at(-1);
      if (!step) return { event, day, incidence: 0, ci_low: 0, ci_high: 0 };
      return {
        event,
        day,
        incidence: 1 - step.surv,
        ci_low: step.upper === null ? null : 1 - step.upper,
        ci_high: step.lower === null ? null : 1 - step.lower,
      };
    });
  });
}
