// One record per subject in the cohort: made from the subject row, then filled from its forms' answers.
import { type CohortSubject, emptyCohortSubject } from '../../analysis/study/cohort.js';
import { type Answers, answerColumns } from './answer-columns.js';
import { bool, num, str } from './answer-text.js';
import type { SubjectRow } from './cohort-queries.js';
import { scoreKey } from './form-scan.js';
import { SubjectMap, subjectFinder } from './subject-map.js';

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
export function subjectRecords(rows: readonly SubjectRow[], intern: Intern): SubjectMap {
  const subjects = new SubjectMap();
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
export function addEnrollment(subjects: Map<string, CohortSubject>, answers: Answers): void {
  const a = answerColumns(answers);
  const find = subjectFinder(subjects);
  const [sex, birthYear] = [a.column('sex'), a.column('birth_year')];
  for (let r = 0; r < a.size; r++) {
    const s = find(a.studyIds[r]!);
    if (!s) continue;
    s.sex = str(sex[r]);
    const by = num(birthYear[r]);
    const year = Number((s.indexDate ?? s.enrolledOn).slice(0, 4));
    s.age = by === null ? null : year - by;
  }
}

/**
 * Records the eligibility form's answers (the last form's) and its symptom weeks score (the first
 * form's that has one), read beside the answers as `scores.symptom_weeks`.
 */
export function addEligibility(subjects: Map<string, CohortSubject>, answers: Answers): void {
  const a = answerColumns(answers);
  const find = subjectFinder(subjects);
  const [etiology, eligible, prior, steroid, weeks] = [
    'etiology',
    'eligible',
    'prior_fragility_fracture',
    'steroid_use',
    scoreKey('symptom_weeks'),
  ].map((item) => a.column(item)) as [unknown[], unknown[], unknown[], unknown[], unknown[]];
  for (let r = 0; r < a.size; r++) {
    const s = find(a.studyIds[r]!);
    if (!s) continue;
    s.etiology = str(etiology[r]);
    s.eligible = bool(eligible[r]);
    s.priorFragilityFracture = bool(prior[r]);
    s.steroidUse = bool(steroid[r]);
    s.symptomWeeks ??= num(weeks[r]);
  }
}

/** Records the pain scale of the baseline visit from the pain forms' answers. */
export function addPainScale(subjects: Map<string, CohortSubject>, answers: Answers, baseline: string): void {
  const a = answerColumns(answers);
  const find = subjectFinder(subjects);
  const scale = a.column('scale');
  for (let r = 0; r < a.size; r++) {
    if (a.visits[r] !== baseline) continue;
    const s = find(a.studyIds[r]!);
    if (s) s.painScale = str(scale[r]);
  }
}

/** Marks subjects with a procedure form treated and records the fracture and procedure. */
export function addProcedure(subjects: Map<string, CohortSubject>, answers: Answers): void {
  const a = answerColumns(answers);
  const find = subjectFinder(subjects);
  const [zone, ffpType, sides, setting] = ['denis_zone', 'ffp_type', 'sides', 'setting'].map((item) =>
    a.column(item),
  ) as [unknown[], unknown[], unknown[], unknown[]];
  // The zones as the cohort writes them, once per distinct answer (the answers are few).
  const zones = new Map<unknown, string | null>();
  for (let r = 0; r < a.size; r++) {
    const s = find(a.studyIds[r]!);
    if (!s) continue;
    s.treated = true;
    let denisZone = zones.get(zone[r]);
    if (denisZone === undefined) {
      const list = zone[r] ? (JSON.parse(String(zone[r])) as string[]) : [];
      denisZone = list.length ? list.sort().join('+') : null;
      zones.set(zone[r], denisZone);
    }
    s.denisZone = denisZone;
    s.ffpType = str(ffpType[r]);
    s.sides = str(sides[r]);
    s.setting = str(setting[r]);
  }
}

/** Records osteoporosis care and physical therapy over every care form of the subject. */
export function addCare(
  subjects: Map<string, CohortSubject>,
  osteoporosisCare: Answers,
  physicalTherapy: Answers,
): void {
  const a = answerColumns(osteoporosisCare);
  const find = subjectFinder(subjects);
  const col = (item: string) => a.column(item);
  const [dxaDone, dxaDateOf, tScore, vitaminD, calcium, recommended] = [
    'dxa_done',
    'dxa_date',
    'lowest_t_score',
    'vitamin_d_25oh',
    'calcium_vitd_started',
    'bone_med_recommended',
  ].map(col) as unknown[][];
  const [boneMed, startDate, falls, persistingOf] = [
    'bone_med',
    'bone_med_start_date',
    'falls_risk_assessed',
    'bone_med_persisting',
  ].map(col) as unknown[][];
  for (let r = 0; r < a.size; r++) {
    const s = find(a.studyIds[r]!);
    if (!s) continue;
    const c = s.care;
    c.dxaDone ||= bool(dxaDone![r]) === true;
    const dxaDate = str(dxaDateOf![r]);
    if (dxaDate !== null && bool(dxaDone![r]) !== false && (c.dxaDate == null || dxaDate < c.dxaDate))
      c.dxaDate = dxaDate;
    if (num(tScore![r]) !== null) s.tScore = num(tScore![r]);
    c.vitaminDMeasured ||= num(vitaminD![r]) !== null;
    c.calciumVitD ||= bool(calcium![r]) === true;
    c.boneMedRecommended ||= bool(recommended![r]) === true;
    c.boneMedStartDate ??= str(startDate![r]);
    const med = str(boneMed![r]);
    c.boneMedRecorded ||= (med !== null && med !== 'none') || str(startDate![r]) !== null;
    c.fallsRiskAssessed ||= bool(falls![r]) === true;
    const persisting = bool(persistingOf![r]);
    if (persisting !== null) c.boneMedPersisting = persisting;
  }
  const p = answerColumns(physicalTherapy);
  const findPt = subjectFinder(subjects);
  const ptStart = p.column('pt_start_date');
  for (let r = 0; r < p.size; r++) {
    const s = findPt(p.studyIds[r]!);
    const start = str(ptStart[r]);
    if (!s || start === null) continue;
    s.care.ptStarted = true;
    if (s.care.ptStartDate == null || start < s.care.ptStartDate) s.care.ptStartDate = start;
  }
}

/** Records each adverse event form of the subject, in the order they were saved. */
export function addAdverseEvents(subjects: Map<string, CohortSubject>, answers: Answers): void {
  const a = answerColumns(answers);
  const find = subjectFinder(subjects);
  const [term, onset, grade, serious, sirClass] = [
    'term',
    'onset_date',
    'severity_grade',
    'serious',
    'sir_class',
  ].map((item) => a.column(item)) as unknown[][];
  for (let r = 0; r < a.size; r++) {
    find(a.studyIds[r]!)?.adverseEvents.push({
      term: String(term![r]),
      onsetDate: str(onset![r]),
      grade: num(grade![r]),
      serious: bool(serious![r]),
      sirClass: str(sirClass![r]),
    });
  }
}

/** Records the end-of-study status, reason and date. */
export function addEndOfStudy(subjects: Map<string, CohortSubject>, answers: Answers): void {
  const a = answerColumns(answers);
  const find = subjectFinder(subjects);
  const [status, reason, date] = ['status', 'reason', 'date'].map((item) => a.column(item)) as unknown[][];
  for (let r = 0; r < a.size; r++) {
    const s = find(a.studyIds[r]!);
    if (!s) continue;
    s.endStatus = str(status![r]);
    s.endReason = str(reason![r]);
    s.endDate = str(date![r]);
  }
}
