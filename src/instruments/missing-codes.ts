import type { Issue } from '../errors.js';
import type { InstrumentDef, MissingCode, MissingMap } from './types.js';

export type { MissingCode, MissingMap } from './types.js';

/**
 * Missing-data codes: why an item has no answer. A coded item is distinct from a blank one (nobody
 * said why), yet it is never an answer: it is kept apart from the answers (docs/missing-data.md), so
 * every score and the analysis see it as missing, and a required item that carries a code lets the
 * form be complete. The codes are defined here only; forms, exports and the dictionary read this list.
 */
export interface MissingCodeDef {
  /** The registry's code, as stored and written in `[missing:<code>]`. */
  code: MissingCode;
  label: string;
  /** What the code means, for the form's help and the data dictionary. */
  description: string;
  /** FHIR R4 data-absent-reason (http://terminology.hl7.org/CodeSystem/data-absent-reason). */
  fhirDataAbsentReason: string;
  /**
   * The code in a REDCap project's "Missing Data Codes" setting (registry rule: REDCap lets each
   * project choose; UNK and NA are HL7 null flavors, ND and DC are this registry's).
   */
  redcap: string;
}

/**
 * The definitions, keyed by code so the compiler refuses a code of the MissingCode type left
 * without one; in the order a form offers them.
 */
const DEFINITIONS: Readonly<Record<MissingCode, Omit<MissingCodeDef, 'code'>>> = {
  not_done: {
    label: 'Not done',
    description: 'The item was not asked, measured or examined.',
    fhirDataAbsentReason: 'not-performed',
    redcap: 'ND',
  },
  declined: {
    label: 'Declined',
    description: 'The patient was asked and declined to answer.',
    fhirDataAbsentReason: 'asked-declined',
    redcap: 'DC',
  },
  unknown: {
    label: 'Unknown',
    description: 'Asked or looked for, but the value is not known.',
    fhirDataAbsentReason: 'unknown',
    redcap: 'UNK',
  },
  not_applicable: {
    label: 'Not applicable',
    description: 'The item does not apply to this patient or visit.',
    fhirDataAbsentReason: 'not-applicable',
    redcap: 'NA',
  },
};

/** The codes, in the order a form offers them. */
export const MISSING_CODES: readonly MissingCodeDef[] = Object.entries(DEFINITIONS).map(([code, d]) => ({
  code: code as MissingCode,
  ...d,
}));

const BY_CODE: ReadonlyMap<string, MissingCodeDef> = new Map(MISSING_CODES.map((c) => [c.code, c]));

/** The definition of a code, or undefined when `code` is not one. */
export function missingCodeDef(code: string): MissingCodeDef | undefined {
  return BY_CODE.get(code);
}

/** True when `code` is one of the registry's missing-data codes. */
export function isMissingCode(code: unknown): code is MissingCode {
  return typeof code === 'string' && BY_CODE.has(code);
}

/**
 * Text form of a code in a tidy CSV value cell: `[missing:declined]`. The brackets and the prefix
 * cannot be a number, date, time, boolean or choice code, and a text answer of this form is refused
 * (see `reservedText`), so a cell in this form is always a code and never an answer.
 */
export function formatMissing(code: MissingCode): string {
  return `[missing:${code}]`;
}

/** Anything that looks like the reserved form, in any case and with any word inside the brackets. */
const RESERVED = /^\s*\[\s*missing\s*:([^\]]*)\]\s*$/i;

/**
 * Reads a cell that has the reserved form: the code, or an issue when the word inside is not a code.
 * Undefined when the text is not in the reserved form (an ordinary answer).
 */
export function parseMissingText(
  text: string,
): { ok: true; code: MissingCode } | { ok: false; message: string } | undefined {
  const m = RESERVED.exec(text);
  if (!m) return undefined;
  const code = m[1]!.trim();
  if (isMissingCode(code) && text.trim() === formatMissing(code)) return { ok: true, code };
  return {
    ok: false,
    message: `${JSON.stringify(text.trim())} is not a missing-data code (codes: ${MISSING_CODES.map((c) => formatMissing(c.code)).join(', ')})`,
  };
}

/** Why a text answer cannot be stored as text: it has the reserved form of a missing-data code. */
export function reservedText(text: string): string | undefined {
  return RESERVED.test(text)
    ? 'has the reserved form [missing:…] of a missing-data code; mark the item missing instead of typing it'
    : undefined;
}

/**
 * Checks the codes given for one response: each names an item of the instrument and a known code,
 * and the items that name the subject a form creates can never be coded (the subject needs them).
 * Returns the valid codes in the instrument's item order, and the issues.
 */
export function checkMissing(
  def: InstrumentDef,
  input: Readonly<Record<string, unknown>>,
): { missing: MissingMap; issues: Issue[] } {
  const issues: Issue[] = [];
  const given = new Map(Object.entries(input).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  // Most forms carry no code (an import checks hundreds of thousands).
  if (given.size === 0) return { missing: {}, issues };
  const known = new Set(def.items.map((i) => i.id));
  const codes = MISSING_CODES.map((c) => c.code).join(', ');
  const fixed = new Set(def.createsSubject ? Object.values(def.createsSubject) : []);
  for (const [id, code] of given) {
    if (!known.has(id)) {
      issues.push({
        path: [id],
        code: 'unknown_item',
        message: `${def.id} has no item ${JSON.stringify(id)} to mark missing`,
      });
    } else if (!isMissingCode(code)) {
      issues.push({
        path: [id],
        code: 'invalid_missing_code',
        message: `${def.id} ${id} missing-data code ${JSON.stringify(code)} is not one of: ${codes}`,
      });
    } else if (fixed.has(id)) {
      issues.push({
        path: [id],
        code: 'not_codable',
        message: `${def.id} ${id} names the subject and cannot be marked missing`,
      });
    }
  }
  const missing: MissingMap = {};
  for (const item of def.items) {
    const code = given.get(item.id);
    if (isMissingCode(code) && !fixed.has(item.id)) missing[item.id] = code;
  }
  return { missing, issues };
}

/** The codes of a stored response (jsonb, or null when no item is coded) as a map. */
export function storedMissing(value: unknown): MissingMap {
  if (value === null || value === undefined) return {};
  const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  return typeof parsed === 'object' && parsed !== null ? (parsed as MissingMap) : {};
}

/** True when at least one item carries a code. */
export function hasMissing(missing: MissingMap | undefined): boolean {
  return missing !== undefined && Object.keys(missing).length > 0;
}
