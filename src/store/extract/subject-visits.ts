// Each subject's visits in the cohort: outcome values, dates of assessment, the other outcomes' scores.
import type { CohortSubject, CohortVisit, VisitValues } from '../../analysis/study/cohort.js';
import { type MmeSum, visitMmeDay } from '../../analysis/study/visit-mme.js';
import type { StudyDefinition } from '../../protocol/index.js';
import type { RowsOf, VisitDateRow } from './cohort-queries.js';
import type { VisitTallies } from './form-tally.js';
import { subjectFinder } from './subject-map.js';
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

// A review without opioids taken or stopped (most of them): one empty list for all (they are read only).
const NONE_TAKEN: readonly string[] = Object.freeze([]);
const NONE_STOPPED: NonNullable<VisitValues['opioidsStopped']> = Object.freeze([]);

/** The drugs of a flat list [instance, drug, (stop date,) …] of `size`, in instance order (ties as listed). */
function byInstance(flat: readonly unknown[], size: number): number[] {
  const order: number[] = [];
  for (let i = 0; i < flat.length; i += size) {
    let j = order.length;
    // Insertion sort: a visit lists a few drugs; stable, as the sort it replaces.
    while (j > 0 && (flat[order[j - 1]!] as number) > (flat[i] as number)) j--;
    order.splice(j, 0, i);
  }
  return order;
}

/**
 * Records the outcome values of each visit seen by its forms, from the scan's tallies, visits in code
 * order (as the subject's forms are keyed).
 */
export function addOutcomeVisits(
  subjects: Map<string, CohortSubject>,
  tallies: VisitTallies,
  visits: CohortVisit[],
  intern: Intern,
): void {
  const { codes, width } = tallies;
  const reviewedCode = codes.map((code) => visits.some((v) => v.code === code && v.collectsMedication));
  const medVisits = new Set(visits.filter((v) => v.collectsMedication).map((v) => v.code));
  // The protocol's codes in sorted order, as indexes into the tallies' codes.
  const sortedCodes = codes
    .map((_, i) => i)
    .sort((a, b) => (codes[a]! < codes[b]! ? -1 : codes[a]! > codes[b]! ? 1 : 0));
  const sum: MmeSum = { mmeHundredths: null, mmeUnknown: false };
  const record = (s: CohortSubject, visit: string, slot: number, reviewed: boolean) => {
    // A visit counts as seen by its forms; an end-of-study or adverse event form alone is not a visit.
    if (!tallies.seen(slot)) return;
    tallies.mmeSumAt(slot, sum);
    const opioid = tallies.opioidAt(slot);
    // A visit's medication review without any opioid counts as "no opioid", MME 0.
    const values = visitValues(
      tallies.painAt(slot),
      tallies.odiAt(slot),
      visitMmeDay(sum, reviewed),
      opioid !== null ? opioid : reviewed ? false : null,
    );
    if (reviewed) {
      const taken = tallies.taken[slot];
      const stopped = tallies.stopped[slot];
      values.opioidsTaken = taken ? byInstance(taken, 2).map((i) => taken[i + 1] as string) : NONE_TAKEN;
      values.opioidsStopped = stopped
        ? byInstance(stopped, 3).map((i) => ({
            drug: stopped[i + 1] as string,
            stopDate: stopped[i + 2] as string,
          }))
        : NONE_STOPPED;
    }
    s.visits.set(intern(visit), values);
  };
  const find = subjectFinder(subjects);
  tallies.studyIds.forEach((studyId, subject) => {
    const s = find(studyId);
    if (!s) return;
    const base = subject * width;
    const others = tallies.others.get(subject);
    if (!others) {
      for (const code of sortedCodes) {
        if (tallies.seen(base + code)) record(s, codes[code]!, base + code, reviewedCode[code]!);
      }
      return;
    }
    // A subject with a visit outside the protocol's codes: every visit with a form, sorted.
    for (const [visit, slot] of tallies.visitsOf(subject)) record(s, visit, slot, medVisits.has(visit));
  });
}

/** Records each visit's assessment date: a visit done on a recorded date is seen, with or without forms. */
export function addVisitDates(
  subjects: Map<string, CohortSubject>,
  visitDates: readonly VisitDateRow[],
  intern: Intern,
): void {
  const find = subjectFinder(subjects);
  for (const r of visitDates) {
    const s = find(r.study_id);
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
