import type { Issue } from '../errors.js';
import { daysBetween } from '../schedule/calendar.js';
import {
  booleanAnswer,
  choices,
  issue,
  numberAnswer,
  orderIssues,
  roundTo,
  stringAnswer,
} from './item-helpers.js';
import type { Answers, InstrumentDef, ItemDef, ScoreResult } from './types.js';

/**
 * CLINICAL.md clinical suspicion flags for a sacral insufficiency fracture. `prior_fragility_fracture`
 * and `steroid_use` are flags and also the Table 1 variables of the same name (one item each).
 */
export const SUSPICION_FLAGS = [
  ['age60_or_osteoporosis', 'Age ≥ 60 or known osteoporosis'],
  ['pain_without_trauma', 'Low back, buttock or groin pain without adequate trauma'],
  ['weight_bearing_pain', 'Pain on weight bearing that eases lying down'],
  ['sacral_tenderness', 'Sacral tenderness or positive sacral compression test'],
  ['prior_fragility_fracture', 'Prior fragility fracture'],
  ['pelvic_radiation', 'Pelvic radiation'],
  ['steroid_use', 'Corticosteroid use'],
  ['lumbar_imaging_unexplained', 'Lumbar imaging does not explain the pain'],
] as const;

/** CLINICAL.md: "several flags → recommend MRI/CT"; several = 3 or more (registry rule). */
export const MRI_CT_FLAG_THRESHOLD = 3;

function validateEligibility(a: Answers): Issue[] {
  const issues = orderIssues('eligibility', a, 'symptom_onset_date', 'screening_date');
  const reason = stringAnswer(a, 'ineligible_reason');
  if (booleanAnswer(a, 'eligible') === false && reason === undefined) {
    issues.push(
      issue('ineligible_reason', 'required', 'eligibility ineligible_reason is required when not eligible'),
    );
  }
  return issues;
}

/** Counts the suspicion flags present; symptom duration in weeks, given or from onset to screening. */
export function scoreEligibility(a: Answers): ScoreResult {
  const flags = SUSPICION_FLAGS.filter(([id]) => booleanAnswer(a, id) === true).length;
  const onset = stringAnswer(a, 'symptom_onset_date');
  const screening = stringAnswer(a, 'screening_date');
  const given = numberAnswer(a, 'symptom_duration_weeks');
  const weeks =
    given ??
    (onset !== undefined && screening !== undefined ? roundTo(daysBetween(onset, screening) / 7, 1) : null);
  return {
    scores: { flags_count: flags, mri_ct_recommended: flags >= MRI_CT_FLAG_THRESHOLD, symptom_weeks: weeks },
    main: {},
  };
}

const FLAG_ITEMS: ItemDef[] = SUSPICION_FLAGS.map(([id, label]) => ({ id, label, type: 'boolean' }));

/** Screening: suspicion flags, imaging confirmation, etiology and the eligibility decision. */
export const ELIGIBILITY: InstrumentDef = {
  id: 'eligibility',
  version: '1.0.0',
  title: 'Screening and eligibility',
  repeating: false,
  items: [
    { id: 'screening_date', label: 'Screening date', type: 'date' },
    ...FLAG_ITEMS,
    {
      id: 'imaging_confirmation',
      label: 'Fracture confirmed by',
      type: 'multichoice',
      choices: choices([
        ['mri_stir', 'MRI (STIR oedema)'],
        ['ct', 'CT'],
        ['bone_scan', 'Bone scan'],
      ]),
    },
    { id: 'symptom_onset_date', label: 'Symptom onset date', type: 'date' },
    {
      id: 'symptom_duration_weeks',
      label: 'Symptom duration (when the onset date is unknown)',
      type: 'decimal',
      min: 0,
      max: 520,
      unit: 'wk',
    },
    {
      id: 'etiology',
      label: 'Etiology',
      type: 'choice',
      choices: choices([
        ['osteoporotic', 'Osteoporotic'],
        ['radiation', 'Radiation'],
        ['steroid', 'Steroid-induced'],
        ['other', 'Other'],
      ]),
    },
    { id: 'eligible', label: 'Eligible', type: 'boolean', required: true },
    { id: 'ineligible_reason', label: 'Reason not eligible', type: 'text' },
  ],
  validate: validateEligibility,
  score: scoreEligibility,
  collectedOn: (a) => stringAnswer(a, 'screening_date') ?? null,
};
