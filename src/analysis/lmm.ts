import { normalTwoSided, tTwoSided } from './distributions.js';
import { cholInverseDiagonal, evaluateReml } from './lmm-criterion.js';
import { buildLmmDesign, type LmmInput } from './lmm-design.js';
import { groupSubjects } from './lmm-grouped.js';
import { satterthwaiteDf } from './lmm-satterthwaite.js';
import { minimiseBounded } from './optimise.js';

export type { LmmCovariate, LmmInput } from './lmm-design.js';

/**
 * The model cannot be fitted to these data (too few rows or subjects, a rank-deficient design, or
 * no convergence); any other error from `fitLmm` is a bug and is not of this class.
 */
export class LmmFitError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'LmmFitError';
  }
}

export interface LmmFixedEffect {
  /** R's coefficient name: `(Intercept)`, `visitweek2`, `siteVCU`, or the numeric covariate's name. */
  term: string;
  estimate: number;
  se: number;
  t: number;
  /** Satterthwaite degrees of freedom (lmerTest); null when the variance Hessian is not positive definite. */
  df: number | null;
  /** Two-sided p-value from t on the Satterthwaite df, as lmerTest; the normal approximation when df is null. */
  p: number;
}

export interface LmmFit {
  fixed: LmmFixedEffect[];
  sd_subject: number;
  /** Present with a random slope: its SD and its correlation with the random intercept. */
  sd_slope?: number;
  corr?: number | null;
  sd_residual: number;
  /** lme4 `REMLcrit()`: −2 × REML log-likelihood at the optimum. */
  reml_criterion: number;
  /** lme4's θ (relative covariance factor, column-major lower triangle). */
  theta: number[];
  n_obs: number;
  n_groups: number;
  converged: boolean;
  /** True when a variance component sits on its boundary (lme4 "boundary (singular) fit"). */
  singular: boolean;
}

/**
 * Linear mixed model fitted by REML, as lme4 `lmer(y ~ fixed + (1 | subject))` or, with
 * `randomSlope`, `lmer(y ~ fixed + (1 + t | subject))` (correlated intercept and slope).
 * β and σ² are profiled out and the REML criterion is minimised over θ (Nelder–Mead, then Newton on
 * finite differences) using per-subject sufficient statistics: cost is linear in rows and subjects,
 * and no n×n matrix exists. Rows with a missing response or covariate are dropped.
 */
export function fitLmm(input: LmmInput): LmmFit {
  const design = buildLmmDesign(input);
  const { p, q, nObs, nGroups } = design;
  if (nObs <= p) throw new LmmFitError(`${nObs} observations for ${p} fixed effects`);
  if (nGroups < 2) throw new LmmFitError(`${nGroups} subject; at least two subjects are needed`);
  const probe = evaluateReml(design, q === 1 ? [0] : [0, 0, 0]);
  if (!Number.isFinite(probe.deviance))
    throw new LmmFitError('the fixed-effect design matrix is rank deficient');
  // lme4's start and bounds: θ = 1 (diagonal) / 0 (off-diagonal); diagonal elements ≥ 0.
  const start = q === 1 ? [1] : [1, 0, 1];
  const lower = q === 1 ? [0] : [0, Number.NEGATIVE_INFINITY, 0];
  const grouped = groupSubjects(design);
  const deviance = (theta: readonly number[]) => evaluateReml(design, theta, grouped).deviance;
  const opt = minimiseBounded(deviance, start, lower);
  const theta = opt.x;
  const at = evaluateReml(design, theta, grouped);
  // REML σ² = r² / (n − p); Var(β̂) = σ² (X'V₀⁻¹X)⁻¹.
  const sigma2 = at.pwrss / (nObs - p);
  const sigma = Math.sqrt(sigma2);
  const unscaled = cholInverseDiagonal(at.cholXtVX, p);
  const dfs = satterthwaiteDf(design, theta, grouped);
  const fixed = design.terms.map((term, j) => {
    const estimate = at.beta[j]!;
    const se = Math.sqrt(sigma2 * unscaled[j]!);
    const t = estimate / se;
    const df = dfs[j] ?? null;
    return { term, estimate, se, t, df, p: df === null ? normalTwoSided(t) : tTwoSided(t, df) };
  });
  const [t0 = 0, t1 = 0, t2 = 0] = theta;
  const base = {
    fixed,
    sd_subject: sigma * Math.abs(t0),
    sd_residual: sigma,
    reml_criterion: at.deviance,
    theta,
    n_obs: nObs,
    n_groups: nGroups,
    converged: opt.converged,
  };
  if (q === 1) return { ...base, singular: t0 === 0 };
  // Σ/σ² = ΛΛ' with Λ = [[t0, 0], [t1, t2]].
  const slopeSd = Math.hypot(t1, t2);
  return {
    ...base,
    sd_slope: sigma * slopeSd,
    corr: t0 === 0 || slopeSd === 0 ? null : (t0 * t1) / (Math.abs(t0) * slopeSd),
    singular: t0 === 0 || t2 === 0,
  };
}
