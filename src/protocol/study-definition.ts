import type { Protocol } from './types.js';

/**
 * How an outcome's stored value maps onto an exact grid, so thresholds and ties are decided without
 * rounding (the scale the analysis compares on):
 * - `grid`: value × `per` is a whole number (pain stored to 4 decimals: 10,000; MME in hundredths);
 * - `section-fraction`: `points` × item sum / sections answered, with up to `maxSections` sections
 *   (ODI v2.1a: 20 × sum / answered, 1–10 sections).
 */
export type ExactScale =
  | { kind: 'grid'; per: number }
  | { kind: 'section-fraction'; points: number; maxSections: number };

/** One outcome of the study: which instrument and score, its exact scale and its responder rules. */
export interface OutcomeDefinition {
  /** Key of the outcome in the report (`outcomes.<key>`). */
  key: string;
  label: string;
  unit: string;
  /** The instrument that records it: the outcome is analysed at every visit that collects it. */
  instrument: string;
  /**
   * The score of that instrument (`response.scores`). The pain instrument's scoring already converts
   * VAS mm to the 0–10 scale (mm / 10), so `pain_nrs` is on one scale whichever was used.
   */
  score: string;
  /** Exact grid of the value (scale conversion for exact thresholds and ties). */
  exact: ExactScale;
  /** Minimal clinically important improvement on the outcome's scale; null: none (no MCID responders). */
  mcid: number | null;
}

/**
 * A KPI's day limit after the index date: the nominal day of a protocol visit (the first or last
 * procedure-anchored visit that collects `instrument`), or a fixed number of weeks.
 */
export type DayLimit = { visitCollecting: string; which: 'first' | 'last' } | { weeks: number };

/** How a subject meets a KPI, from the KPI's instrument and items. */
export type KpiRule =
  /** `dateItem` dated no later than index + limit (no lower bound). */
  | 'dated-within'
  /** `item` recorded with any value on any form. */
  | 'recorded'
  /** `item` answered yes on any form. */
  | 'yes'
  /** `item` answered yes on the last form that answers it. */
  | 'last-yes';

/** One fracture-liaison KPI: numerator rule, the time point, and who is in the denominator. */
export interface KpiDefinition {
  kpi: string;
  label: string;
  instrument: string;
  item: string;
  dateItem?: string;
  rule: KpiRule;
  limit: DayLimit;
  /**
   * Denominator: treated subjects past the limit who had not left the study before it (`eligible`),
   * or among them only those with a bone medication recorded on any form (`bone-med-recorded`).
   */
  denominator: 'eligible' | 'bone-med-recorded';
}

/** One Table 1 row: a baseline variable, where it comes from, continuous or categorical. */
export interface Table1Definition {
  variable: string;
  label: string;
  kind: 'continuous' | 'categorical';
  /**
   * `subject`: a field the cohort reads for each subject (from the instrument and item named in
   * `from`, or derived from it: age, symptom weeks, Denis zones); `answer`: an item `instrument.item`
   * read as answered on the subject's first form that answers it; `baseline`: an outcome's value at
   * the first visit; `baselineOpioid`: any opioid at it.
   */
  source:
    | { subject: string; from: string }
    | { answer: string }
    | { baseline: string }
    | { baselineOpioid: true };
}

/** The study defined as data: it drives the extraction and the analysis of the study report. */
export interface StudyDefinition {
  outcomes: readonly OutcomeDefinition[];
  /** Relative-reduction responder rules, in percent of a baseline above 0 (`responders_<p>pct`). */
  reductionsPct: readonly number[];
  kpis: readonly KpiDefinition[];
  /** The bone medication item that defines "untreated" and the persistence denominator. */
  boneMedication: { instrument: string; item: string; dateItem: string; limit: DayLimit };
  table1: readonly Table1Definition[];
  /** Adverse events: the instrument and its term item (its choices are the AE table's terms). */
  adverseEvents: { instrument: string; termItem: string };
}

const WEEK12 = { visitCollecting: 'osteoporosis_care', which: 'first' } as const;
const WEEK52 = { visitCollecting: 'osteoporosis_care', which: 'last' } as const;
/** Bone medication should start within 16 weeks of the fracture (CLINICAL.md fracture-liaison KPI). */
const BONE_MED_START = { weeks: 16 } as const;

