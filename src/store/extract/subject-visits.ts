// Each subject's visits in the cohort: outcome values, dates of assessment, the other outcomes' scores.
import type { CohortSubject, CohortVisit, VisitValues } from '../../analysis/study/cohort.js';
import type { StudyDefinition } from '../../protocol/index.js';
import type { RowsOf } from './cohort-queries.js';
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

/** Records the outcome values of each visit seen by its forms. */
export function addOutcomeVisits(
  subjects: Map<string, CohortSubject>,
  perVisit: RowsOf<'perVisit'>,
  visits: CohortVisit[],
  intern: Intern,
): void {
  const medVisits = new Set(visits.filter((v) => v.collectsMedication).map((v) => v.code));
  for (const r of perVisit.rows) {
    const s = subjects.get(r.study_id);
    // A visit counts as seen by its forms; an end-of-study or adverse event form alone is not a visit.
    if (!s || !r.seen) continue;
    // A visit's medication review without any opioid counts as "no opioid", MME 0.
    const reviewed = medVisits.has(r.visit);
    const values = visitValues(
      r.pain === null ? null : Number(r.pain),
      r.odi === null ? null : Number(r.odi),
      r.mme_unknown ? null : r.mme !== null ? Number(r.mme) : reviewed ? 0 : null,
      r.opioid !== null ? r.opioid : reviewed ? false : null,
    );
    if (reviewed) {
      values.opioidsTaken = r.taken ?? [];
      values.opioidsStopped = (r.stopped ?? []).map((x) => {
        const [drug = '', stopDate = ''] = x.split(' ');
        return { drug, stopDate };
      });
    }
    s.visits.set(intern(r.visit), values);
  }
}

/** Records each visit's assessment date: a visit done on a recorded date is seen, with or without forms. */
export function addVisitDates(
  subjects: Map<string, CohortSubject>,
  visitDates: RowsOf<'visitDates'>,
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
