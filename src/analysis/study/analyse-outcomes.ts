import { type OutcomeDefinition, SACROPLASTY_STUDY } from '../../protocol/index.js';
import { clopperPearson, describe, holm, oneSampleTTest, wilcoxonSignedRank } from '../index.js';
import { expectedInFlow } from './analyse-flow.js';
import {
  type Cohort,
  type CohortSubject,
  type CohortVisit,
  type Exact,
  exactOn,
  outcomeValue,
} from './cohort.js';
import type { ChangeRow, OutcomeReport, Proportion, VisitSummary } from './types.js';

export type OutcomeSpec = OutcomeDefinition;

/** The reference study's outcomes by key (pain, odi, mme). */
export const OUTCOMES: Readonly<Record<string, OutcomeSpec>> & Record<'pain' | 'odi' | 'mme', OutcomeSpec> =
  Object.fromEntries(SACROPLASTY_STUDY.outcomes.map((o) => [o.key, o])) as Record<
    'pain' | 'odi' | 'mme',
    OutcomeSpec
  >;

/** Whether a visit collects the outcome: the protocol lists the outcome's instrument there. */
export function collects(v: CohortVisit, spec: OutcomeSpec): boolean {
  if (v.instruments) return v.instruments.includes(spec.instrument);
  // Hand-built visits without an instrument list (older fixtures): the three typed outcomes.
  if (spec.instrument === 'pain') return v.collectsPain;
  if (spec.instrument === 'odi') return v.collectsOdi;
  return spec.instrument === 'analgesic' && v.collectsMedication;
}

export function proportion(x: number, n: number): Proportion {
  const ci = clopperPearson(x, n);
  return { x, n, prop: n > 0 ? x / n : null, ci_low: ci.ci_low, ci_high: ci.ci_high };
}

function valueAt(s: CohortSubject, visit: string, key: string): number | null {
  return outcomeValue(s.visits.get(visit), key);
}

/** n, mean, SD, t-based 95% CI, median and IQR (type 7) at one visit; seen-but-missing counted. */
export function summariseVisit(subjects: readonly CohortSubject[], visit: string, key: string): VisitSummary {
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
  return cohort.visits.filter((v) => v.code !== baseline && v.day !== null && collects(v, spec));
}

/** (b − f) / b ≥ pct / 100 with b > 0, on exact fractions: 100 (b − f) ≥ pct · b. */
export function reducedBy(b: Exact, f: Exact, pct: number): boolean {
  // b − f = (b.num·f.den − f.num·b.den) / (b.den·f.den); every product is an integer below 2^53.
  const gain = b.num * f.den - f.num * b.den;
  return b.num > 0 && 100 * gain >= pct * b.num * f.den;
}

/** Whether follow-up f improved on baseline b by the MCID and by 30% / 50%, decided on exact fractions. */
export function responder(b: Exact, f: Exact, mcid: number | null) {
  const gain = b.num * f.den - f.num * b.den;
  const dens = b.den * f.den;
  return {
    mcid: mcid !== null && gain >= mcid * dens,
    pct30: reducedBy(b, f, 30),
    pct50: reducedBy(b, f, 50),
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
  const reductions = (cohort.definition ?? SACROPLASTY_STUDY).reductionsPct;
  // Each subject's exact baseline value once, for every follow-up visit.
  const baseValues = subjects.map((s) => {
    const b = valueAt(s, baseline, spec.key);
    return b === null ? null : exactOn(spec.exact, b);
  });
  const rows = followUpVisits(cohort, spec).map((v) => {
    const diffs: number[] = [];
    let mcid = 0;
    const reduced = reductions.map(() => 0);
    let relN = 0;
    let ittN = 0;
    let ittRelN = 0;
    for (let i = 0; i < subjects.length; i++) {
      const s = subjects[i]!;
      const be = baseValues[i];
      if (be === null || be === undefined) continue;
      if (expectedInFlow(cohort, s, v.code)) {
        ittN++;
        if (be.num > 0) ittRelN++;
      }
      const f = valueAt(s, v.code, spec.key);
      if (f === null) continue;
      const fe = exactOn(spec.exact, f);
      const r = responder(be, fe, spec.mcid);
      diffs.push(r.change);
      if (r.mcid) mcid++;
      // Relative improvement is defined only when there was something to improve.
      if (be.num > 0) {
        relN++;
        reductions.forEach((pct, i) => {
          if (reducedBy(be, fe, pct)) reduced[i]!++;
        });
      }
    }
    const t = oneSampleTTest(diffs);
    const w = wilcoxonSignedRank(diffs);
    const none = spec.mcid === null;
    // `responders_<p>pct` and `responders_<p>pct_itt` for each reduction rule of the definition.
    type Reduced = Pick<ChangeRow, 'responders_30pct' | 'responders_50pct'>;
    type ReducedItt = Pick<ChangeRow, 'responders_30pct_itt' | 'responders_50pct_itt'>;
    const complete = Object.fromEntries(
      reductions.map((pct, i) => [`responders_${pct}pct`, proportion(reduced[i]!, relN)]),
    ) as Reduced;
    const itt = Object.fromEntries(
      reductions.map((pct, i) => [`responders_${pct}pct_itt`, proportion(reduced[i]!, ittRelN)]),
    ) as ReducedItt;
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
      ...complete,
      responders_mcid_itt: none ? proportion(0, 0) : proportion(mcid, ittN),
      ...itt,
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
  const visits = cohort.visits.filter((v) => collects(v, spec));
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
