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

/** Days since 1970-01-01 of a real date `YYYY-MM-DD` (UTC calendar: no daylight-saving shifts). */
export function parseDay(text: string, what: string): number {
  const m = DATE.exec(text);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const ms = Date.UTC(y, mo - 1, d);
    const back = new Date(ms);
    if (back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d)
      return ms / DAY_MS;
  }
  throw invalid(what, text, 'a real date YYYY-MM-DD');
}

/** `YYYY-MM-DD` of a day number. */
export function formatDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
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
