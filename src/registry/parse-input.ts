import { z } from 'zod';
import { type Issue, RegistryError } from '../errors.js';
import { unstorableText } from '../instruments/index.js';

/** A record's id given as input: a positive whole number JavaScript holds exactly (a bigint serial). */
export const ROW_ID = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** Converts zod issues to registry issues `{ path, code, message }`. */
export function zodIssues(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    code: i.code,
    message: i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message,
  }));
}

/** Issues for every text (value or key) PostgreSQL cannot store: a NUL character, a lone surrogate. */
function unstorableIssues(value: unknown, path: (string | number)[], issues: Issue[]): void {
  if (typeof value === 'string') {
    const problem = unstorableText(value);
    if (problem)
      issues.push({ path, code: 'invalid_text', message: `${path.join('.') || 'input'} ${problem}` });
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) unstorableIssues(v, [...path, i], issues);
  } else if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    for (const [key, v] of Object.entries(value)) {
      unstorableIssues(key, [...path, key], issues);
      unstorableIssues(v, [...path, key], issues);
    }
  }
}

/**
 * Parses a use case's input at the boundary; bad input throws VALIDATION_FAILED naming every field,
 * including text the database could not store, so it never fails later with a raw database error.
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  const issues = result.success ? [] : zodIssues(result.error);
  if (result.success) unstorableIssues(result.data, [], issues);
  if (issues.length > 0) {
    throw new RegistryError('VALIDATION_FAILED', issues.map((i) => i.message).join('; '), issues);
  }
  return result.data as z.output<T>;
}
