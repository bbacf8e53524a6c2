import { clopperPearson, describe, holm, oneSampleTTest, wilcoxonSignedRank } from '../analysis/index.js';
import type { Cohort, CohortSubject, VisitValues } from './cohort.js';
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

/**
 * Change from baseline at each follow-up: paired t and Wilcoxon signed-rank on (visit − baseline),
 * Holm-adjusted across visits; responders by the MCID and by ≥ 30% / ≥ 50% reduction with exact CIs.
 */
export function changeFromBaseline(
  cohort: Cohort,
  spec: OutcomeSpec,
  subjects: readonly CohortSubject[],
): ChangeRow[] {
  const baseline = cohort.visits[0]!.code;
  const followUps = cohort.visits.filter((v) => v.day !== null && v.day > 0 && spec.collected(v));
  const rows = followUps.map((v) => {
    const diffs: number[] = [];
    let mcid = 0;
    let pct30 = 0;
    let pct50 = 0;
    let relN = 0;
    for (const s of subjects) {
      const b = valueAt(s, baseline, spec.key);
      const f = valueAt(s, v.code, spec.key);
      if (b === null || f === null) continue;
      diffs.push(f - b);
      if (spec.mcid !== null && b - f >= spec.mcid) mcid++;
      // Relative improvement is defined only when there was something to improve.
      if (b > 0) {
        relN++;
        if ((b - f) / b >= 0.3) pct30++;
        if ((b - f) / b >= 0.5) pct50++;
      }
    }
    const t = oneSampleTTest(diffs);
    const w = wilcoxonSignedRank(diffs);
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
      responders_mcid: spec.mcid === null ? proportion(0, 0) : proportion(mcid, diffs.length),
      responders_30pct: proportion(pct30, relN),
      responders_50pct: proportion(pct50, relN),
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
