// The study analysis: the cohort as the analysis sees it, every analysis of the study report over
// it, and the report's data (`StudyReport`, the JSON format). Pure and deterministic.
export { analyseStudy, outcomeLmm, outcomeRows } from './analyse.js';
export type * from './cohort.js';
export { exactValue } from './cohort.js';
export { cohortVisits, kpiDaysOf } from './cohort-visits.js';
export { METHODS } from './methods.js';
export type * from './types.js';
export {
  addDose,
  doseHundredths,
  listedStopped,
  type MedicationDose,
  type MmeSum,
  mmeByVisit,
  visitMmeDay,
} from './visit-mme.js';
