import type { z } from 'zod';
import { type Issue, RegistryError } from '../errors.js';

/** Converts zod issues to registry issues `{ path, code, message }`. */
export function zodIssues(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    code: i.code,
    message: i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message,
  }));
}

/** Parses a use case's input at the boundary; bad input throws VALIDATION_FAILED naming every field. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issues = zodIssues(result.error);
    throw new RegistryError('VALIDATION_FAILED', issues.map((i) => i.message).join('; '), issues);
  }
  return result.data;
}
