// Each subject's visits in the cohort: outcome values, dates of assessment, the other outcomes' scores.
import type { CohortSubject, CohortVisit, VisitValues } from '../../analysis/study/cohort.js';
import { visitMmeDay } from '../../analysis/study/visit-mme.js';
import type { StudyDefinition } from '../../protocol/index.js';
import type { RowsOf, VisitDateRow } from './cohort-queries.js';
import type { VisitTally } from './form-scan.js';
import type { Intern } from './subject-records.js';

/**
 * A visit's values with every optional property present (undefined until set): one object shape for
 * every visit of every subject, so the analysis reads them monomorphically.
 */
function visitValues(
  pain: number | null,
  odi: number | null,
  mme: number | null,
  opioid: boolean | null,
): VisitValues {
  return {
    pain,
    odi,
    mme,
    opioid,
    opioidsTaken: undefined,
    opioidsStopped: undefined,
    date: undefined,
    scores: undefined,
  } as unknown as VisitValues;
}

/**
 * Records the outcome values of each visit seen by its forms, from the scan's tallies, visits in code
 * order (as the subject's forms are keyed).
 */
export function addOutcomeVisits(
  subjects: Map<string, CohortSubject>,
  tallies: Map<string, Map<string, VisitTally>>,
  visits: CohortVisit[],
  intern: Intern,
): void {
  const medVisits = new Set(visits.filter((v) => v.collectsMedication).map((v) => v.code));
  const byInstance = (a: [number, ...unknown[]], b: [number, ...unknown[]]) => a[0] - b[0];
  const sortedCodes = visits.map((v) => v.code).sort();
  for (const [studyId, byVisit] of tallies) {
    const s = subjects.get(studyId);
    if (!s) continue;
    // The protocol's codes, sorted once; a subject with a visit outside them sorts its own.
    let known = 0;
    for (const code of sortedCodes) if (byVisit.has(code)) known++;
    const codes = known === byVisit.size ? sortedCodes : [...byVisit.keys()].sort();
    for (const visit of codes) {
      const t = byVisit.get(visit);
      if (!t) continue;
      // A visit counts as seen by its forms; an end-of-study or adverse event form alone is not a visit.
      if (!t.seen) continue;
      // A visit's medication review without any opioid counts as "no opioid", MME 0.
      const reviewed = medVisits.has(visit);
      const values = visitValues(
        t.pain,
        t.odi,
        visitMmeDay(t, reviewed),
        t.opioid !== null ? t.opioid : reviewed ? false : null,
      );
      if (reviewed) {
        values.opioidsTaken = t.taken ? t.taken.sort(byInstance).map(([, drug]) => drug as string) : [];
        values.opioidsStopped = t.stopped
          ? t.stopped.sort(byInstance).map(([, drug, stopDate]) => ({ drug, stopDate }))
          : [];
      }
      s.visits.set(intern(visit), values);
    }
  }
}

/** Records each visit's assessment date: a visit done on a recorded date is seen, with or without forms. */
export function addVisitDates(
  subjects: Map<string, CohortSubject>,
  visitDates: readonly VisitDateRow[],
  intern: Intern,
): void {
  for (const r of visitDates) {
    const s = subjects.get(r.study_id);
    if (!s) continue;
    const values = s.visits.get(r.visit);
    if (values) values.date = r.date;
    else {
      const seen = visitValues(null, null, null, null);
      seen.date = r.date;
      s.visits.set(intern(r.visit), seen);
    }
  }
}

/** Records the scores of the outcomes without a typed column on the visits already seen. */
export function addOtherOutcomes(
  subjects: Map<string, CohortSubject>,
  otherOutcomes: StudyDefinition['outcomes'],
  scores: RowsOf<'otherOutcomes'>,
): void {
  scores.forEach((rows, i) => {
    const key = otherOutcomes[i]!.key;
    for (const r of rows) {
      const values = subjects.get(r.study_id)?.visits.get(r.visit);
      if (!values || r.value === null) continue;
      values.scores = { ...values.scores, [key]: Number(r.value) };
    }
  });
}
