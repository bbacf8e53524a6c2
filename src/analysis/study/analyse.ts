import { SACROPLASTY_STUDY } from '../../protocol/index.js';
import { fitLmm, LmmFitError } from '../index.js';
import { analyseCareGap } from './analyse-care.js';
import { analyseCompleteness, analyseFlow } from './analyse-flow.js';
import { analyseCessation, analyseOpioids } from './analyse-opioids.js';
import { analyseOutcome, collects, type OutcomeSpec } from './analyse-outcomes.js';
import { analyseAdverseEvents, analyseCumulativeIncidence, analyseSeverity } from './analyse-safety.js';
import { analyseSites } from './analyse-sites.js';
import { analyseTable1 } from './analyse-table1.js';
import { type Cohort, outcomeValue } from './cohort.js';
import { METHODS } from './methods.js';
import type { LmmMissing, LmmReport, StudyReport } from './types.js';

/** Long-format rows of one outcome among treated subjects: the mixed model's data. */
export function outcomeRows(cohort: Cohort, spec: OutcomeSpec) {
  const y: number[] = [];
  const subject: string[] = [];
  const visit: string[] = [];
  const site: string[] = [];
  const visits = cohort.visits.filter((v) => collects(v, spec));
  for (const s of cohort.subjects) {
    if (!s.treated) continue;
    for (const v of visits) {
      const value = outcomeValue(s.visits.get(v.code), spec.key);
      if (value === null) continue;
      y.push(value);
      subject.push(s.studyId);
      visit.push(v.code);
      site.push(s.site);
    }
  }
  return { y, subject, visit, site, visitLevels: visits.map((v) => v.code) };
}

/**
 * `y ~ visit + site + (1 | subject)` by REML (lme4 parameterisation) with Satterthwaite df (lmerTest).
 * A model the data cannot support (too few observations or subjects, a rank-deficient design) or
 * that does not converge is reported as missing with the reason; any other error propagates.
 */
export function outcomeLmm(cohort: Cohort, spec: OutcomeSpec): LmmReport | LmmMissing {
  const rows = outcomeRows(cohort, spec);
  const visitLevels = rows.visitLevels.filter((v) => rows.visit.includes(v));
  const siteLevels = [...new Set(rows.site)].sort();
  const fixed: Record<string, { values: string[]; levels: string[] }> = {
    visit: { values: rows.visit, levels: visitLevels },
  };
  if (siteLevels.length > 1) fixed.site = { values: rows.site, levels: siteLevels };
  let fit: ReturnType<typeof fitLmm>;
  try {
    fit = fitLmm({ y: rows.y, subject: rows.subject, fixed });
  } catch (error) {
    if (error instanceof LmmFitError) return { missing_reason: `not fitted: ${error.message}` };
    throw error;
  }
  if (!fit.converged) return { missing_reason: 'not fitted: the REML optimisation did not converge' };
  return {
    formula: `${spec.key} ~ visit${siteLevels.length > 1 ? ' + site' : ''} + (1 | subject)`,
    fixed: fit.fixed.map((f) => ({ term: f.term, estimate: f.estimate, se: f.se, df: f.df, t: f.t, p: f.p })),
    sd_subject: fit.sd_subject,
    sd_residual: fit.sd_residual,
    reml_criterion: fit.reml_criterion,
    n_obs: fit.n_obs,
    n_groups: fit.n_groups,
    converged: fit.converged,
  };
}

/** The whole study analysis over the cohort; pure and deterministic. */
export function analyseStudy(cohort: Cohort, generatedAt: string): StudyReport {
  // Every outcome of the study definition, in its order (pain, ODI and MME in the reference study).
  const definition = cohort.definition ?? SACROPLASTY_STUDY;
  const outcomes = Object.fromEntries(
    definition.outcomes.map((o) => [o.key, { ...analyseOutcome(cohort, o), lmm: outcomeLmm(cohort, o) }]),
  ) as StudyReport['outcomes'];
  const completeness = analyseCompleteness(cohort);
  return {
    meta: {
      title: `${cohort.protocol.title}: study report`,
      generated_at: generatedAt,
      protocol: cohort.protocol,
      n_subjects: cohort.subjects.length,
      sites: cohort.sites,
      visits: cohort.visits.map((v) => ({ code: v.code, label: v.label })),
      audit_head: cohort.auditHead ?? null,
    },
    flow: analyseFlow(cohort),
    table1: analyseTable1(cohort),
    outcomes,
    opioids: analyseOpioids(cohort),
    time_to_event: analyseCessation(cohort),
    adverse_events: analyseAdverseEvents(cohort),
    adverse_events_cumulative: analyseCumulativeIncidence(cohort),
    adverse_events_by_severity: analyseSeverity(cohort),
    care_gap: analyseCareGap(cohort),
    completeness,
    sites: analyseSites(cohort, completeness),
    methods: METHODS,
  };
}
