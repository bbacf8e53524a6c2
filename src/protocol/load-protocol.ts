import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { type Issue, printable, RegistryError } from '../errors.js';
import { INSTRUMENTS } from '../instruments/index.js';
import { PROTOCOL_SCHEMA, type ProtocolInput } from './schema.js';
import type { Duration, Protocol } from './types.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const KNOWN = () => [...INSTRUMENTS.keys()].join(', ');
const SUBJECT_FORMS = () =>
  [...INSTRUMENTS.values()]
    .filter((d) => d.createsSubject)
    .map((d) => d.id)
    .join(', ');

/** Problems with an instrument list entry: unknown id, or a non-repeating one where repeating is needed. */
function checkInstrumentIds(list: unknown, path: (string | number)[], mustRepeat: boolean): Issue[] {
  if (!Array.isArray(list)) return [];
  const issues: Issue[] = [];
  list.forEach((id, j) => {
    if (typeof id !== 'string') return;
    const def = INSTRUMENTS.get(id);
    if (!def) {
      issues.push({
        path: [...path, j],
        code: 'unknown_instrument',
        message: `instrument ${JSON.stringify(id)} does not exist (known: ${KNOWN()})`,
      });
    } else if (mustRepeat && !def.repeating) {
      issues.push({
        path: [...path, j],
        code: 'not_repeating',
        message: `instrument ${id} is not repeating, so it cannot be recorded at any visit`,
      });
    } else if (list.indexOf(id) !== j) {
      issues.push({ path: [...path, j], code: 'duplicate', message: `instrument ${id} is listed twice` });
    }
  });
  return issues;
}

/**
 * Rules the schema cannot express, checked on the raw input so they are reported together with
 * every shape problem: unique visit codes, instruments that exist, `anyVisit` only repeating
 * instruments, and the form that creates the subject at (and only at) the first visit.
 */
function semanticIssues(input: unknown): Issue[] {
  if (!isObject(input)) return [];
  const issues: Issue[] = [];
  const visits = Array.isArray(input.visits) ? input.visits : [];
  const firstAt = new Map<string, number>();
  visits.forEach((v, i) => {
    if (!isObject(v)) return;
    if (typeof v.code === 'string') {
      const first = firstAt.get(v.code);
      if (first === undefined) firstAt.set(v.code, i);
      else {
        issues.push({
          path: ['visits', i, 'code'],
          code: 'duplicate',
          message: `visit code ${v.code} is already used by visit ${first}`,
        });
      }
    }
    issues.push(...checkInstrumentIds(v.instruments, ['visits', i, 'instruments'], false));
    const list: unknown[] = Array.isArray(v.instruments) ? v.instruments : [];
    const creating = list.findIndex((id) => typeof id === 'string' && INSTRUMENTS.get(id)?.createsSubject);
    if (i > 0 && creating >= 0) {
      issues.push({
        path: ['visits', i, 'instruments', creating],
        code: 'enrollment_placement',
        message: `the ${list[creating]} form creates the subject, so it belongs to the first visit only`,
      });
    }
    if (i === 0 && creating < 0) {
      issues.push({
        path: ['visits', 0, 'instruments'],
        code: 'enrollment_placement',
        message: `the first visit must collect the form that creates the subject (${SUBJECT_FORMS()})`,
      });
    }
  });
  issues.push(...checkInstrumentIds(input.anyVisit, ['anyVisit'], true));
  return issues;
}

function duration(d: { days?: number | undefined; minutes?: number | undefined }): Duration {
  return {
    ...(d.days !== undefined ? { days: d.days } : {}),
    ...(d.minutes !== undefined ? { minutes: d.minutes } : {}),
  };
}

function toProtocol(p: ProtocolInput): Protocol {
  return {
    ...p,
    visits: p.visits.map((v) => ({
      ...v,
      offset: duration(v.offset),
      window: v.window && { before: duration(v.window.before), after: duration(v.window.after) },
    })),
  };
}

/** A zod issue as registry issues; an unknown key gets its own path, so it shows beside the field. */
function toIssues(i: z.core.$ZodIssue): Issue[] {
  const path = i.path.map((p) => (typeof p === 'number' ? p : String(p)));
  if (i.code === 'unrecognized_keys') {
    return i.keys.map((key) => ({
      path: [...path, key],
      code: 'unknown_field',
      message: `unknown field "${key}"`,
    }));
  }
  return [{ path, code: i.code, message: i.message }];
}

/**
 * Validates a protocol (parsed JSON or a TypeScript object) and returns it typed. Throws
 * PROTOCOL_INVALID listing every problem with its path, not just the first.
 */
export function loadProtocol(input: unknown): Protocol {
  const parsed = PROTOCOL_SCHEMA.safeParse(input);
  const issues: Issue[] = parsed.success ? [] : parsed.error.issues.flatMap(toIssues);
  issues.push(...semanticIssues(input));
  if (!parsed.success || issues.length > 0) {
    throw new RegistryError('PROTOCOL_INVALID', 'protocol file is invalid', issues);
  }
  return toProtocol(parsed.data);
}

/** Line and column (1-based) of a character offset, for JSON syntax errors. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

/** Reads and validates a protocol JSON file; unreadable files and bad JSON are PROTOCOL_INVALID too. */
export async function loadProtocolFile(path: string): Promise<Protocol> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new RegistryError('PROTOCOL_INVALID', `cannot read protocol file ${path}: ${reason}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const at = /position (\d+)/.exec(message);
    const where = at ? ` (${lineColumn(text, Number(at[1]))})` : '';
    throw new RegistryError(
      'PROTOCOL_INVALID',
      printable(`protocol file ${path} is not valid JSON: ${message}${where}`),
    );
  }
  return loadProtocol(json);
}
