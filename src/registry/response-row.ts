import { createHash } from 'node:crypto';
import type { Selectable, Transaction } from 'kysely';
import { type Issue, RegistryError } from '../errors.js';
import { canonicalJson, type Database, type JsonObject, type JsonValue } from '../store/index.js';
import type { Actor, Permission } from './context.js';
import { inScope, scopeFor } from './scope.js';

export type ResponseRow = Selectable<Database['response']>;

/**
 * Loads a response for update (the row lock serialises writers of one form). Another site's form
 * is "not found", so its existence does not leak.
 */
export async function loadResponse(
  trx: Transaction<Database>,
  actor: Actor,
  permission: Permission,
  id: number,
): Promise<ResponseRow> {
  const row = await trx
    .selectFrom('response')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!row || !inScope(scopeFor(actor, permission), row.site_id)) {
    throw new RegistryError('RESPONSE_NOT_FOUND', `response ${id} not found`);
  }
  return row;
}

function shown(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '(blank)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Throws VERSION_CONFLICT unless the form is still at the version the user loaded. The error names
 * who saved meanwhile and, when the user's answers are given, has one issue per item where the saved
 * value and theirs differ (path `answers.<item>`), so a page shows both values and nothing is lost.
 */
export async function checkVersion(
  trx: Transaction<Database>,
  row: ResponseRow,
  expected: number,
  yours?: Record<string, unknown>,
): Promise<void> {
  if (row.version === expected) return;
  const last = await trx
    .selectFrom('audit_event')
    .select('actor')
    .where('entity', '=', 'response')
    .where('entity_id', '=', String(row.id))
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const by = last?.actor ?? row.entered_by;
  const issues: Issue[] = [];
  if (yours) {
    const saved = row.answers as JsonObject;
    const mine = JSON.parse(JSON.stringify(yours)) as JsonObject;
    const items = [...new Set([...Object.keys(saved), ...Object.keys(mine)])];
    for (const item of items) {
      if (canonicalJson(saved[item] ?? null) === canonicalJson(mine[item] ?? null)) continue;
      issues.push({
        path: ['answers', item],
        code: 'version_conflict',
        message: `${item}: saved as ${shown(saved[item])} by ${by}; yours ${shown(mine[item])}`,
      });
    }
  }
  throw new RegistryError(
    'VERSION_CONFLICT',
    `response ${row.id} was changed by ${by} since you loaded it (now version ${row.version}, you had ${expected}); your values are kept: compare them with the saved ones and save again`,
    issues,
  );
}

/** What a signature binds: the form's identity, instrument version, answers, codes, scores and version. */
export function signedContent(row: ResponseRow, version: number): JsonObject {
  return {
    response_id: row.id,
    study_id: row.study_id,
    visit: row.visit,
    instrument: row.instrument,
    instance: row.instance,
    instrument_version: row.instrument_version,
    answers: row.answers as JsonObject,
    scores: row.scores as JsonObject,
    // Missing-data codes are part of what was signed (0007); absent when the form has none.
    ...(row.missing && Object.keys(row.missing).length > 0 ? { missing: row.missing } : {}),
    version,
  };
}

/** sha256 (hex) of the canonical JSON of what a signature binds. */
export function contentSha256(row: ResponseRow, version: number): string {
  return createHash('sha256')
    .update(canonicalJson(signedContent(row, version)))
    .digest('hex');
}
