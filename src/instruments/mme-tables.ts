import { RegistryError } from '../errors.js';
import type { ScoringOptions } from './types.js';

/** Version of the MME conversion table; stored with every computed MME. */
export type MmeTableId = ScoringOptions['mmeTable'];

export const MME_TABLE_IDS: readonly MmeTableId[] = ['cdc-2022', 'cdc-2016'];

/** Opioids with an MME factor. Fentanyl is the transdermal patch only, dosed in mcg/hr. */
export const OPIOIDS_WITH_FACTOR = [
  'codeine',
  'fentanyl_transdermal',
  'hydrocodone',
  'hydromorphone',
  'methadone',
  'morphine',
  'oxycodone',
  'oxymorphone',
  'tapentadol',
  'tramadol',
] as const;

/** CDC 2016 and 2022: buprenorphine has no MME factor; it counts as opioid use, MME not computed. */
export const OPIOIDS_WITHOUT_FACTOR = ['buprenorphine'] as const;

export const NON_OPIOIDS = ['acetaminophen', 'nsaid', 'gabapentinoid', 'other_nonopioid'] as const;

export type OpioidWithFactor = (typeof OPIOIDS_WITH_FACTOR)[number];
export type DrugClass = 'opioid' | 'opioid_no_factor' | 'non_opioid';

/** A factor, or a rule giving the factor from the total daily dose in mg (CDC 2016 methadone). */
export type MmeFactor = number | ((dailyDoseMg: number) => number);

/**
 * CDC 2016 methadone bands by total daily dose: 1–20 mg → 4, 21–40 → 8, 41–60 → 10, ≥ 61 → 12.
 * The published bands are whole milligrams; between them we cut at the upper bound (registry rule):
 * ≤ 20 → 4, ≤ 40 → 8, ≤ 60 → 10, > 60 → 12, so 20.5 mg is in the 8 band and 60.5 mg in the 12 band.
 */
export function methadoneFactor2016(dailyDoseMg: number): number {
  if (dailyDoseMg <= 20) return 4;
  if (dailyDoseMg <= 40) return 8;
  if (dailyDoseMg <= 60) return 10;
  return 12;
}

/** CDC Clinical Practice Guideline for Prescribing Opioids for Pain, 2022 (Dowell et al.), Table. */
const CDC_2022: Readonly<Record<OpioidWithFactor, MmeFactor>> = {
  codeine: 0.15,
  // Per mcg/hr of patch strength; never the dispensing-data factor 7.2 per mcg.
  fentanyl_transdermal: 2.4,
  hydrocodone: 1,
  hydromorphone: 5,
  methadone: 4.7,
  morphine: 1,
  oxycodone: 1.5,
  oxymorphone: 3,
  tapentadol: 0.4,
  tramadol: 0.2,
};

/** CDC Guideline for Prescribing Opioids for Chronic Pain, 2016: differs in hydromorphone, tramadol, methadone. */
const CDC_2016: Readonly<Record<OpioidWithFactor, MmeFactor>> = {
  ...CDC_2022,
  hydromorphone: 4,
  methadone: methadoneFactor2016,
  tramadol: 0.1,
};

export const MME_TABLES: Readonly<Record<MmeTableId, Readonly<Record<OpioidWithFactor, MmeFactor>>>> = {
  'cdc-2022': CDC_2022,
  'cdc-2016': CDC_2016,
};

/** Every drug code the factor tables know, in the order forms list them. */
export const KNOWN_DRUGS: readonly string[] = [
  ...OPIOIDS_WITH_FACTOR,
  ...OPIOIDS_WITHOUT_FACTOR,
  ...NON_OPIOIDS,
];

/** Whether a drug is an opioid with a factor, an opioid without one, or not an opioid; undefined if unknown. */
export function drugClass(drug: string): DrugClass | undefined {
  if ((OPIOIDS_WITH_FACTOR as readonly string[]).includes(drug)) return 'opioid';
  if ((OPIOIDS_WITHOUT_FACTOR as readonly string[]).includes(drug)) return 'opioid_no_factor';
  if ((NON_OPIOIDS as readonly string[]).includes(drug)) return 'non_opioid';
  return undefined;
}

/**
 * The MME factor of an opioid at a daily dose (mg/day, or mcg/hr for transdermal fentanyl).
 * Throws UNKNOWN_DRUG for a drug without a factor in the table.
 */
export function mmeFactor(table: MmeTableId, drug: string, dailyDose: number): number {
  const factor = (MME_TABLES[table] as Readonly<Record<string, MmeFactor>>)[drug];
  if (factor === undefined) {
    throw new RegistryError(
      'UNKNOWN_DRUG',
      `drug ${JSON.stringify(drug)} has no factor in MME table ${table} (known: ${OPIOIDS_WITH_FACTOR.join(', ')})`,
      [{ path: ['drug'], code: 'unknown_drug', message: `drug ${JSON.stringify(drug)} has no MME factor` }],
    );
  }
  return typeof factor === 'number' ? factor : factor(dailyDose);
}
