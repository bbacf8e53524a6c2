import type { Issue } from '../errors.js';
import type { Answers, Choice } from './types.js';

export const LOINC = 'http://loinc.org';

/** A LOINC coding for an item or an instrument. */
export function loinc(code: string, display: string): { system: string; code: string; display: string } {
  return { system: LOINC, code, display };
}

/** Choices from `[code, label]` pairs (and an optional score), in display order. */
export function choices(pairs: readonly (readonly [string, string, number?])[]): Choice[] {
  return pairs.map(([code, label, score]) =>
    score === undefined ? { code, label } : { code, label, score },
  );
}

/** One issue on one item. */
export function issue(itemId: string, code: string, message: string): Issue {
  return { path: [itemId], code, message };
}

/** The answer as a number, or undefined when absent or not a number. */
export function numberAnswer(answers: Answers, id: string): number | undefined {
  const v = answers[id];
  return typeof v === 'number' ? v : undefined;
}

/** The answer as a string (text, date, time, choice), or undefined. */
export function stringAnswer(answers: Answers, id: string): string | undefined {
  const v = answers[id];
  return typeof v === 'string' ? v : undefined;
}

/** The answer as a boolean, or undefined. */
export function booleanAnswer(answers: Answers, id: string): boolean | undefined {
  const v = answers[id];
  return typeof v === 'boolean' ? v : undefined;
}

/** The answer of a multichoice item, or undefined. */
export function listAnswer(answers: Answers, id: string): string[] | undefined {
  const v = answers[id];
  return Array.isArray(v) ? v : undefined;
}

/** Issues when the `later` date (or time) item is before the `earlier` one; ISO forms compare as text. */
export function orderIssues(
  instrument: string,
  answers: Answers,
  earlierId: string,
  laterId: string,
): Issue[] {
  const earlier = stringAnswer(answers, earlierId);
  const later = stringAnswer(answers, laterId);
  if (earlier === undefined || later === undefined || later >= earlier) return [];
  return [
    issue(laterId, 'out_of_order', `${instrument} ${laterId} ${later} is before ${earlierId} ${earlier}`),
  ];
}

/** Rounds to a number of decimals, dropping binary floating-point noise (0.1 × 3 → 0.3). */
export function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
