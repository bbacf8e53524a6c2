import type { Issue } from '../errors.js';
import { choices, issue, loinc, numberAnswer, roundTo, stringAnswer } from './item-helpers.js';
import type { Answers, InstrumentDef, ScoreResult } from './types.js';

/** Top of each scale: NRS 0–10 points, VAS on a 100 mm line. */
const SCALE_MAX: Readonly<Record<string, number>> = { nrs: 10, vas: 100 };

function validatePain(a: Answers): Issue[] {
  const scale = stringAnswer(a, 'scale');
  const score = numberAnswer(a, 'score');
  if (scale === undefined || score === undefined) return [];
  const max = SCALE_MAX[scale] ?? 10;
  const name = scale.toUpperCase();
  if (score > max)
    return [issue('score', 'too_big', `pain score ${score} is above the maximum ${max} for ${name}`)];
  if (scale === 'nrs' && !Number.isInteger(score)) {
    return [issue('score', 'not_integer', `pain score ${score} is not a whole number, as the NRS requires`)];
  }
  return [];
}

/**
 * Pain on the 0–10 scale used for analysis. CLINICAL.md: VAS is stored in mm and converted × 0.1
 * (computed as mm / 10, which is exact for whole mm); never average mixed scales unconverted.
 */
export function scorePain(a: Answers): ScoreResult {
  const scale = stringAnswer(a, 'scale');
  const score = numberAnswer(a, 'score');
  const nrs = score === undefined ? null : scale === 'vas' ? roundTo(score / 10, 4) : score;
  return { scores: { pain_nrs: nrs, scale: scale ?? null }, main: { pain_nrs: nrs } };
}

/** Current / average pain over the last 24 hours on the 0–10 NRS or a 100 mm VAS. */
export const PAIN: InstrumentDef = {
  id: 'pain',
  version: '1.0.0',
  title: 'Pain intensity (NRS / VAS)',
  repeating: false,
  code: loinc('72514-3', 'Pain severity - 0-10 verbal numeric rating [Score] - Reported'),
  items: [
    {
      id: 'scale',
      label: 'Scale used',
      type: 'choice',
      required: true,
      choices: choices([
        ['nrs', 'Numeric rating scale 0–10'],
        ['vas', 'Visual analogue scale 0–100 mm'],
      ]),
    },
    {
      id: 'score',
      label: 'Pain now / on average over the last 24 hours',
      type: 'decimal',
      required: true,
      min: 0,
      max: 100,
      // No item code: on the VAS this value is in mm; LOINC 72514-3 (on the instrument) is the 0–10 pain_nrs.
      help: 'NRS: whole numbers 0–10. VAS: millimetres from the left end of a 100 mm line.',
    },
  ],
  validate: validatePain,
  score: scorePain,
};
