import { type TidyRow, VISIT_INSTRUMENT } from '../exchange/tidy.js';
import type { InstrumentDef, ItemDef, MissingCode } from '../instruments/index.js';
import { formatMissing, isMissingCode } from '../instruments/missing-codes.js';

/**
 * The de-identification rule of the tidy export (`exportTidy(..., { deidentify: true })`, docs/export.md):
 * - study ids stay (pseudonyms); direct identifiers are never in the tidy export anyway;
 * - every date moves by the subject's `date_shift_days` (date items, the visit's `date`), so the
 *   intervals within a subject stay; times of day stay;
 * - free text goes: every item of type `text` without a `pattern` (names, places, comments may be typed
 *   into any of them) and the visit's `missed_reason`; a text item whose pattern fixes its form (the
 *   enrolment's study id and site code) stays; a missing-data code on any item stays, it names no one;
 * - signature rows are dropped: they carry the signer's name, username and the signing instant.
 */
export function isFreeText(item: ItemDef): boolean {
  return item.type === 'text' && item.pattern === undefined;
}

/** Items of the visit record that are free text, and the one that is a date. */
const VISIT_FREE_TEXT = new Set(['missed_reason']);
const VISIT_DATE = 'date';

/** Missing-data codes are written `[missing:<code>]`, a value no answer can take (tidy.ts). */
function isMissingValue(value: string): boolean {
  const code = /^\[missing:([a-z_]+)\]$/.exec(value)?.[1];
  return code !== undefined && formatMissing(code as MissingCode) === value && isMissingCode(code);
}

/** `YYYY-MM-DD` moved by whole days (calendar arithmetic in UTC, so no time zone moves it). */
export function shiftIsoDate(day: string, days: number): string {
  const t = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(t)) throw new Error(`not a date: ${day}`);
  return new Date(t + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * One tidy row as it leaves in the de-identified export, or null when it must not leave. `def` is the
 * row's instrument (null for a visit record row), `shiftDays` the subject's date shift.
 */
export function deidentifiedRow(row: TidyRow, def: InstrumentDef | null, shiftDays: number): TidyRow | null {
  if (isMissingValue(row.value)) return row;
  if (def === null) {
    if (row.instrument !== VISIT_INSTRUMENT) return null;
    if (VISIT_FREE_TEXT.has(row.item)) return null;
    if (row.item === VISIT_DATE) return { ...row, value: shiftIsoDate(row.value, shiftDays) };
    return row;
  }
  const item = def.items.find((i) => i.id === row.item);
  // An item the instrument does not define is not known to be safe: it does not leave.
  if (!item) return null;
  if (isFreeText(item)) return null;
  if (item.type === 'date') return { ...row, value: shiftIsoDate(row.value, shiftDays) };
  return row;
}
