// The cohort as the analysis sees it: one record per subject, outcome values per visit. Built from
// the database by `extract-cohort.ts`; everything downstream is pure.

export interface VisitValues {
  /** Pain on the 0–10 scale (VAS mm converted ×0.1). */
  pain: number | null;
  odi: number | null;
  /** Daily MME summed over the subject's analgesics at the visit (0 when none). */
  mme: number | null;
  /** Any opioid at the visit, including those without an MME factor (buprenorphine). */
  opioid: boolean | null;
}

export interface CohortSubject {
  studyId: string;
  site: string;
  status: string;
  enrolledOn: string;
  indexDate: string | null;
  treated: boolean;
  sex: string | null;
  age: number | null;
  symptomWeeks: number | null;
  etiology: string | null;
  eligible: boolean | null;
  priorFragilityFracture: boolean | null;
  steroidUse: boolean | null;
  denisZone: string | null;
  ffpType: string | null;
  sides: string | null;
  setting: string | null;
  tScore: number | null;
  /** Visits with at least one form recorded, and the outcome values found there. */
  visits: Map<string, VisitValues>;
  endStatus: string | null;
  endReason: string | null;
  endDate: string | null;
  adverseEvents: { term: string; grade: number | null; serious: boolean | null; sirClass: string | null }[];
  care: {
    dxaDone: boolean;
    vitaminDMeasured: boolean;
    calciumVitD: boolean;
    boneMedRecommended: boolean;
    boneMedStartDate: string | null;
    boneMedPersisting: boolean | null;
    fallsRiskAssessed: boolean;
    ptStarted: boolean;
  };
}

export interface CohortVisit {
  code: string;
  label: string;
  /** Nominal day after the index date (procedure); null for visits before the procedure. */
  day: number | null;
  /** Last day of the visit window after the index date; null when the visit has no window. */
  windowEndDay: number | null;
  collectsPain: boolean;
  collectsOdi: boolean;
  collectsMedication: boolean;
}

export interface Cohort {
  asOf: string;
  protocol: { id: string; version: string; title: string };
  sites: { id: string; name: string }[];
  visits: CohortVisit[];
  subjects: CohortSubject[];
  /** Labels of adverse event terms, in the instrument's order (so zero-event terms are listed too). */
  aeTerms: { code: string; label: string }[];
}

// Day arithmetic has one home, the schedule's calendar (it refuses a date that is not real).
export { daysBetween } from '../schedule/index.js';
