import type { Issue } from '../errors.js';
import { choices, issue, listAnswer, loinc } from './item-helpers.js';
import type { Answers, InstrumentDef, ItemDef, ScoreResult, ScoringOptions } from './types.js';

/** The ten ODI v2.1a sections, in questionnaire order. */
export const ODI_SECTIONS = [
  ['s1_pain_intensity', 'Pain intensity'],
  ['s2_personal_care', 'Personal care (washing, dressing)'],
  ['s3_lifting', 'Lifting'],
  ['s4_walking', 'Walking'],
  ['s5_sitting', 'Sitting'],
  ['s6_standing', 'Standing'],
  ['s7_sleeping', 'Sleeping'],
  ['s8_sex_life', 'Sex life (if applicable)'],
  ['s9_social_life', 'Social life'],
  ['s10_travelling', 'Travelling'],
] as const;

/**
 * Neutral anchors only: the ODI statements are copyrighted, so a site installs its licensed
 * wording over these labels. Codes "0".."5" carry the section score; "na" = not applicable.
 */
const SECTION_CHOICES = choices([
  ['0', '0 – none', 0],
  ['1', '1 – mild', 1],
  ['2', '2 – moderate', 2],
  ['3', '3 – marked', 3],
  ['4', '4 – severe', 4],
  ['5', '5 – extreme', 5],
  ['na', 'Not applicable'],
]);

export type OdiBand = 'minimal' | 'moderate' | 'severe' | 'crippled' | 'bed-bound';

/**
 * ODI bands (CLINICAL.md): 0–20 minimal, 21–40 moderate, 41–60 severe, 61–80 crippled,
 * 81–100 bed-bound. Prorated scores are not whole numbers; we cut at the upper bound of each band
 * (registry rule): ≤ 20 minimal, ≤ 40 moderate, ≤ 60 severe, ≤ 80 crippled, above 80 bed-bound.
 */
export function odiBand(pct: number): OdiBand {
  if (pct <= 20) return 'minimal';
  if (pct <= 40) return 'moderate';
  if (pct <= 60) return 'severe';
  if (pct <= 80) return 'crippled';
  return 'bed-bound';
}

/** A section's score: the highest ticked box (ODI v2.1a: two boxes ticked → take the higher); null if missing. */
export function odiSectionScore(codes: readonly string[] | undefined): number | null {
  let best: number | null = null;
  for (const c of codes ?? []) {
    if (c === 'na') continue;
    const n = Number(c);
    // Math.max of the scores: a code that is not a number makes the section NaN.
    best = best === null || n > best || Number.isNaN(n) ? n : best;
  }
  return best;
}

function validateOdi(a: Answers): Issue[] {
  const issues: Issue[] = [];
  for (const [id] of ODI_SECTIONS) {
    const codes = listAnswer(a, id);
    if (codes?.includes('na') && codes.length > 1) {
      issues.push(
        issue(id, 'inconsistent', `odi ${id} is marked not applicable and also scored (${codes.join('|')})`),
      );
    }
  }
  return issues;
}

/**
 * ODI v2.1a: score % = sum / (5 × sections answered) × 100; a section answered "na" or left blank
 * is missing. Not computed when more than `odiMaxMissingSections` are missing (registry rule).
 * The percentage is kept unrounded; reports round for display.
 */
export function scoreOdi(a: Answers, options: Pick<ScoringOptions, 'odiMaxMissingSections'>): ScoreResult {
  let answered = 0;
  let sum = 0;
  for (const [id] of ODI_SECTIONS) {
    const score = odiSectionScore(listAnswer(a, id));
    if (score === null) continue;
    answered++;
    sum += score;
  }
  const missing = ODI_SECTIONS.length - answered;
  const base = { odi_answered: answered, odi_missing: missing };
  if (missing > options.odiMaxMissingSections || answered === 0) {
    const reason = answered === 0 ? 'no_sections_answered' : 'too_many_missing';
    return {
      scores: { ...base, odi_sum: null, odi_pct: null, odi_band: null, odi_reason: reason },
      main: { odi_pct: null },
    };
  }
  // ODI v2.1a: denominator is 5 × answered sections.
  const pct = (sum / (5 * answered)) * 100;
  return {
    scores: { ...base, odi_sum: sum, odi_pct: pct, odi_band: odiBand(pct), odi_reason: null },
    main: { odi_pct: pct },
  };
}

const SECTION_ITEMS: ItemDef[] = ODI_SECTIONS.map(([id, label]) => ({
  id,
  label,
  type: 'multichoice',
  choices: SECTION_CHOICES,
  help: 'Tick one box; if two are ticked, record both (the higher counts).',
}));

/** Oswestry Disability Index v2.1a: ten sections scored 0–5, reported as a percentage. */
export const ODI: InstrumentDef = {
  id: 'odi',
  version: '2.1a',
  title: 'Oswestry Disability Index v2.1a',
  repeating: false,
  code: loinc('97908-8', 'Oswestry Disability Index'),
  licence:
    'The ODI text is copyrighted by its owner and licensed through Mapi Research Trust (ePROVIDE). ' +
    'The registry ships section titles and neutral 0–5 anchors only; each site installs its licensed wording. ' +
    'Score: LOINC 97909-6 (Oswestry disability index score ODI).',
  items: SECTION_ITEMS,
  validate: validateOdi,
  score: scoreOdi,
};
