import { type Issue, RegistryError } from '../errors.js';
import { choices, issue, numberAnswer, orderIssues, roundTo, stringAnswer } from './item-helpers.js';
import { drugClass, KNOWN_DRUGS, mmeFactor } from './mme-tables.js';
import {
  type Answers,
  DEFAULT_PLAUSIBILITY,
  type InstrumentDef,
  type ScoreResult,
  type ScoringOptions,
  type ValidationContext,
} from './types.js';

const DRUG_LABELS: Readonly<Record<string, string>> = {
  codeine: 'Codeine',
  fentanyl_transdermal: 'Fentanyl transdermal patch',
  hydrocodone: 'Hydrocodone',
  hydromorphone: 'Hydromorphone',
  methadone: 'Methadone',
  morphine: 'Morphine',
  oxycodone: 'Oxycodone',
  oxymorphone: 'Oxymorphone',
  tapentadol: 'Tapentadol',
  tramadol: 'Tramadol',
  buprenorphine: 'Buprenorphine',
  acetaminophen: 'Acetaminophen (paracetamol)',
  nsaid: 'NSAID',
  gabapentinoid: 'Gabapentinoid (gabapentin, pregabalin)',
  other_nonopioid: 'Other non-opioid analgesic',
};

/**
 * Units a drug's strength may be given in: patches are dosed by release rate (mcg/hr), everything
 * else in mg. Buprenorphine comes as a patch (mcg/hr) or sublingual/other (mg); it has no MME factor.
 */
function allowedUnits(drug: string): readonly string[] {
  if (drug === 'fentanyl_transdermal') return ['mcg_per_hr'];
  if (drug === 'buprenorphine') return ['mg', 'mcg_per_hr'];
  return ['mg'];
}

const UNIT_TEXT: Readonly<Record<string, string>> = { mg: 'mg', mcg_per_hr: 'mcg/hr' };

/**
 * Refuses doses beyond the protocol's plausibility limits: one dose (or patch) above the strength
 * limit for its unit, or a daily dose above the MME/day limit (5,000 mg × 24 of morphine is
 * 120,000 MME/day: a typing error, never a dose). Every MME stored is then finite.
 */
function plausibilityIssues(a: Answers, drug: string, rules: ScoringOptions): Issue[] {
  const limits = rules.plausibility ?? DEFAULT_PLAUSIBILITY;
  const strength = numberAnswer(a, 'strength');
  const unit = stringAnswer(a, 'unit') ?? allowedUnits(drug)[0] ?? 'mg';
  const maxStrength = limits.maxStrength[unit as keyof PlausibilityStrength];
  if (strength !== undefined && maxStrength !== undefined && strength > maxStrength) {
    return [
      issue(
        'strength',
        'implausible',
        `analgesic strength ${strength} ${UNIT_TEXT[unit] ?? unit} is above the plausible maximum of ${maxStrength} ${UNIT_TEXT[unit] ?? unit} per dose`,
      ),
    ];
  }
  if (drugClass(drug) !== 'opioid') return [];
  const daily = dailyDose(a);
  if (daily === null) return [];
  const mme = daily * mmeFactor(rules.mmeTable, drug, daily);
  if (!Number.isFinite(mme) || mme > limits.maxMmeDay) {
    const shown = Number.isFinite(mme) ? roundTo(mme, 2).toLocaleString('en-US') : 'beyond any number';
    return [
      issue(
        'strength',
        'implausible',
        `analgesic daily dose of ${drug} is ${shown} MME/day, above the plausible maximum of ${limits.maxMmeDay.toLocaleString('en-US')} MME/day; check strength and doses_per_day`,
      ),
    ];
  }
  return [];
}

type PlausibilityStrength = (typeof DEFAULT_PLAUSIBILITY)['maxStrength'];

function validateAnalgesic(a: Answers, context: ValidationContext): Issue[] {
  const issues = orderIssues('analgesic', a, 'start_date', 'stop_date');
  const drug = stringAnswer(a, 'drug');
  if (drug === undefined) return issues;
  const unit = stringAnswer(a, 'unit');
  const units = allowedUnits(drug);
  if (unit !== undefined && !units.includes(unit)) {
    issues.push(
      issue(
        'unit',
        'unit_mismatch',
        `analgesic unit ${unit} does not fit ${drug}; use ${units.join(' or ')}`,
      ),
    );
  }
  if (drug === 'fentanyl_transdermal') {
    const route = stringAnswer(a, 'route');
    if (route !== undefined && route !== 'transdermal') {
      issues.push(
        issue('route', 'route_mismatch', `analgesic route ${route} does not fit fentanyl_transdermal`),
      );
    }
  }
  if (drugClass(drug) === 'opioid') {
    // An opioid without a dose cannot be converted to MME, so the dose is required for opioids.
    if (numberAnswer(a, 'strength') === undefined) {
      issues.push(issue('strength', 'required', `analgesic strength is required for opioid ${drug}`));
    }
    if (unit === undefined)
      issues.push(issue('unit', 'required', `analgesic unit is required for opioid ${drug}`));
    if (units.includes('mg') && unit !== 'mcg_per_hr' && numberAnswer(a, 'doses_per_day') === undefined) {
      issues.push(
        issue('doses_per_day', 'required', `analgesic doses_per_day is required for opioid ${drug}`),
      );
    }
  }
  if (drugClass(drug) !== undefined && !issues.some((i) => i.path[0] === 'unit')) {
    issues.push(...plausibilityIssues(a, drug, context.rules));
  }
  return issues;
}

