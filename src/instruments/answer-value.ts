import { isRealDate } from '../schedule/calendar.js';
import { reservedText } from './missing-codes.js';
import type { AnswerValue, ItemDef } from './types.js';

/** One answer read from its text or typed form: the value, or why it is not acceptable. */
export type ParsedAnswer = { ok: true; value: AnswerValue } | { ok: false; code: string; message: string };

/** Longest free-text answer accepted; longer text is an issue, never silently cut. */
export const MAX_TEXT_LENGTH = 2000;

/**
 * Earliest date any item accepts (registry rule): no patient of this registry was born, consented or
 * treated before 1900, so an earlier date is a typing error (0001-01-01 is a real date, but not a plausible one).
 */
export const EARLIEST_DATE = '1900-01-01';

/** Largest whole number a PostgreSQL `integer` column holds (2^31 − 1): instances, study id numbers. */
export const MAX_INT4 = 2_147_483_647;

/** NUL cannot be stored in PostgreSQL text or jsonb; a lone surrogate is not text at all. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what is refused.
const NUL = /\u0000/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const TIME = /^(\d{1,2}):(\d{2})$/;
const TRUE_TEXT = new Set(['true', 'yes', '1']);
const FALSE_TEXT = new Set(['false', 'no', '0']);

function fail(code: string, message: string): ParsedAnswer {
  return { ok: false, code, message };
}

/** True when `text` is a real calendar date written YYYY-MM-DD (2024-02-29 yes, 2023-02-29 no). */
export function isIsoDate(text: string): boolean {
  return isRealDate(text);
}

/** Checks a number against the item's kind and range. */
function checkNumber(item: ItemDef, n: number): ParsedAnswer {
  if (!Number.isFinite(n)) return fail('invalid_number', `${item.id} must be a finite number`);
  if (item.type === 'integer' && !Number.isSafeInteger(n)) {
    return fail('not_integer', `${item.id} ${n} is not a whole number`);
  }
  if (item.min !== undefined && n < item.min) {
    return fail('too_small', `${item.id} ${n} is below the minimum ${item.min}`);
  }
  if (item.max !== undefined && n > item.max) {
    return fail('too_big', `${item.id} ${n} is above the maximum ${item.max}`);
  }
  // -0 would format as "0" and break the round trip.
  return { ok: true, value: n === 0 ? 0 : n };
}

const CHOICE_CODES = new WeakMap<ItemDef, readonly string[]>();

/** The item's choice codes in order, listed once per item. */
function choiceCodes(item: ItemDef): readonly string[] {
  let codes = CHOICE_CODES.get(item);
  if (!codes) {
    codes = (item.choices ?? []).map((c) => c.code);
    CHOICE_CODES.set(item, codes);
  }
  return codes;
}

/** Checks codes against the item's choices and puts them in the definition's order, without repeats. */
function checkCodes(item: ItemDef, codes: readonly string[]): ParsedAnswer {
  const allowed = choiceCodes(item);
  for (const code of codes) {
    if (!allowed.includes(code)) {
      return fail(
        'invalid_choice',
        `${item.id} ${JSON.stringify(code)} is not one of: ${allowed.join(', ')}`,
      );
    }
  }
  if (item.type === 'choice') return { ok: true, value: codes[0] ?? '' };
  if (codes.length === 1) return { ok: true, value: [codes[0]!] };
  return { ok: true, value: allowed.filter((c) => codes.includes(c)) };
}

/** Why text cannot be stored as it is (a NUL character, a broken surrogate pair), or undefined. */
export function unstorableText(text: string): string | undefined {
  if (NUL.test(text)) return 'contains a NUL character (\\u0000), which cannot be stored';
  if (LONE_SURROGATE.test(text)) return 'contains a broken Unicode character (a lone surrogate)';
  return undefined;
}

function checkText(item: ItemDef, text: string): ParsedAnswer {
  if (text.length > MAX_TEXT_LENGTH) {
    return fail('too_long', `${item.id} is longer than ${MAX_TEXT_LENGTH} characters`);
  }
  const unstorable = unstorableText(text);
  if (unstorable !== undefined) return fail('invalid_text', `${item.id} ${unstorable}`);
  // A text answer never looks like a missing-data code, so a tidy CSV cell in that form is always a code.
  const reserved = reservedText(text);
  if (reserved !== undefined) return fail('reserved', `${item.id} ${reserved}`);
  if (item.pattern !== undefined && !new RegExp(item.pattern).test(text)) {
    const example = item.patternExample ? ` (like ${item.patternExample})` : '';
    return fail('pattern', `${item.id} ${JSON.stringify(text)} is not in the expected form${example}`);
  }
  return { ok: true, value: text };
}

