import { RegistryError } from '../errors.js';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A datetime must say its offset (Z or ±HH:MM); a bare local time would depend on the server's zone. */
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function invalid(what: string, text: string, form: string): RegistryError {
  return new RegistryError('VALIDATION_FAILED', `${what} ${JSON.stringify(text)} is not ${form}`, [
    { path: [what], code: 'invalid_date', message: `${what} must be ${form}` },
  ]);
}

/** Days since 1970-01-01 of a real date `YYYY-MM-DD`, or null when it is not one. */
function dayNumberOf(text: string): number | null {
  const m = DATE.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC, which reads years 0–99 as 1900–1999.
  date.setUTCFullYear(y, mo - 1, d);
  const real = date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
  return real ? date.getTime() / DAY_MS : null;
}

/** True when `text` is a real calendar date written YYYY-MM-DD (2024-02-29 yes, 2023-02-29 no). */
export function isRealDate(text: string): boolean {
  return dayNumberOf(text) !== null;
}

const DAY_NUMBERS = new Map<string, number>();

/**
 * Days since 1970-01-01 of a real date `YYYY-MM-DD` (UTC calendar: no daylight-saving shifts).
 * Memoised: the schedule of every subject of a page reads the same few hundred dates.
 */
export function parseDay(text: string, what: string): number {
  const known = DAY_NUMBERS.get(text);
  if (known !== undefined) return known;
  const day = dayNumberOf(text);
  if (day === null) throw invalid(what, text, 'a real date YYYY-MM-DD');
  if (DAY_NUMBERS.size > 100_000) DAY_NUMBERS.clear();
  DAY_NUMBERS.set(text, day);
  return day;
}

/**
 * Whole days from one date `YYYY-MM-DD` to another (UTC calendar arithmetic); throws
 * VALIDATION_FAILED on a date that is not real, never NaN. Memoised: the analysis asks for the
 * same dates often.
 */
export function daysBetween(from: string, to: string): number {
  return memoDay(to) - memoDay(from);
}

function memoDay(date: string): number {
  let n = DAY_NUMBERS.get(date);
  if (n === undefined) {
    n = parseDay(date, 'date');
    if (DAY_NUMBERS.size > 100_000) DAY_NUMBERS.clear();
    DAY_NUMBERS.set(date, n);
  }
  return n;
}

const DAY_TEXTS = new Map<number, string>();

/** `YYYY-MM-DD` of a day number (memoised, as `parseDay`). */
export function formatDay(day: number): string {
  let text = DAY_TEXTS.get(day);
  if (text === undefined) {
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (DAY_TEXTS.size > 100_000) DAY_TEXTS.clear();
    DAY_TEXTS.set(day, text);
  }
  return text;
}

/** The UTC calendar day of an instant. */
export function dayOf(instant: Date): number {
  return Math.floor(instant.getTime() / DAY_MS);
}

/** Minutes since the epoch of an ISO datetime with offset, seconds dropped (minute-granular windows). */
export function parseMinute(text: string, what: string): number {
  const ms = DATETIME.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(what, text, 'an ISO datetime with offset, like 2026-03-02T10:15:00Z');
  return Math.floor(ms / MINUTE_MS);
}

/** The minute of an instant. */
export function minuteOf(instant: Date): number {
  return Math.floor(instant.getTime() / MINUTE_MS);
}

/** ISO datetime (UTC) of a minute number. */
export function formatMinute(minute: number): string {
  return new Date(minute * MINUTE_MS).toISOString();
}

export const MINUTES_PER_DAY = 1440;

/** True when text looks like a date-only value (the collection was recorded by day). */
export function isDateOnly(text: string): boolean {
  return DATE.test(text);
}

/** Checks a collection time: a real date, or an ISO datetime with offset. */
export function checkCollected(text: string, what: string): void {
  if (isDateOnly(text)) parseDay(text, what);
  else if (!DATETIME.test(text) || Number.isNaN(Date.parse(text))) {
    throw invalid(what, text, 'a date YYYY-MM-DD or an ISO datetime with offset');
  }
}
