import type { Issue } from '../errors.js';
import {
  booleanAnswer,
  choices,
  issue,
  listAnswer,
  numberAnswer,
  orderIssues,
  roundTo,
  stringAnswer,
} from './item-helpers.js';
import type { Answers, InstrumentDef, ScoreResult } from './types.js';

/** CLINICAL.md leakage sites, shared with the adverse-event terms for cement extravasation. */
export const LEAKAGE_SITES = [
  ['fracture_gap', 'Fracture gap'],
  ['venous', 'Venous'],
  ['foraminal', 'Foraminal'],
  ['canal', 'Spinal canal'],
  ['disc', 'Disc'],
  ['presacral', 'Presacral'],
] as const;

const yesNo = (id: string, label: string) => ({ id, label, type: 'boolean' as const });

function validateProcedure(a: Answers): Issue[] {
  // A procedure does not span midnight; end before start is a typing error.
  const issues = orderIssues('procedure', a, 'start_time', 'end_time');
  const sides = stringAnswer(a, 'sides');
  for (const [side, other] of [
    ['left', 'right'],
    ['right', 'left'],
  ] as const) {
    if (sides !== side) continue;
    for (const id of [`cement_volume_${other}_ml`, `needles_${other}`]) {
      if ((numberAnswer(a, id) ?? 0) > 0) {
        issues.push(
          issue(id, 'inconsistent', `procedure ${id} is above 0 but only the ${side} side was treated`),
        );
      }
    }
  }
  const leakage = booleanAnswer(a, 'leakage');
  if (leakage !== true) {
    for (const id of ['leakage_sites', 'leakage_symptomatic']) {
      if (a[id] !== undefined && !(id === 'leakage_symptomatic' && a[id] === false)) {
        issues.push(
          issue(id, 'inconsistent', `procedure ${id} is given but leakage is not recorded as true`),
        );
      }
    }
  }
  if (numberAnswer(a, 'dap_or_dlp') !== undefined && stringAnswer(a, 'dose_unit') === undefined) {
    issues.push(issue('dose_unit', 'required', 'procedure dose_unit is required when dap_or_dlp is given'));
  }
  return issues;
}

function minutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** Total cement volume (left + right, mL) and procedure duration (minutes). */
export function scoreProcedure(a: Answers): ScoreResult {
  const left = numberAnswer(a, 'cement_volume_left_ml');
  const right = numberAnswer(a, 'cement_volume_right_ml');
  const total = left === undefined && right === undefined ? null : roundTo((left ?? 0) + (right ?? 0), 3);
  const start = stringAnswer(a, 'start_time');
  const end = stringAnswer(a, 'end_time');
  const duration = start !== undefined && end !== undefined ? minutes(end) - minutes(start) : null;
  const sites = listAnswer(a, 'leakage_sites') ?? [];
  return {
    scores: { cement_volume_total_ml: total, duration_min: duration, leakage_site_count: sites.length },
    main: {},
  };
}