/**
 * Daily dose: strength × doses per day in mg/day; for a patch (mcg/hr) the strength itself, since a
 * patch releases continuously and its factor is per mcg/hr (CDC: fentanyl 2.4 × mcg/hr; patches
 * changed every 72 h are not multiplied by doses per day).
 */
function dailyDose(a: Answers): number | null {
  const strength = numberAnswer(a, 'strength');
  if (strength === undefined) return null;
  if (stringAnswer(a, 'unit') === 'mcg_per_hr') return strength;
  const perDay = numberAnswer(a, 'doses_per_day');
  return perDay === undefined ? null : roundTo(strength * perDay, 6);
}

/** MME/day of one drug with the protocol's table (CDC: MME/day = daily dose × conversion factor). */
export function scoreAnalgesic(a: Answers, options: ScoringOptions): ScoreResult {
  const drug = stringAnswer(a, 'drug') ?? '';
  const cls = drugClass(drug);
  if (cls === undefined) {
    throw new RegistryError(
      'UNKNOWN_DRUG',
      `analgesic drug ${JSON.stringify(drug)} is not in MME table ${options.mmeTable} (known: ${KNOWN_DRUGS.join(', ')})`,
      [
        {
          path: ['drug'],
          code: 'unknown_drug',
          message: `analgesic drug ${JSON.stringify(drug)} is unknown`,
        },
      ],
    );
  }
  const daily = dailyDose(a);
  const base = { is_opioid: cls !== 'non_opioid', daily_dose: daily, mme_table: options.mmeTable };
  if (cls === 'non_opioid') {
    return {
      scores: { ...base, mme_factor: 0, mme_day: 0, mme_reason: null },
      main: { mme_day: 0, opioid_any: false },
    };
  }
  if (cls === 'opioid_no_factor' || daily === null) {
    const reason = cls === 'opioid_no_factor' ? 'no_factor' : 'dose_missing';
    return {
      scores: { ...base, mme_factor: null, mme_day: null, mme_reason: reason },
      main: { mme_day: null, opioid_any: true },
    };
  }
  const factor = mmeFactor(options.mmeTable, drug, daily);
  // Rounded to 0.01 MME: enough for any dose, and drops float noise (50 mg × 4 × 0.1).
  const mme = roundTo(daily * factor, 2);
  if (!Number.isFinite(mme)) {
    // Validation refuses such doses first; this guards any caller that scores unvalidated answers.
    throw new RegistryError('VALIDATION_FAILED', `analgesic daily dose of ${drug} is not a finite number`, [
      { path: ['strength'], code: 'implausible', message: 'analgesic strength gives no finite MME/day' },
    ]);
  }
  return {
    scores: { ...base, mme_factor: factor, mme_day: mme, mme_reason: null },
    main: { mme_day: mme, opioid_any: true },
  };
}

/** One analgesic a subject takes (one instance per drug), with its daily opioid dose in MME. */
export const ANALGESIC: InstrumentDef = {
  id: 'analgesic',
  version: '1.0.0',
  title: 'Analgesic medication',
  repeating: true,
  items: [
    {
      id: 'drug',
      label: 'Drug',
      type: 'choice',
      required: true,
      choices: choices(KNOWN_DRUGS.map((code) => [code, DRUG_LABELS[code] ?? code] as const)),
    },
    { id: 'strength', label: 'Strength per dose (or patch rate)', type: 'decimal', min: 0 },
    {
      id: 'unit',
      label: 'Strength unit',
      type: 'choice',
      choices: choices([
        ['mg', 'mg'],
        ['mcg_per_hr', 'mcg/hr (patch)'],
      ]),
    },
    {
      id: 'route',
      label: 'Route',
      type: 'choice',
      choices: choices([
        ['oral', 'Oral'],
        ['transdermal', 'Transdermal'],
        ['iv', 'Intravenous'],
        ['sublingual', 'Sublingual'],
        ['other', 'Other'],
      ]),
    },
    { id: 'doses_per_day', label: 'Doses per day', type: 'decimal', min: 0, max: 24, unit: '/d' },
    { id: 'start_date', label: 'Start date', type: 'date' },
    // Listed with a stop date: stopped by this review, so not after the review's own date.
    { id: 'stop_date', label: 'Stop date', type: 'date', notAfterVisit: true },
  ],
  validate: validateAnalgesic,
  score: scoreAnalgesic,
};
