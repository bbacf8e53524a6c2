// One visit's opioid dose (MME/day) from its medication forms, the rule the study extract and the
// subject's page both count by. CLINICAL.md: a drug listed with a stop date has stopped by that
// review; an opioid with no conversion factor (or no dose) makes that visit's MME missing, not 0.

/** A visit's running MME: the sum over the drugs still taken, and whether an opioid among them has none. */
export interface MmeSum {
  /** Sum of MME/day in exact hundredths over the drugs still taken; null while none had an MME. */
  mmeHundredths: number | null;
  /** An opioid still taken has no MME (no conversion factor, or no dose). */
  mmeUnknown: boolean;
}

/** One medication form as the rule reads it. */
export interface MedicationDose {
  visit: string;
  /** MME/day in exact hundredths (`doseHundredths`); null when the instrument computed none. */
  mmeHundredths: number | null;
  /** An opioid (with or without a factor); null when not known. */
  opioid: boolean | null;
  /** The stop date listed on the form, if any. */
  stopDate: unknown;
}

/** Whether a medication form lists a stop date: the drug has stopped by that review (no use, no MME there). */
export function listedStopped(stopDate: unknown): stopDate is string {
  return typeof stopDate === 'string' && stopDate !== '';
}

/**
 * A stored MME/day in exact hundredths, as the extract's form line writes it (round(mme_day × 100)):
 * the instrument rounds MME to 0.01, so sums of hundredths are exact.
 */
export function doseHundredths(mmeDay: unknown): number | null {
  return mmeDay === null || mmeDay === undefined ? null : Math.round(Number(mmeDay) * 100);
}

/** Adds one drug still taken (not `listedStopped`) to its visit's sum. */
export function addDose(sum: MmeSum, mmeHundredths: number | null, opioid: boolean | null): void {
  if (mmeHundredths !== null) sum.mmeHundredths = (sum.mmeHundredths ?? 0) + mmeHundredths;
  if (opioid === true && mmeHundredths === null) sum.mmeUnknown = true;
}

/**
 * A visit's MME/day from its sum: missing when an opioid still taken has no MME; 0 at a medication
 * review without any drug with an MME (`reviewed`), missing at a visit without one.
 */
export function visitMmeDay(sum: MmeSum, reviewed: boolean): number | null {
  if (sum.mmeUnknown) return null;
  if (sum.mmeHundredths !== null) return sum.mmeHundredths / 100;
  return reviewed ? 0 : null;
}

/**
 * MME/day at each visit of one subject's medication forms (entered ones, drafts left out by the
 * caller), visits in the order of their first form: each visit with forms is a medication review.
 */
export function mmeByVisit(forms: readonly MedicationDose[]): { visit: string; mmeDay: number | null }[] {
  const sums = new Map<string, MmeSum>();
  for (const f of forms) {
    let sum = sums.get(f.visit);
    if (!sum) {
      sum = { mmeHundredths: null, mmeUnknown: false };
      sums.set(f.visit, sum);
    }
    if (!listedStopped(f.stopDate)) addDose(sum, f.mmeHundredths, f.opioid);
  }
  return [...sums].map(([visit, sum]) => ({ visit, mmeDay: visitMmeDay(sum, true) }));
}
