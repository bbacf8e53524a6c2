// The study report as data: `sifreg report --format json` prints it; the HTML and PDF render it.
// Field names follow the contract in DESIGN.md; p-values and CIs are null where undefined (n too small).

export type Num = number | null;

export interface ReportMeta {
  title: string;
  generated_at: string;
  protocol: { id: string; version: string; title: string };
  n_subjects: number;
  sites: { id: string; name: string }[];
  /** Visit codes in protocol order, with labels. */
  visits: { code: string; label: string }[];
  /**
   * The audit chain head on the snapshot the report was read from (as `audit verify` prints it:
   * event count and last hash), so the report can be tied to the exact registry state; null for a
   * cohort not read from a registry.
   */
  audit_head: { count: number; hash: string } | null;
}

export interface FlowReport {
  screened: number;
  eligible: number;
  enrolled: number;
  treated: number;
  completed: number;
  withdrawn: number;
  lost_to_follow_up: number;
  died: number;
  ongoing: number;
  /** Per visit: due (window closed or seen) = expected + left_study; expected = seen + missed. */
  by_visit: {
    visit: string;
    expected: number;
    seen: number;
    missed: number;
    /** Seen with a recorded visit date outside the window (early or late; schedule/). */
    out_of_window: number;
    left_study: number;
    not_yet_due: number;
  }[];
  reasons: { status: string; reason: string; n: number }[];
}

export interface ContinuousSummary {
  n: number;
  missing: number;
  mean: Num;
  sd: Num;
  median: Num;
  q1: Num;
  q3: Num;
}

export interface CategoricalSummary {
  n: number;
  missing: number;
  levels: { level: string; n: number; pct: number }[];
}

export interface Table1Row {
  variable: string;
  label: string;
  kind: 'continuous' | 'categorical';
  overall: ContinuousSummary | CategoricalSummary;
  by_site: Record<string, ContinuousSummary | CategoricalSummary>;
}

export interface VisitSummary {
  visit: string;
  n: number;
  missing: number;
  mean: Num;
  sd: Num;
  ci_low: Num;
  ci_high: Num;
  median: Num;
  q1: Num;
  q3: Num;
}

export interface Proportion {
  x: number;
  n: number;
  prop: Num;
  ci_low: Num;
  ci_high: Num;
}

export interface ChangeRow {
  visit: string;
  n_pairs: number;
  mean_change: Num;
  ci_low: Num;
  ci_high: Num;
  t: Num;
  p_t: Num;
  p_t_holm: Num;
  wilcoxon_v: Num;
  p_wilcoxon: Num;
  p_wilcoxon_holm: Num;
  responders_mcid: Proportion;
  responders_30pct: Proportion;
  responders_50pct: Proportion;
  /** Among treated subjects expected at the visit with a baseline value (> 0 for 30% and 50%); missing = non-responder. */
  responders_mcid_itt: Proportion;
  responders_30pct_itt: Proportion;
  responders_50pct_itt: Proportion;
}

export interface LmmReport {
  formula: string;
  /** p from t on the Satterthwaite df (lmerTest); df null (normal p) when the variance Hessian is singular. */
  fixed: { term: string; estimate: number; se: number; df: Num; t: number; p: Num }[];
  sd_subject: number;
  sd_residual: number;
  reml_criterion: number;
  n_obs: number;
  n_groups: number;
  converged: boolean;
}

/** A model that could not be fitted, and why. */
export interface LmmMissing {
  missing_reason: string;
}

export interface OutcomeReport {
  label: string;
  unit: string;
  /** Lower is better for every outcome here; the MCID is in the outcome's unit. */
  mcid: number | null;
  by_visit: VisitSummary[];
  by_site: { site: string; by_visit: VisitSummary[] }[];
  change: ChangeRow[];
  lmm: LmmReport | LmmMissing | null;
}

export interface KmPoint {
  day: number;
  surv: number;
  lower: Num;
  upper: Num;
  n_risk: number;
  n_event: number;
  n_censor: number;
}

export interface OpioidReport {
  by_visit: {
    visit: string;
    n: number;
    any_opioid: Proportion;
    /** McNemar against baseline on subjects seen at both. */
    mcnemar: { n_pairs: number; b: number; c: number; statistic: Num; p: Num };
    mme_median: Num;
    mme_q1: Num;
    mme_q3: Num;
  }[];
}