/** The reference study's definition (CLINICAL.md): pain, ODI and MME, the FLS KPIs, Table 1, AEs. */
export const SACROPLASTY_STUDY: StudyDefinition = {
  outcomes: [
    {
      key: 'pain',
      label: 'Pain (NRS 0–10)',
      unit: 'points',
      instrument: 'pain',
      score: 'pain_nrs',
      exact: { kind: 'grid', per: 10_000 },
      mcid: 2,
    },
    {
      key: 'odi',
      label: 'Oswestry Disability Index',
      unit: '%',
      instrument: 'odi',
      score: 'odi_pct',
      exact: { kind: 'section-fraction', points: 20, maxSections: 10 },
      mcid: 10,
    },
    {
      key: 'mme',
      label: 'Opioid dose (MME/day)',
      unit: 'mg/day',
      instrument: 'analgesic',
      score: 'mme_day',
      exact: { kind: 'grid', per: 100 },
      mcid: null,
    },
  ],
  reductionsPct: [30, 50],
  kpis: [
    {
      kpi: 'dxa_12w',
      label: 'DXA done within 12 weeks',
      instrument: 'osteoporosis_care',
      item: 'dxa_done',
      dateItem: 'dxa_date',
      rule: 'dated-within',
      limit: WEEK12,
      denominator: 'eligible',
    },
    {
      kpi: 'vitamin_d',
      label: '25-OH vitamin D measured',
      instrument: 'osteoporosis_care',
      item: 'vitamin_d_25oh',
      rule: 'recorded',
      limit: WEEK12,
      denominator: 'eligible',
    },
    {
      kpi: 'calcium_vitd',
      label: 'Calcium / vitamin D started',
      instrument: 'osteoporosis_care',
      item: 'calcium_vitd_started',
      rule: 'yes',
      limit: WEEK12,
      denominator: 'eligible',
    },
    {
      kpi: 'bone_med_recommended',
      label: 'Bone medication recommended',
      instrument: 'osteoporosis_care',
      item: 'bone_med_recommended',
      rule: 'yes',
      limit: WEEK12,
      denominator: 'eligible',
    },
    {
      kpi: 'bone_med_16w',
      label: 'Bone medication started within 16 weeks',
      instrument: 'osteoporosis_care',
      item: 'bone_med',
      dateItem: 'bone_med_start_date',
      rule: 'dated-within',
      limit: BONE_MED_START,
      denominator: 'eligible',
    },
    {
      kpi: 'bone_med_52w',
      label: 'Bone medication still taken at 52 weeks',
      instrument: 'osteoporosis_care',
      item: 'bone_med_persisting',
      rule: 'last-yes',
      limit: WEEK52,
      denominator: 'bone-med-recorded',
    },
    {
      kpi: 'falls_risk',
      label: 'Falls-risk assessment',
      instrument: 'osteoporosis_care',
      item: 'falls_risk_assessed',
      rule: 'yes',
      limit: WEEK12,
      denominator: 'eligible',
    },
    {
      kpi: 'physical_therapy',
      label: 'Physical therapy started',
      instrument: 'physical_therapy',
      item: 'pt_start_date',
      dateItem: 'pt_start_date',
      rule: 'dated-within',
      limit: WEEK12,
      denominator: 'eligible',
    },
  ],
  boneMedication: {
    instrument: 'osteoporosis_care',
    item: 'bone_med',
    dateItem: 'bone_med_start_date',
    limit: BONE_MED_START,
  },
  table1: [
    {
      variable: 'age',
      label: 'Age at procedure, years',
      kind: 'continuous',
      source: { subject: 'age', from: 'enrollment.birth_year' },
    },
    {
      variable: 'sex',
      label: 'Sex',
      kind: 'categorical',
      source: { subject: 'sex', from: 'enrollment.sex' },
    },
    {
      variable: 'symptom_weeks',
      label: 'Symptom duration, weeks',
      kind: 'continuous',
      source: { subject: 'symptomWeeks', from: 'eligibility.symptom_weeks (score)' },
    },
    {
      variable: 'etiology',
      label: 'Etiology',
      kind: 'categorical',
      source: { subject: 'etiology', from: 'eligibility.etiology' },
    },
    {
      variable: 'denis_zone',
      label: 'Denis zone',
      kind: 'categorical',
      source: { subject: 'denisZone', from: 'procedure.denis_zone' },
    },
    {
      variable: 'ffp_type',
      label: 'FFP type',
      kind: 'categorical',
      source: { subject: 'ffpType', from: 'procedure.ffp_type' },
    },
    {
      variable: 'sides',
      label: 'Sides treated',
      kind: 'categorical',
      source: { subject: 'sides', from: 'procedure.sides' },
    },
    {
      variable: 't_score',
      label: 'Lowest DXA T-score',
      kind: 'continuous',
      source: { subject: 'tScore', from: 'osteoporosis_care.lowest_t_score' },
    },
    {
      variable: 'prior_fracture',
      label: 'Prior fragility fracture',
      kind: 'categorical',
      source: { subject: 'priorFragilityFracture', from: 'eligibility.prior_fragility_fracture' },
    },
    {
      variable: 'steroid_use',
      label: 'Corticosteroid use',
      kind: 'categorical',
      source: { subject: 'steroidUse', from: 'eligibility.steroid_use' },
    },
    {
      variable: 'opioid_use',
      label: 'Opioid use at baseline',
      kind: 'categorical',
      source: { baselineOpioid: true },
    },
    { variable: 'mme', label: 'Baseline MME/day', kind: 'continuous', source: { baseline: 'mme' } },
    { variable: 'pain', label: 'Baseline pain (NRS 0–10)', kind: 'continuous', source: { baseline: 'pain' } },
    { variable: 'odi', label: 'Baseline ODI, %', kind: 'continuous', source: { baseline: 'odi' } },
    // A site's choice of VAS or NRS is confounded with the site; shown so the reader can see it.
    {
      variable: 'pain_scale',
      label: 'Pain scale',
      kind: 'categorical',
      source: { subject: 'painScale', from: 'pain.scale' },
    },
    {
      variable: 'setting',
      label: 'Setting',
      kind: 'categorical',
      source: { subject: 'setting', from: 'procedure.setting' },
    },
  ],
  adverseEvents: { instrument: 'adverse_event', termItem: 'term' },
};

/**
 * The day after the index date that a limit stands for under a protocol: the nominal day of the
 * first or last procedure-anchored visit (after the procedure day) that collects the instrument, or
 * weeks × 7. Null when the protocol has no such visit.
 */
export function dayLimit(protocol: Protocol, limit: DayLimit): number | null {
  if ('weeks' in limit) return limit.weeks * 7;
  const days = protocol.visits
    .filter((v) => v.anchor === 'procedure' && v.instruments.includes(limit.visitCollecting))
    .flatMap((v) =>
      v.offset.days !== undefined && v.offset.days > 0 && !v.offset.minutes ? [v.offset.days] : [],
    );
  return (limit.which === 'first' ? days[0] : days.at(-1)) ?? null;
}
