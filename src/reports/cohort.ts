import { parseDay } from '../schedule/index.js';

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

const DAY_NUMBERS = new Map<string, number>();

/** Days since 1970-01-01 of a YYYY-MM-DD date (memoised: the analysis asks for the same dates often). */
function dayNumber(date: string): number {
  let n = DAY_NUMBERS.get(date);
  if (n === undefined) {
    n = parseDay(date, 'date');
    if (DAY_NUMBERS.size > 100_000) DAY_NUMBERS.clear();
    DAY_NUMBERS.set(date, n);
  }
  return n;
}

export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}
