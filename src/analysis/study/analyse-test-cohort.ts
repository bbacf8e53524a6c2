// Hand-built cohorts for the analysis tests: the default protocol's visits, a few subjects, and
// exactly the values a test needs. Not used by the registry itself.
import { SACROPLASTY_SIF, SACROPLASTY_STUDY, type StudyDefinition } from '../../protocol/index.js';
import { formatDay, parseDay } from '../../schedule/index.js';
import {
  type Cohort,
  type CohortSubject,
  emptyCohortSubject,
  type ItemFacts,
  type VisitValues,
} from './cohort.js';
import { cohortVisits, kpiDaysOf } from './cohort-visits.js';

export function addDays(date: string, days: number): string {
  return formatDay(parseDay(date, 'date') + days);
}

export const visit = (v: Partial<VisitValues> = {}): VisitValues => ({
  pain: null,
  odi: null,
  mme: null,
  opioid: null,
  ...v,
});

/**
 * The KPI facts the extraction would read for a hand-built subject's care fields, keyed as the
 * reference study definition names the items (`instrument.item`).
 */
export function kpiFactsOf(care: CohortSubject['care']): Record<string, ItemFacts> {
  const fact = (yes: boolean, dates: Record<string, string | null | undefined> = {}, last = yes) => ({
    yes,
    recorded: yes || Object.values(dates).some((d) => d != null),
    lastYes: last,
    dates: Object.fromEntries(Object.entries(dates).map(([k, v]) => [k, v ?? null])),
  });
  return {
    'osteoporosis_care.dxa_done': fact(care.dxaDone, { dxa_date: care.dxaDate }),
    'osteoporosis_care.vitamin_d_25oh': fact(care.vitaminDMeasured),
    'osteoporosis_care.calcium_vitd_started': fact(care.calciumVitD),
    'osteoporosis_care.bone_med_recommended': fact(care.boneMedRecommended),
    'osteoporosis_care.bone_med': fact(care.boneMedRecorded ?? false, {
      bone_med_start_date: care.boneMedStartDate,
    }),
    'osteoporosis_care.bone_med_persisting': fact(
      care.boneMedPersisting !== null,
      {},
      care.boneMedPersisting === true,
    ),
    'osteoporosis_care.falls_risk_assessed': fact(care.fallsRiskAssessed),
    'physical_therapy.pt_start_date': fact(care.ptStarted, { pt_start_date: care.ptStartDate }),
  };
}

export function subject(studyId: string, over: Partial<CohortSubject> = {}): CohortSubject {
  const s = subjectWithout(studyId, over);
  return { ...s, kpiFacts: over.kpiFacts ?? kpiFactsOf(s.care) };
}

function subjectWithout(studyId: string, over: Partial<CohortSubject>): CohortSubject {
  return {
    ...emptyCohortSubject({
      studyId,
      site: studyId.split('-')[0]!,
      status: 'enrolled',
      enrolledOn: '2025-01-01',
      indexDate: '2025-01-06',
    }),
    treated: true,
    sex: 'female',
    age: 78,
    symptomWeeks: 4,
    painScale: 'nrs',
    eligible: true,
    ...over,
  };
}

/** A cohort on the default protocol as of `asOf`, with the given subjects. */
export function cohortOf(
  subjects: CohortSubject[],
  asOf = '2026-03-02',
  definition: StudyDefinition = SACROPLASTY_STUDY,
): Cohort {
  const sites = [...new Set(subjects.map((s) => s.site))].sort();
  return {
    asOf,
    definition,
    kpiDays: kpiDaysOf(SACROPLASTY_SIF, definition),
    protocol: { id: 'sacroplasty-sif', version: '1.0.0', title: 'Test' },
    sites: sites.map((id) => ({ id, name: id })),
    visits: cohortVisits(SACROPLASTY_SIF),
    subjects,
    aeTerms: [{ code: 'cement_leak', label: 'Cement leakage' }],
  };
}
