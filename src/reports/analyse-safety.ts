import { clopperPearson } from '../analysis/index.js';
import type { Cohort } from './cohort.js';
import type { AdverseEventRow, StudyReport } from './types.js';

/**
 * Adverse event incidence among treated subjects: subjects with at least one event of each term,
 * n/N with exact (Clopper–Pearson) 95% CI; terms with no events are listed with their upper bound.
 */
export function analyseAdverseEvents(cohort: Cohort): AdverseEventRow[] {
  const treated = cohort.subjects.filter((s) => s.treated);
  const n = treated.length;
  const row = (
    event: string,
    label: string,
    has: (s: (typeof treated)[number]) => boolean,
  ): AdverseEventRow => {
    const count = treated.filter(has).length;
    const ci = clopperPearson(count, n);
    return { event, label, count, rate: n ? count / n : 0, ci_low: ci.ci_low, ci_high: ci.ci_high };
  };
  return [
    row('any', 'Any adverse event', (s) => s.adverseEvents.length > 0),
    row('serious', 'Serious adverse event', (s) => s.adverseEvents.some((e) => e.serious === true)),
    row('major', 'Major complication (SIR)', (s) => s.adverseEvents.some((e) => e.sirClass === 'major')),
    ...cohort.aeTerms.map((t) => row(t.code, t.label, (s) => s.adverseEvents.some((e) => e.term === t.code))),
  ];
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