/**
 * Reads an answer from its text form (CSV cell, form field). Canonical forms: numbers as plain JS
 * number text, `true`/`false` (yes/no/1/0 also read), dates `YYYY-MM-DD`, times `HH:MM`, choice
 * codes, multichoice codes joined by `|`. Surrounding blanks are ignored.
 */
export function parseAnswerText(item: ItemDef, text: string): ParsedAnswer {
  const t = text.trim();
  if (t === '') return fail('empty', `${item.id} is empty`);
  switch (item.type) {
    case 'integer':
      if (!INTEGER.test(t))
        return fail('not_integer', `${item.id} ${JSON.stringify(t)} is not a whole number`);
      return checkNumber(item, Number(t));
    case 'decimal':
      if (!DECIMAL.test(t)) return fail('invalid_number', `${item.id} ${JSON.stringify(t)} is not a number`);
      return checkNumber(item, Number(t));
    case 'boolean': {
      const lower = t.toLowerCase();
      if (TRUE_TEXT.has(lower)) return { ok: true, value: true };
      if (FALSE_TEXT.has(lower)) return { ok: true, value: false };
      return fail('invalid_boolean', `${item.id} ${JSON.stringify(t)} is not true or false`);
    }
    case 'date':
      if (!isIsoDate(t))
        return fail('invalid_date', `${item.id} ${JSON.stringify(t)} is not a real date YYYY-MM-DD`);
      if (t < EARLIEST_DATE) {
        return fail('too_early', `${item.id} ${t} is before ${EARLIEST_DATE}, too early to be plausible`);
      }
      return { ok: true, value: t };
    case 'time': {
      const m = TIME.exec(t);
      const [h, min] = [Number(m?.[1]), Number(m?.[2])];
      if (!m || h > 23 || min > 59)
        return fail('invalid_time', `${item.id} ${JSON.stringify(t)} is not a time HH:MM`);
      return { ok: true, value: `${String(h).padStart(2, '0')}:${m[2]}` };
    }
    case 'choice':
      return checkCodes(item, [t]);
    case 'multichoice':
      return checkCodes(item, t.includes('|') ? t.split('|').map((c) => c.trim()) : [t]);
    case 'text':
      return checkText(item, t);
  }
}

/**
 * Checks a typed answer (JSON input): numbers may come as numbers or numeric text, booleans as
 * booleans or their text, multichoice as a list of codes or `a|b`.
 */
export function checkAnswerValue(item: ItemDef, value: unknown): ParsedAnswer {
  if (typeof value === 'string') return parseAnswerText(item, value);
  if (typeof value === 'number' && (item.type === 'integer' || item.type === 'decimal')) {
    return checkNumber(item, value);
  }
  if (typeof value === 'boolean' && item.type === 'boolean') return { ok: true, value };
  if (Array.isArray(value) && item.type === 'multichoice' && value.every((v) => typeof v === 'string')) {
    return checkCodes(
      item,
      value.map((v: string) => v.trim()),
    );
  }
  const got = Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`;
  return fail('invalid_type', `${item.id} must be ${describeType(item)} (got ${got})`);
}

function describeType(item: ItemDef): string {
  switch (item.type) {
    case 'integer':
      return 'a whole number';
    case 'decimal':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'date':
      return 'a date YYYY-MM-DD';
    case 'time':
      return 'a time HH:MM';
    case 'choice':
      return 'one choice code';
    case 'multichoice':
      return 'a list of choice codes';
    case 'text':
      return 'text';
  }
}

/**
 * The latest calendar date anywhere on Earth at `now` (the date at UTC+14), so a date entered in any
 * site's time zone on its own today is never taken for the future, and the day after is.
 */
export function latestToday(now: Date): string {
  return new Date(now.getTime() + 14 * 3_600_000).toISOString().slice(0, 10);
}

/** Refuses a date answer after `today` unless the item is a planned day (`allowFuture`). */
export function checkNotFuture(item: ItemDef, value: string, today: string | undefined): ParsedAnswer {
  if (today === undefined || item.allowFuture || value <= today) return { ok: true, value };
  return fail('in_future', `${item.id} ${value} is in the future (today is ${today})`);
}

/** The canonical text form of an answer; `parseAnswerText(item, formatAnswer(item, v))` gives `v` back. */
export function formatAnswer(item: ItemDef, value: AnswerValue): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value === 0 ? 0 : value);
  if (Array.isArray(value)) {
    const order = (item.choices ?? []).map((c) => c.code);
    const rank = (code: string) => {
      const i = order.indexOf(code);
      return i === -1 ? order.length : i;
    };
    return [...new Set(value)].sort((a, b) => rank(a) - rank(b)).join('|');
  }
  return value;
}
