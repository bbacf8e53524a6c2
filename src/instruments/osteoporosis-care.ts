import type { Issue } from '../errors.js';
import { booleanAnswer, choices, issue, loinc, stringAnswer } from './item-helpers.js';
import type { Answers, InstrumentDef } from './types.js';

function validateCare(a: Answers): Issue[] {
  const issues: Issue[] = [];
  if (booleanAnswer(a, 'dxa_done') === false) {
    for (const id of ['dxa_date', 'lowest_t_score']) {
      if (a[id] !== undefined)
        issues.push(issue(id, 'inconsistent', `osteoporosis_care ${id} is given but dxa_done is false`));
    }
  }
  if (stringAnswer(a, 'bone_med') === 'none') {
    for (const id of ['bone_med_start_date', 'bone_med_persisting']) {
      if (a[id] !== undefined && a[id] !== false) {
        issues.push(issue(id, 'inconsistent', `osteoporosis_care ${id} is given but bone_med is none`));
      }
    }
  }
  return issues;
}

/**
 * Osteoporosis care after the fracture (CLINICAL.md care gap, fracture liaison KPIs): DXA, vitamin D,
 * calcium, bone medication started and persisting, falls risk. Collected at baseline, week 12 and 52.
 */
export const OSTEOPOROSIS_CARE: InstrumentDef = {
  id: 'osteoporosis_care',
  version: '1.0.0',
  title: 'Osteoporosis care',
  repeating: false,
  items: [
    { id: 'dxa_done', label: 'DXA scan done', type: 'boolean' },
    { id: 'dxa_date', label: 'DXA date', type: 'date' },
    { id: 'lowest_t_score', label: 'Lowest T-score', type: 'decimal', min: -6, max: 4 },
    {
      id: 'vitamin_d_25oh',
      label: '25-OH vitamin D',
      type: 'decimal',
      min: 0,
      max: 200,
      unit: 'ng/mL',
      code: loinc('62292-8', '25-Hydroxyvitamin D2+25-Hydroxyvitamin D3 [Mass/volume] in Serum or Plasma'),
    },
    { id: 'calcium_vitd_started', label: 'Calcium / vitamin D started', type: 'boolean' },
    { id: 'bone_med_recommended', label: 'Bone medication recommended', type: 'boolean' },
    {
      id: 'bone_med',
      label: 'Bone medication',
      type: 'choice',
      choices: choices([
        ['oral_bisphosphonate', 'Oral bisphosphonate'],
        ['iv_zoledronate', 'IV zoledronate'],
        ['denosumab', 'Denosumab'],
        ['teriparatide_abaloparatide', 'Teriparatide / abaloparatide'],
        ['romosozumab', 'Romosozumab'],
        ['none', 'None'],
      ]),
    },
    { id: 'bone_med_start_date', label: 'Bone medication start date', type: 'date' },
    { id: 'bone_med_persisting', label: 'Bone medication still taken (at 52 weeks)', type: 'boolean' },
    { id: 'falls_risk_assessed', label: 'Falls risk assessed', type: 'boolean' },
  ],
  validate: validateCare,
};
