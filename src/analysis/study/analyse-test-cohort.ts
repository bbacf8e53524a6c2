// Hand-built cohorts for the analysis tests: the default protocol's visits, a few subjects, and
// exactly the values a test needs. Not used by the registry itself.
import { SACROPLASTY_SIF, SACROPLASTY_STUDY, type StudyDefinition } from '../../protocol/index.js';
import { formatDay, parseDay } from '../../schedule/index.js';
import type { Cohort, CohortSubject, VisitValues } from './cohort.js';
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

export function subject(studyId: string, over: Partial<CohortSubject> = {}): CohortSubject {
  return {
    studyId,
    site: studyId.split('-')[0]!,
    status: 'enrolled',
    enrolledOn: '2025-01-01',
    indexDate: '2025-01-06',
    treated: true,
    sex: 'female',
    age: 78,
    symptomWeeks: 4,
    painScale: 'nrs',
    etiology: null,
    eligible: true,
    priorFragilityFracture: null,
    steroidUse: null,
    denisZone: null,
    ffpType: null,
    sides: null,
    setting: null,
    tScore: null,
    visits: new Map(),
    endStatus: null,
    endReason: null,
    endDate: null,
    adverseEvents: [],
    care: {
      dxaDone: false,
      dxaDate: null,
      vitaminDMeasured: false,
      calciumVitD: false,
      boneMedRecommended: false,
      boneMedStartDate: null,
      boneMedRecorded: false,
      boneMedPersisting: null,
      fallsRiskAssessed: false,
      ptStarted: false,
      ptStartDate: null,
    },
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
