// One record per subject in the cohort: made from the subject row, then filled from its forms' answers.
import { type CohortSubject, emptyCohortSubject } from '../../analysis/study/cohort.js';
import { bool, num, type Row, str } from './answer-text.js';
import type { SubjectRow } from './cohort-queries.js';
import { scoreKey } from './form-scan.js';

/** Gives one string per code, so the analysis compares and hashes codes by identity. */
export type Intern = <T extends string>(x: T) => T;

/**
 * An interner seeded with known codes. Codes read 100,000 times over (visit, site, status) become
 * one string each: the analysis compares and hashes them by identity instead of by content.
 */
export function codeInterner(known: Iterable<string>): Intern {
  const interned = new Map<string, string>();
  for (const code of known) interned.set(code, code);
  return <T extends string>(x: T): T => {
    const found = interned.get(x);
    if (found !== undefined) return found as T;
    interned.set(x, x);
    return x;
  };
}

/** An empty record per subject row, by study id. */
export function subjectRecords(rows: readonly SubjectRow[], intern: Intern): Map<string, CohortSubject> {
  const subjects = new Map<string, CohortSubject>();
  for (const r of rows) {
    subjects.set(
      r.study_id,
      emptyCohortSubject({
        studyId: r.study_id,
        site: intern(r.site_id),
        status: intern(r.status),
        enrolledOn: r.enrolled_on,
        indexDate: r.index_date,
      }),
    );
  }
  return subjects;
}

/** Records sex and age (at the index date, else at enrolment) from the enrolment form. */
export function addEnrollment(subjects: Map<string, CohortSubject>, rows: readonly Row[]): void {
  for (const r of rows) {
    const s = subjects.get(String(r.study_id));
    if (!s) continue;
    s.sex = str(r.sex);
    const by = num(r.birth_year);
    const year = Number((s.indexDate ?? s.enrolledOn).slice(0, 4));
    s.age = by === null ? null : year - by;
  }
}

/**
 * Records the eligibility form's answers (the last form's) and its symptom weeks score (the first
 * form's that has one), read beside the answers as `scores.symptom_weeks`.
 */
export function addEligibility(subjects: Map<string, CohortSubject>, rows: readonly Row[]): void {
  const weeks = scoreKey('symptom_weeks');
  for (const r of rows) {
    const s = subjects.get(String(r.study_id));
    if (!s) continue;
    s.etiology = str(r.etiology);
    s.eligible = bool(r.eligible);
    s.priorFragilityFracture = bool(r.prior_fragility_fracture);
    s.steroidUse = bool(r.steroid_use);
    s.symptomWeeks ??= num(r[weeks]);
  }
}

/** Records the pain scale of the baseline visit from the pain forms' rows. */
export function addPainScale(
  subjects: Map<string, CohortSubject>,
  rows: readonly Row[],
  baseline: string,
): void {
  for (const r of rows) {
    if (r.visit !== baseline) continue;
    const s = subjects.get(String(r.study_id));
    if (s) s.painScale = str(r.scale);
  }
}

/** Marks subjects with a procedure form treated and records the fracture and procedure. */
export function addProcedure(subjects: Map<string, CohortSubject>, rows: readonly Row[]): void {
  for (const r of rows) {
    const s = subjects.get(String(r.study_id));
    if (!s) continue;
    s.treated = true;
    const zones = r.denis_zone ? (JSON.parse(String(r.denis_zone)) as string[]) : [];
    s.denisZone = zones.length ? zones.sort().join('+') : null;
    s.ffpType = str(r.ffp_type);
    s.sides = str(r.sides);
    s.setting = str(r.setting);
  }
}

/** Records osteoporosis care and physical therapy over every care form of the subject. */
export function addCare(
  subjects: Map<string, CohortSubject>,
  osteoporosisCare: readonly Row[],
  physicalTherapy: readonly Row[],
): void {
  for (const r of osteoporosisCare) {
    const s = subjects.get(String(r.study_id));
    if (!s) continue;
    const c = s.care;
    c.dxaDone ||= bool(r.dxa_done) === true;
    const dxaDate = str(r.dxa_date);
    if (dxaDate !== null && bool(r.dxa_done) !== false && (c.dxaDate == null || dxaDate < c.dxaDate))
      c.dxaDate = dxaDate;
    if (num(r.lowest_t_score) !== null) s.tScore = num(r.lowest_t_score);
    c.vitaminDMeasured ||= num(r.vitamin_d_25oh) !== null;
    c.calciumVitD ||= bool(r.calcium_vitd_started) === true;
    c.boneMedRecommended ||= bool(r.bone_med_recommended) === true;
    c.boneMedStartDate ??= str(r.bone_med_start_date);
    const med = str(r.bone_med);
    c.boneMedRecorded ||= (med !== null && med !== 'none') || str(r.bone_med_start_date) !== null;
    c.fallsRiskAssessed ||= bool(r.falls_risk_assessed) === true;
    const persisting = bool(r.bone_med_persisting);
    if (persisting !== null) c.boneMedPersisting = persisting;
  }
  for (const r of physicalTherapy) {
    const s = subjects.get(String(r.study_id));
    const start = str(r.pt_start_date);
    if (!s || start === null) continue;
    s.care.ptStarted = true;
    if (s.care.ptStartDate == null || start < s.care.ptStartDate) s.care.ptStartDate = start;
  }
}

/** Records each adverse event form of the subject, in the order they were saved. */
export function addAdverseEvents(subjects: Map<string, CohortSubject>, rows: readonly Row[]): void {
  for (const r of rows) {
    subjects.get(String(r.study_id))?.adverseEvents.push({
      term: String(r.term),
      onsetDate: str(r.onset_date),
      grade: num(r.severity_grade),
      serious: bool(r.serious),
      sirClass: str(r.sir_class),
    });
  }
}

/** Records the end-of-study status, reason and date. */
export function addEndOfStudy(subjects: Map<string, CohortSubject>, rows: readonly Row[]): void {
  for (const r of rows) {
    const s = subjects.get(String(r.study_id));
    if (!s) continue;
    s.endStatus = str(r.status);
    s.endReason = str(r.reason);
    s.endDate = str(r.date);
  }
}