export interface TimeToEventReport {
  opioid_cessation: {
    n: number;
    events: number;
    km: KmPoint[];
    median_days: Num;
    median_lower: Num;
    median_upper: Num;
    by_site: { site: string; n: number; events: number; km: KmPoint[]; median_days: Num }[];
    logrank_site: { chisq: Num; df: number; p: Num };
    /** Interval-censored (Turnbull) sensitivity analysis, at R survfit's times (midpoints included). */
    turnbull: { day: number; surv: number }[];
    turnbull_median_days: Num;
  };
}

export interface AdverseEventRow {
  event: string;
  label: string;
  count: number;
  rate: number;
  ci_low: Num;
  ci_high: Num;
  /** Denominator (treated subjects); the renderer falls back to `flow.treated` when absent. */
  n?: number;
  /** Follow-up from the procedure to the end of follow-up, in years of 365.25 days. */
  person_years?: number;
  /** Events (recurrent ones included) with onset in follow-up. */
  events?: number;
  /** Events per 100 person-years, with the exact Poisson 95% CI (R poisson.test). */
  rate_per_100py?: Num;
  rate_ci_low?: Num;
  rate_ci_high?: Num;
}

export interface CumulativeIncidenceRow {
  event: 'any' | 'serious';
  day: 30 | 365;
  incidence: Num;
  ci_low: Num;
  ci_high: Num;
}

export type Band = 'red' | 'amber' | 'green' | 'none';

export interface KpiRow {
  kpi: string;
  label: string;
  overall: Proportion & { band: Band };
  by_site: (Proportion & { site: string; band: Band })[];
  /**
   * Do the sites differ? On sites × (met, not met) after dropping empty sites: Pearson chi-square
   * (no continuity correction) when every expected count is ≥ 5, else Fisher's exact test (r × 2);
   * 1 when all or none meet it; null with fewer than two sites.
   */
  p_sites?: Num;
}

export interface CareGapReport {
  kpis: KpiRow[];
  /** Treated subjects past week 16 with no bone medication started. */
  untreated: number;
}

export interface SiteReport {
  site: string;
  name: string;
  n: number;
  completeness: number;
  /** Funnel plot: mean pain change at week 12 against the pool, with 95% and 99.8% control limits. */
  funnel: {
    outcome: string;
    n: number;
    value: Num;
    pool: Num;
    lower95: Num;
    upper95: Num;
    lower998: Num;
    upper998: Num;
    outside: '95' | '99.8' | null;
  };
}

export interface StudyReport {
  meta: ReportMeta;
  flow: FlowReport;
  table1: Table1Row[];
  /** Every outcome of the study definition by key; the reference study's are pain, odi and mme. */
  outcomes: { pain: OutcomeReport; odi: OutcomeReport; mme: OutcomeReport } & Record<string, OutcomeReport>;
  opioids: OpioidReport;
  time_to_event: TimeToEventReport;
  adverse_events: AdverseEventRow[];
  adverse_events_cumulative: CumulativeIncidenceRow[];
  adverse_events_by_severity: { grade: number; count: number; rate: number; ci_low: Num; ci_high: Num }[];
  care_gap: CareGapReport;
  /** Seen / expected per site and visit; `out_of_window`: seen with a visit date outside the window. */
  completeness: {
    site: string;
    visit: string;
    expected: number;
    seen: number;
    pct: Num;
    out_of_window: number;
  }[];
  sites: SiteReport[];
  /**
   * Methods text printed in a small "Methods." paragraph under the tables of each part, keyed:
   * `flow` (participant flow), `table1` (baseline characteristics), `outcomes` (pain, ODI, MME by
   * visit), `change` (change from baseline, paired t and Wilcoxon, Holm), `responders` (MCID, 30%,
   * 50%, exact CIs), `lmm` (linear mixed model), `opioids` (any opioid, McNemar, MME), `km` (time
   * to opioid cessation, log-rank), `adverse_events` (incidence and severity), `care_gap`
   * (osteoporosis KPIs), `completeness` (follow-up per site and visit), `funnel` (sites against
   * the pool). A missing key prints no paragraph.
   */
  methods: Record<string, string>;
}
