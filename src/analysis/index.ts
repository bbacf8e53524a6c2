// Statistics for the study report over plain arrays: descriptives, paired tests, exact intervals,
// contingency tables, survival and the REML linear mixed model. Pure (no I/O), each function
// validated against R to 1e-6 relative (scripts/r/validate.R, test/fixtures/r/validation.json).
export { type ChiSquareResult, chiSquareTest } from './chi-square.js';
export { type Description, describe, quantile } from './descriptives.js';
export { chisqUpper, normalTwoSided, qnorm, qt, tTwoSided } from './distributions.js';
export { type FisherResult, fisherExact2x2 } from './fisher.js';
export { fisherExactRx2 } from './fisher-rx2.js';
export { type KaplanMeierResult, type KmStep, kaplanMeier } from './kaplan-meier.js';
export {
  fitLmm,
  type LmmCovariate,
  type LmmFit,
  LmmFitError,
  type LmmFixedEffect,
  type LmmInput,
} from './lmm.js';
export { type LogRankResult, logRank } from './log-rank.js';
export { holm } from './p-adjust.js';
export { type PoissonRate, poissonRate } from './poisson.js';
export { clopperPearson, type McNemarResult, mcnemar, type ProportionCi } from './proportions.js';
export { oneSampleTTest, pairedDifferences, pairedTTest, type TTestResult } from './t-test.js';
export { type TurnbullResult, turnbull } from './turnbull.js';
export { type WilcoxonOptions, type WilcoxonResult, wilcoxonSignedRank } from './wilcoxon.js';
