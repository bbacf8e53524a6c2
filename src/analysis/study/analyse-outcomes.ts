import { clopperPearson, describe, holm, oneSampleTTest, wilcoxonSignedRank } from '../index.js';
import { expectedInFlow } from './analyse-flow.js';
import { type Cohort, type CohortSubject, type Exact, exactValue, type VisitValues } from './cohort.js';
import type { ChangeRow, OutcomeReport, Proportion, VisitSummary } from './types.js';

export type OutcomeKey = 'pain' | 'odi' | 'mme';

export interface OutcomeSpec {
  key: OutcomeKey;
  label: string;
  unit: string;
  /** Minimal clinically important improvement (CLINICAL.md: pain 2 points, ODI 10 points). */
  mcid: number | null;
  collected: (visit: Cohort['visits'][number]) => boolean;
}

export const OUTCOMES: Record<OutcomeKey, OutcomeSpec> = {
  pain: { key: 'pain', label: 'Pain (NRS 0–10)', unit: 'points', mcid: 2, collected: (v) => v.collectsPain },
  odi: {
    key: 'odi',
    label: 'Oswestry Disability Index',
    unit: '%',
    mcid: 10,
    collected: (v) => v.collectsOdi,
  },
  mme: {
    key: 'mme',
    label: 'Opioid dose (MME/day)',
    unit: 'mg/day',
    mcid: null,
    collected: (v) => v.collectsMedication,
  },
};

export function proportion(x: number, n: number): Proportion {
  const ci = clopperPearson(x, n);
  return { x, n, prop: n > 0 ? x / n : null, ci_low: ci.ci_low, ci_high: ci.ci_high };
}

function valueAt(s: CohortSubject, visit: string, key: OutcomeKey): number | null {
  const v: VisitValues | undefined = s.visits.get(visit);
  return v ? v[key] : null;
}

/** n, mean, SD, t-based 95% CI, median and IQR (type 7) at one visit; seen-but-missing counted. */
export function summariseVisit(
  subjects: readonly CohortSubject[],
  visit: string,
  key: OutcomeKey,
): VisitSummary {
  const values: number[] = [];
  let missing = 0;
  for (const s of subjects) {
    if (!s.visits.has(visit)) continue;
    const v = valueAt(s, visit, key);
    if (v === null) missing++;
    else values.push(v);
  }
  const d = describe(values);
  return {
    visit,
    n: d.n,
    missing,
    mean: d.mean,
    sd: d.sd,
    ci_low: d.ci_low,
    ci_high: d.ci_high,
    median: d.median,
    q1: d.q1,
    q3: d.q3,
  };
}

/** The follow-up visits of an outcome: every visit after the procedure that collects it (30 minutes included). */
export function followUpVisits(cohort: Cohort, spec: OutcomeSpec) {
  const baseline = cohort.visits[0]!.code;
  return cohort.visits.filter((v) => v.code !== baseline && v.day !== null && spec.collected(v));
}

/** Whether follow-up f improved on baseline b by the three responder rules, decided on exact fractions. */
export function responder(b: Exact, f: Exact, mcid: number | null) {
  // b − f = (b.num·f.den − f.num·b.den) / (b.den·f.den); every product is an integer below 2^53.
  const gain = b.num * f.den - f.num * b.den;
  const dens = b.den * f.den;
  const relative = b.num > 0;
  return {
    mcid: mcid !== null && gain >= mcid * dens,
    // (b − f) / b ≥ 0.3  ⇔  10 (b − f) ≥ 3 b, with b > 0.
    pct30: relative && 10 * gain >= 3 * b.num * f.den,
    pct50: relative && 2 * gain >= b.num * f.den,
    /** f − b as one correctly rounded division: equal changes give equal doubles (ties stay ties). */
    change: -gain / dens,
  };
}

/**
 * Change from baseline at each follow-up: paired t and Wilcoxon signed-rank on (visit − baseline),
 * computed on exact values, Holm-adjusted across every follow-up; responders by the MCID and by
 * ≥ 30% / ≥ 50% reduction with exact CIs, among complete pairs and counting every subject expected
 * at the visit with a baseline value (a missing follow-up is a non-responder).
 */
export function changeFromBaseline(
  cohort: Cohort,
  spec: OutcomeSpec,
  subjects: readonly CohortSubject[],
): ChangeRow[] {
  const baseline = cohort.visits[0]!.code;
  const rows = followUpVisits(cohort, spec).map((v) => {
    const diffs: number[] = [];
    let mcid = 0;
    let pct30 = 0;
    let pct50 = 0;
    let relN = 0;
    let ittN = 0;
    let ittRelN = 0;
    for (const s of subjects) {
      const b = valueAt(s, baseline, spec.key);
      if (b === null) continue;
      const be = exactValue(spec.key, b);
      if (expectedInFlow(cohort, s, v.code)) {
        ittN++;
        if (be.num > 0) ittRelN++;
      }
      const f = valueAt(s, v.code, spec.key);
      if (f === null) continue;
      const r = responder(be, exactValue(spec.key, f), spec.mcid);
      diffs.push(r.change);
      if (r.mcid) mcid++;
      // Relative improvement is defined only when there was something to improve.
      if (be.num > 0) {
        relN++;
        if (r.pct30) pct30++;
        if (r.pct50) pct50++;
      }
    }
    const t = oneSampleTTest(diffs);
    const w = wilcoxonSignedRank(diffs);
    const none = spec.mcid === null;
    return {
      visit: v.code,
      n_pairs: diffs.length,
      mean_change: t.mean,
      ci_low: t.ci_low,
      ci_high: t.ci_high,
      t: t.t,
      p_t: t.p,
      p_t_holm: null as number | null,
      wilcoxon_v: diffs.length > 0 ? w.v : null,
      p_wilcoxon: w.p,
      p_wilcoxon_holm: null as number | null,
      responders_mcid: none ? proportion(0, 0) : proportion(mcid, diffs.length),
      responders_30pct: proportion(pct30, relN),
      responders_50pct: proportion(pct50, relN),
      responders_mcid_itt: none ? proportion(0, 0) : proportion(mcid, ittN),
      responders_30pct_itt: proportion(pct30, ittRelN),
      responders_50pct_itt: proportion(pct50, ittRelN),
    };
  });
  const pt = holm(rows.map((r) => r.p_t));
  const pw = holm(rows.map((r) => r.p_wilcoxon));
  rows.forEach((r, i) => {
    r.p_t_holm = pt[i] ?? null;
    r.p_wilcoxon_holm = pw[i] ?? null;
  });
  return rows;
}

/** Outcome by visit overall and by site, and change from baseline; the mixed model is added by the caller. */
export function analyseOutcome(cohort: Cohort, spec: OutcomeSpec): OutcomeReport {
  const treated = cohort.subjects.filter((s) => s.treated);
  const visits = cohort.visits.filter((v) => spec.collected(v));
  return {
    label: spec.label,
    unit: spec.unit,
    mcid: spec.mcid,
    by_visit: visits.map((v) => summariseVisit(treated, v.code, spec.key)),
    by_site: cohort.sites.map((site) => {
      const own = treated.filter((s) => s.site === site.id);
      return { site: site.id, by_visit: visits.map((v) => summariseVisit(own, v.code, spec.key)) };
    }),
    change: changeFromBaseline(cohort, spec, treated),
    lmm: null,
  };
}
