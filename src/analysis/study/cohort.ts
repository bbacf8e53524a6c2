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
  /** Opioids (drug codes) listed at this medication review without a stop date: still taken. */
  opioidsTaken?: readonly string[];
  /** Opioids listed at this review with a stop date: stopped by this review. */
  opioidsStopped?: readonly { drug: string; stopDate: string }[];
  /** Date of assessment recorded for the visit (`visit` table), when there is one. */
  date?: string | null;
  /** Values of the study definition's other outcomes at this visit, by outcome key. */
  scores?: Readonly<Record<string, number | null>>;
}

/**
 * An outcome's value at a visit: the typed fields for pain, ODI and MME (read from the typed score
 * columns), `scores` for every other outcome of the study definition.
 */
export function outcomeValue(v: VisitValues | undefined, key: string): number | null {
  if (!v) return null;
  const other = v.scores?.[key];
  if (other !== undefined) return other;
  return key === 'pain' || key === 'odi' || key === 'mme' ? v[key] : null;
}

/**
 * What the registry records about one care item (`instrument.item` of a KPI in the study
 * definition), over every form of the subject: answered yes on any form, recorded with any value,
 * yes on the last form answering it, and the earliest date of each of its date items (on forms
 * where the item is not answered no).
 */
export interface ItemFacts {
  yes: boolean;
  recorded: boolean;
  lastYes: boolean;
  dates: Readonly<Record<string, string | null>>;
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
  /** The eligibility form's own score: given weeks, or (screening − onset) / 7 rounded to 0.1 week. */
  symptomWeeks: number | null;
  /** Pain scale the baseline pain was recorded on (`nrs` or `vas`). */
  painScale?: string | null;
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
  adverseEvents: {
    term: string;
    grade: number | null;
    serious: boolean | null;
    sirClass: string | null;
    onsetDate?: string | null;
  }[];
  care: {
    dxaDone: boolean;
    /** Earliest DXA date recorded on any form. */
    dxaDate?: string | null;
    vitaminDMeasured: boolean;
    calciumVitD: boolean;
    boneMedRecommended: boolean;
    boneMedStartDate: string | null;
    boneMedPersisting: boolean | null;
    fallsRiskAssessed: boolean;
    ptStarted: boolean;
    /** Earliest physical therapy start date recorded. */
    ptStartDate?: string | null;
    /** A bone medication (other than `none`) or its start date is recorded on any form. */
    boneMedRecorded?: boolean;
  };
  /** Table 1 items read as answered (`instrument.item` → the first answer, canonical text). */
  answers?: Readonly<Record<string, string | null>>;
  /** The study definition's KPI items, by `instrument.item`: what the KPIs are decided on. */
  kpiFacts?: Readonly<Record<string, ItemFacts>>;
}

/**
 * A subject as enrolled, with nothing recorded from its forms yet: every other field null, false or
 * empty. Every subject gets the same properties up front (filled later or left empty): one object
 * shape for the whole cohort keeps the analysis' property reads monomorphic and fast.
 */
export function emptyCohortSubject(
  enrolment: Pick<CohortSubject, 'studyId' | 'site' | 'status' | 'enrolledOn' | 'indexDate'>,
): CohortSubject {
  return {
    studyId: enrolment.studyId,
    site: enrolment.site,
    status: enrolment.status,
    enrolledOn: enrolment.enrolledOn,
    indexDate: enrolment.indexDate,
    treated: false,
    sex: null,
    age: null,
    symptomWeeks: null,
    painScale: null,
    etiology: null,
    eligible: null,
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
      vitaminDMeasured: false,
      calciumVitD: false,
      boneMedRecommended: false,
      boneMedStartDate: null,
      boneMedPersisting: null,
      fallsRiskAssessed: false,
      ptStarted: false,
      dxaDate: null,
      ptStartDate: null,
      boneMedRecorded: false,
    },
    answers: undefined,
    kpiFacts: undefined,
  } as unknown as CohortSubject;
}

/** A protocol visit with its timing in days after the index date (schedule/ `visitDays`). */
export interface CohortVisit extends VisitDays {
  collectsPain: boolean;
  collectsOdi: boolean;
  collectsMedication: boolean;
  /** Instruments the protocol collects at this visit (outcomes are analysed where theirs is). */
  instruments?: readonly string[];
}

/**
 * Day limits after the index date, from the study definition under the protocol: each KPI's, and
 * the one of "untreated" (the bone medication's start limit). Null: the protocol has no such visit.
 */
export interface KpiDays {
  kpis: Readonly<Record<string, number | null>>;
  untreated: number | null;
}

export interface Cohort {
  asOf: string;
  /** Audit chain head (event count, last hash) on the snapshot the cohort was read from. */
  auditHead?: { count: number; hash: string } | null;
  /** The study definition that drives the analysis (outcomes, KPIs, Table 1, AE terms). */
  definition: StudyDefinition;
  /** KPI day limits from the definition under the protocol. */
  kpiDays: KpiDays;
  protocol: { id: string; version: string; title: string };
  sites: { id: string; name: string }[];
  visits: CohortVisit[];
  subjects: CohortSubject[];
  /** Labels of adverse event terms, in the instrument's order (so zero-event terms are listed too). */
  aeTerms: { code: string; label: string }[];
}

import type { ExactScale, StudyDefinition } from '../../protocol/index.js';
import { SACROPLASTY_STUDY } from '../../protocol/index.js';
import type { VisitDays } from '../../schedule/index.js';

// Day arithmetic has one home, the schedule's calendar (it refuses a date that is not real).
export { daysBetween } from '../../schedule/index.js';

/**
 * An outcome value as an exact fraction num/den of integers, so thresholds and ties are decided
 * without rounding, on the outcome's exact scale (study definition): a grid (pain in 1/10,000 points,
 * stored rounded to 4 decimals: VAS mm / 10 and NRS exact; MME in hundredths, each drug's MME is
 * rounded to 0.01), or a section fraction (ODI as 20 × sum / answered sections, recovered from the
 * percentage: the smallest answered count 1–10 that makes the sum whole).
 */
export interface Exact {
  num: number;
  den: number;
}

export function exactOn(scale: ExactScale, value: number): Exact {
  if (scale.kind === 'grid') return { num: Math.round(value * scale.per), den: scale.per };
  for (let answered = 1; answered <= scale.maxSections; answered++) {
    const sum = (value * answered) / scale.points;
    const whole = Math.round(sum);
    if (Math.abs(sum - whole) < 1e-9) return { num: scale.points * whole, den: answered };
  }
  // Not a section score (hand-entered): exact to 1e-6.
  return { num: Math.round(value * 1e6), den: 1e6 };
}

/** `exactOn` with the scale of an outcome of the reference study definition, by key. */
export function exactValue(key: string, value: number): Exact {
  const outcome = SACROPLASTY_STUDY.outcomes.find((o) => o.key === key);
  if (!outcome) throw new RangeError(`no outcome ${key} in the study definition`);
  return exactOn(outcome.exact, value);
}