/** The sacroplasty itself (CLINICAL.md "Procedure record"); its date becomes the subject's index date. */
export const PROCEDURE: InstrumentDef = {
  id: 'procedure',
  version: '1.0.0',
  title: 'Sacroplasty procedure',
  repeating: false,
  items: [
    {
      id: 'procedure_date',
      label: 'Procedure date',
      type: 'date',
      required: true,
      marks: 'procedure',
      notBefore: ['consent'],
    },
    { id: 'start_time', label: 'Start time', type: 'time' },
    { id: 'end_time', label: 'End time', type: 'time' },
    { id: 'operator', label: 'Operator', type: 'text' },
    {
      id: 'setting',
      label: 'Setting',
      type: 'choice',
      choices: choices([
        ['inpatient', 'Inpatient'],
        ['outpatient', 'Outpatient'],
      ]),
    },
    {
      id: 'indication',
      label: 'Indication',
      type: 'choice',
      choices: choices([
        ['osteoporotic_sif', 'Osteoporotic sacral insufficiency fracture'],
        ['pathologic_lesion', 'Pathologic lesion'],
        ['other', 'Other'],
      ]),
    },
    {
      id: 'denis_zone',
      label: 'Denis zone',
      type: 'multichoice',
      choices: choices([
        ['I', 'Zone I (ala, lateral to the foramina)'],
        ['II', 'Zone II (through the foramina)'],
        ['III', 'Zone III (medial, into the canal)'],
      ]),
    },
    {
      id: 'ffp_type',
      label: 'FFP type (Rommens–Hofmann)',
      type: 'choice',
      choices: choices(
        ['Ia', 'Ib', 'IIa', 'IIb', 'IIc', 'IIIa', 'IIIb', 'IIIc', 'IVa', 'IVb', 'IVc'].map(
          (c) => [c, `FFP ${c}`] as const,
        ),
      ),
    },
    {
      id: 'levels',
      label: 'Sacral levels',
      type: 'multichoice',
      choices: choices(['S1', 'S2', 'S3', 'S4', 'S5'].map((c) => [c, c] as const)),
    },
    {
      id: 'sides',
      label: 'Sides treated',
      type: 'choice',
      required: true,
      choices: choices([
        ['left', 'Left'],
        ['right', 'Right'],
        ['bilateral', 'Bilateral'],
      ]),
    },
    yesNo('h_type', 'H-type fracture'),
    yesNo('pubic_rami_fracture', 'Concomitant pubic rami fracture'),
    {
      id: 'guidance',
      label: 'Guidance',
      type: 'choice',
      choices: choices([
        ['fluoroscopy', 'Fluoroscopy'],
        ['ct', 'CT'],
        ['ct_fluoroscopy', 'CT-fluoroscopy'],
        ['ct_placement_fluoro_injection', 'CT for placement, fluoroscopy for injection'],
      ]),
    },
    {
      id: 'approach',
      label: 'Approach',
      type: 'choice',
      choices: choices([
        ['short_axis', 'Short-axis'],
        ['long_axis', 'Long-axis'],
        ['transiliac', 'Transiliac'],
        ['interforaminal_other', 'Interforaminal / other'],
      ]),
    },
    { id: 'needles_left', label: 'Needles, left', type: 'integer', min: 0, max: 4 },
    { id: 'needles_right', label: 'Needles, right', type: 'integer', min: 0, max: 4 },
    { id: 'needle_gauge', label: 'Needle gauge', type: 'integer', min: 8, max: 22, unit: 'G' },
    {
      id: 'variant',
      label: 'Technique',
      type: 'choice',
      choices: choices([
        ['plain', 'Plain'],
        ['balloon_assisted', 'Balloon-assisted'],
        ['radiofrequency_assisted', 'Radiofrequency-assisted'],
      ]),
    },
    {
      id: 'cement_type',
      label: 'Cement',
      type: 'choice',
      choices: choices([
        ['pmma', 'PMMA'],
        ['calcium_phosphate', 'Calcium phosphate'],
      ]),
    },
    {
      id: 'cement_volume_left_ml',
      label: 'Cement volume, left',
      type: 'decimal',
      min: 0,
      max: 15,
      unit: 'mL',
    },
    {
      id: 'cement_volume_right_ml',
      label: 'Cement volume, right',
      type: 'decimal',
      min: 0,
      max: 15,
      unit: 'mL',
    },
    {
      id: 'anaesthesia',
      label: 'Anaesthesia',
      type: 'choice',
      choices: choices([
        ['local', 'Local'],
        ['iv_sedation', 'IV sedation'],
        ['general', 'General'],
      ]),
    },
    { id: 'fluoro_time_s', label: 'Fluoroscopy time', type: 'decimal', min: 0, unit: 's' },
    { id: 'dap_or_dlp', label: 'Radiation dose (DAP or DLP)', type: 'decimal', min: 0 },
    {
      id: 'dose_unit',
      label: 'Radiation dose unit',
      type: 'choice',
      choices: choices([
        ['gy_cm2', 'Gy·cm² (DAP)'],
        ['mgy_cm2', 'mGy·cm² (DAP)'],
        ['ugy_m2', 'µGy·m² (DAP)'],
        ['mgy_cm', 'mGy·cm (DLP)'],
      ]),
    },
    yesNo('leakage', 'Cement leakage during the procedure'),
    { id: 'leakage_sites', label: 'Leakage sites', type: 'multichoice', choices: choices(LEAKAGE_SITES) },
    yesNo('leakage_symptomatic', 'Leakage symptomatic'),
    yesNo('technical_success', 'Technical success'),
    yesNo('same_day_discharge', 'Same-day discharge'),
  ],
  validate: validateProcedure,
  score: scoreProcedure,
  subjectUpdate: (a) => {
    const date = stringAnswer(a, 'procedure_date');
    return date === undefined ? { status: 'treated' } : { status: 'treated', indexDate: date };
  },
  collectedOn: (a) => stringAnswer(a, 'procedure_date') ?? null,
};
