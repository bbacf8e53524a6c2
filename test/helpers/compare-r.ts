import type { StudyReport } from '../../src/reports/types.js';

type Num = number | null;

export interface RResult {
  pain: ROutcome;
  odi: ROutcome;
  mme: ROutcome;
  km: { time: number[]; surv: number[]; lower: Num[]; upper: Num[]; n_risk: number[]; median: Num };
  logrank: { chisq: number; df: number; p: number };
  timing: {
    read_seconds: number;
    analysis_seconds: number;
    r_version: string;
    lme4: string;
    survival: string;
  };
}

interface ROutcome {
  by_visit: {
    visit: string;
    n: number;
    mean: number;
    sd: Num;
    ci_low: Num;
    ci_high: Num;
    median: number;
    q1: number;
    q3: number;
  }[];
  change: {
    visit: string;
    n_pairs: number;
    mean_change: number;
    ci_low: number;
    ci_high: number;
    t: number;
    p_t: number;
    wilcoxon_v: number;
    p_wilcoxon: number;
  }[];
  lmm: {
    fixed: { term: string; estimate: number; se: number; t: number; p: number }[];
    sd_subject: number;
    sd_residual: number;
    reml_criterion: number;
  };
}

/** Largest relative difference between the report's statistics and R's, over every number both give. */
export function compareWithR(report: StudyReport, r: RResult) {
  let maxRel = 0;
  let worst = '';
  let compared = 0;
  const check = (label: string, ours: Num | undefined, theirs: Num | undefined) => {
    if (ours == null || theirs == null) return;
    compared++;
    const rel = Math.abs(ours - theirs) / Math.max(Math.abs(theirs), 1e-12);
    const abs = Math.abs(ours - theirs);
    const d = Math.min(rel, abs < 1e-12 ? 0 : rel);
    if (d > maxRel) {
      maxRel = d;
      worst = label;
    }
  };
  for (const key of ['pain', 'odi', 'mme'] as const) {
    const o = report.outcomes[key];
    for (const v of r[key].by_visit) {
      const m = o.by_visit.find((x) => x.visit === v.visit);
      for (const f of ['n', 'mean', 'sd', 'ci_low', 'ci_high', 'median', 'q1', 'q3'] as const)
        check(`${key} ${v.visit} ${f}`, m?.[f], v[f]);
    }
    for (const v of r[key].change) {
      const m = o.change.find((x) => x.visit === v.visit);
      for (const f of [
        'n_pairs',
        'mean_change',
        'ci_low',
        'ci_high',
        't',
        'p_t',
        'wilcoxon_v',
        'p_wilcoxon',
      ] as const) {
        check(`${key} change ${v.visit} ${f}`, m?.[f], v[f]);
      }
    }
    const lmm = o.lmm;
    for (const f of r[key].lmm.fixed) {
      const m = lmm?.fixed.find((x) => x.term === f.term.replace('study_id', 'subject'));
      check(`${key} lmm ${f.term} estimate`, m?.estimate, f.estimate);
      check(`${key} lmm ${f.term} se`, m?.se, f.se);
    }
    check(`${key} lmm sd_subject`, lmm?.sd_subject, r[key].lmm.sd_subject);
    check(`${key} lmm sd_residual`, lmm?.sd_residual, r[key].lmm.sd_residual);
    check(`${key} lmm reml`, lmm?.reml_criterion, r[key].lmm.reml_criterion);
  }
  const km = report.time_to_event.opioid_cessation;
  r.km.time.forEach((t, i) => {
    const m = km.km.find((x) => x.day === t);
    check(`km surv day ${t}`, m?.surv, r.km.surv[i]);
    check(`km lower day ${t}`, m?.lower, r.km.lower[i]);
    check(`km upper day ${t}`, m?.upper, r.km.upper[i]);
  });
  check('km median', km.median_days, r.km.median);
  check('logrank chisq', km.logrank_site.chisq, r.logrank.chisq);
  return { maxRel, worst, compared };
}
