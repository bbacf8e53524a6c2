import type { Transaction } from 'kysely';
import { z } from 'zod';
import { RegistryError } from '../errors.js';
import type { Database } from '../store/index.js';
import { type Actor, type Permission, type RegistryDeps, requirePermission } from './context.js';
import { parseInput } from './parse-input.js';
import { refuseUnclosedQueries } from './queries.js';
import type { ResponseRow } from './response-row.js';
import { inScope, scopeFor } from './scope.js';
import { confirmSigner, lockRow, PASSWORD, REASON, signRow } from './signatures.js';

/*
 * Sign or lock one visit's forms of several subjects at once (issue 8 §3.9): all or nothing in one
 * transaction, each form by the rule of signatures.ts (one signature and one audit event a form).
 */

const VISITS = {
  visit: z.string().min(1, 'visit is required'),
  studyIds: z.array(z.string().min(1)).min(1, 'studyIds: choose at least one subject').max(5000),
};
const LOCK_VISIT_INPUT = z.object({ ...VISITS, reason: REASON });
const SIGN_VISIT_INPUT = z.object({ ...VISITS, password: PASSWORD });

export type LockVisitInput = z.input<typeof LOCK_VISIT_INPUT>;
export type SignVisitInput = z.input<typeof SIGN_VISIT_INPUT>;

/**
 * The forms of one visit of several subjects, loaded for update, after checking every subject is
 * in the actor's scope (another site's subject is not found: nothing is written).
 */
async function visitForms(
  deps: RegistryDeps,
  trx: Transaction<Database>,
  actor: Actor,
  permission: Permission,
  visit: string,
  studyIds: readonly string[],
): Promise<ResponseRow[]> {
  if (!deps.protocol.visits.some((v) => v.code === visit)) {
    throw new RegistryError(
      'UNKNOWN_VISIT',
      `unknown visit ${JSON.stringify(visit)} (visits: ${deps.protocol.visits.map((v) => v.code).join(', ')})`,
    );
  }
  const ids = [...new Set(studyIds)];
  const subjects = await trx
    .selectFrom('subject')
    .select(['study_id', 'site_id'])
    .where('study_id', 'in', ids)
    .execute();
  const scope = scopeFor(actor, permission);
  const found = new Map(subjects.filter((s) => inScope(scope, s.site_id)).map((s) => [s.study_id, s]));
  const missing = ids.find((id) => !found.has(id));
  if (missing !== undefined) throw new RegistryError('SUBJECT_NOT_FOUND', `subject ${missing} not found`);
  const rows = await trx
    .selectFrom('response')
    .selectAll()
    .where('study_id', 'in', ids)
    .where('visit', '=', visit)
    .orderBy('study_id')
    .orderBy('instrument')
    .orderBy('instance')
    .forUpdate()
    .execute();
  const drafts = rows.filter((r) => r.status === 'draft');
  if (drafts.length > 0) {
    throw new RegistryError(
      'INVALID_STATE',
      `${drafts.length === 1 ? 'a form is' : `${drafts.length} forms are`} still draft at ${visit} (${drafts
        .slice(0, 5)
        .map((d) => `${d.study_id} ${d.instrument}`)
        .join(', ')}); complete ${drafts.length === 1 ? 'it' : 'them'} first`,
    );
  }
  const empty = ids.filter((id) => !rows.some((r) => r.study_id === id));
  if (empty.length > 0) {
    throw new RegistryError(
      'INVALID_STATE',
      `no form is recorded at ${visit} for ${empty.slice(0, 5).join(', ')}`,
    );
  }
  return rows;
}

/**
 * Locks every form of one visit of one or more subjects of the actor's site (investigator): all or
 * nothing in one transaction, one audit event per form. Forms already locked or signed stay as they are.
 */
export async function lockVisit(
  deps: RegistryDeps,
  actor: Actor,
  input: LockVisitInput,
): Promise<{ locked: number; alreadyLocked: number }> {
  requirePermission(actor, 'response.lock');
  const s = parseInput(LOCK_VISIT_INPUT, input);
  return deps.db.transaction().execute(async (trx) => {
    const rows = await visitForms(deps, trx, actor, 'response.lock', s.visit, s.studyIds);
    const todo = rows.filter((r) => r.status === 'complete');
    await refuseUnclosedQueries(trx, todo, 'locked');
    const now = deps.clock();
    for (const row of todo) await lockRow(trx, actor, row, s.reason, now);
    return { locked: todo.length, alreadyLocked: rows.length - todo.length };
  });
}

/**
 * Signs every form of one visit of one or more subjects of the actor's site (investigator), after
 * the password is entered again: all or nothing in one transaction, one signature and one audit
 * event per form. Forms already signed stay as they are.
 */
export async function signVisit(
  deps: RegistryDeps,
  actor: Actor,
  input: SignVisitInput,
): Promise<{ signed: number; alreadySigned: number }> {
  requirePermission(actor, 'response.sign');
  const s = parseInput(SIGN_VISIT_INPUT, input);
  await confirmSigner(deps, actor, s.password, { entity: 'visit', entityId: s.visit });
  return deps.db.transaction().execute(async (trx) => {
    const rows = await visitForms(deps, trx, actor, 'response.sign', s.visit, s.studyIds);
    const todo = rows.filter((r) => r.status !== 'signed');
    await refuseUnclosedQueries(trx, todo, 'signed');
    const now = deps.clock();
    for (const row of todo) await signRow(trx, actor, row, 'visit', now);
    return { signed: todo.length, alreadySigned: rows.length - todo.length };
  });
}
