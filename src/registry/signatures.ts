import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { RegistryError } from '../errors.js';
import { SIGNATURE_ITEM } from '../exchange/tidy.js';
import { MAX_INT4 } from '../instruments/index.js';
import { appendAudit, type Database } from '../store/index.js';
import { type Actor, type Permission, type RegistryDeps, requirePermission } from './context.js';
import { parseInput } from './parse-input.js';
import { refuseUnclosedQueries } from './queries.js';
import { checkVersion, contentSha256, loadResponse, type ResponseRow } from './response-row.js';
import type { ResponseRef } from './responses.js';
import { inScope, requireScope, scopeFor, siteFilter } from './scope.js';
import { accountHeldBack, countFailure } from './sign-in-throttle.js';
import { authenticate } from './users.js';

/*
 * Sign and lock (issue 8 §3.9, 21 CFR Part 11 §11.50, §11.70, §11.200). Response status:
 *   draft -> complete -> locked -> signed, or complete -> signed directly; a signed form is locked.
 *   unlock (reason): locked or signed -> complete, and the signature in force is voided (kept).
 * An investigator signs by entering the password again; the signature records the signer, the
 * time (UTC) and its meaning, and is bound to a sha256 of the signed version (response-row.ts).
 * A form with a query not yet closed is neither locked nor signed.
 */

/** The meaning of every signature the registry takes (Part 11 §11.50(a)(3)). */
export const SIGNATURE_MEANING = 'I have reviewed and approve';

const ID = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const VERSION = z.number().int().positive().max(MAX_INT4);
const REASON = z
  .string({ message: 'reason: say why' })
  .trim()
  .min(1, 'reason: say why')
  .max(2000, 'reason: at most 2,000 characters');
const PASSWORD = z
  .string({ message: 'password: enter your password to sign' })
  .min(1, 'password: enter your password to sign')
  .max(1024);

const LOCK_INPUT = z.object({ id: ID, version: VERSION, reason: REASON });
const SIGN_INPUT = z.object({ id: ID, version: VERSION, password: PASSWORD });
const VISITS = {
  visit: z.string().min(1, 'visit is required'),
  studyIds: z.array(z.string().min(1)).min(1, 'studyIds: choose at least one subject').max(5000),
};
const LOCK_VISIT_INPUT = z.object({ ...VISITS, reason: REASON });
const SIGN_VISIT_INPUT = z.object({ ...VISITS, password: PASSWORD });

export type LockInput = z.input<typeof LOCK_INPUT>;
export type SignInput = z.input<typeof SIGN_INPUT>;
export type LockVisitInput = z.input<typeof LOCK_VISIT_INPUT>;
export type SignVisitInput = z.input<typeof SIGN_VISIT_INPUT>;

/**
 * The signer proves who they are again (Part 11 §11.200(a)(1)), with the one password rule of
 * users.ts. A wrong password is an audit event of its own and a PASSWORD_INCORRECT naming the field;
 * it counts as a failed password check of the account (sessions.ts), so guessing at signatures backs
 * off and locks the account exactly as guessing at sign-in does (Part 11 §11.300(d)).
 */
async function confirmSigner(
  deps: RegistryDeps,
  actor: Actor,
  password: string,
  target: { entity: string; entityId: string },
): Promise<void> {
  const now = deps.clock();
  const held = await accountHeldBack(deps.db, actor.username, now);
  const who = held ? null : await authenticate(deps, actor.username, password);
  if (who && who.username === actor.username && who.role === actor.role) return;
  await deps.db.transaction().execute(async (trx) => {
    if (!held) await countFailure(trx, actor.username, SIGNATURE_ADDRESS, now);
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: 'signature.refused',
      siteId: actor.siteId,
      entity: target.entity,
      entityId: target.entityId,
      after: { reason: held ? 'too many wrong passwords' : 'password incorrect' },
    });
  });
  const message = held
    ? 'password: too many wrong passwords; nothing was signed; wait a few minutes and try again'
    : 'password: not correct; nothing was signed';
  throw new RegistryError('PASSWORD_INCORRECT', message, [
    { path: ['password'], code: 'incorrect', message },
  ]);
}

/** Where a signature's failed password check is counted from (login_failure.ip): not a network address. */
const SIGNATURE_ADDRESS = 'signature';

function ref(row: ResponseRow, version: number, status: ResponseRow['status']): ResponseRef {
  return { id: row.id, version, status, scores: row.scores as ResponseRef['scores'] };
}

async function lockRow(
  trx: Transaction<Database>,
  actor: Actor,
  row: ResponseRow,
  reason: string,
  now: Date,
): Promise<ResponseRef> {
  if (row.status !== 'complete') {
    throw new RegistryError(
      'INVALID_STATE',
      row.status === 'draft'
        ? `response ${row.id} is a draft; only a complete form can be locked`
        : `response ${row.id} is already ${row.status === 'signed' ? 'signed, and so locked' : 'locked'}`,
    );
  }
  await refuseUnclosedQueries(trx, [row], 'locked');
  const version = row.version + 1;
  await trx
    .updateTable('response')
    .set({ status: 'locked', version, updated_at: now, locked_by: actor.username, locked_at: now })
    .where('id', '=', row.id)
    .execute();
  await appendAudit(trx, {
    at: now,
    actor: actor.username,
    action: 'response.lock',
    siteId: row.site_id,
    entity: 'response',
    entityId: String(row.id),
    before: { status: row.status, version: row.version },
    after: { status: 'locked', version },
    reason,
  });
  return ref(row, version, 'locked');
}

async function signRow(
  trx: Transaction<Database>,
  actor: Actor,
  row: ResponseRow,
  scope: 'form' | 'visit',
  now: Date,
): Promise<ResponseRef> {
  if (row.status !== 'complete' && row.status !== 'locked') {
    throw new RegistryError(
      'INVALID_STATE',
      row.status === 'draft'
        ? `response ${row.id} is a draft; only a complete or locked form can be signed`
        : `response ${row.id} is already signed`,
    );
  }
  await refuseUnclosedQueries(trx, [row], 'signed');
  const version = row.version + 1;
  const sha = contentSha256(row, version);
  await trx
    .updateTable('response')
    .set({ status: 'signed', version, updated_at: now, signed_by: actor.username, signed_at: now })
    .where('id', '=', row.id)
    .execute();
  const signature = await trx
    .insertInto('signature')
    .values({
      site_id: row.site_id,
      study_id: row.study_id,
      response_id: row.id,
      response_version: version,
      content_sha256: sha,
      signed_by: actor.username,
      signer_role: actor.role,
      meaning: SIGNATURE_MEANING,
      signed_at: now,
      scope,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await appendAudit(trx, {
    at: now,
    actor: actor.username,
    action: 'response.sign',
    siteId: row.site_id,
    entity: 'response',
    entityId: String(row.id),
    before: { status: row.status, version: row.version },
    after: {
      status: 'signed',
      version,
      signature: {
        id: signature.id,
        signed_by: actor.username,
        signed_at: now.toISOString(),
        meaning: SIGNATURE_MEANING,
        scope,
        content_sha256: sha,
      },
    },
  });
  return ref(row, version, 'signed');
}

/** Locks a complete form against amendment, with a reason (investigator). */
export async function lockResponse(deps: RegistryDeps, actor: Actor, input: LockInput): Promise<ResponseRef> {
  requirePermission(actor, 'response.lock');
  const s = parseInput(LOCK_INPUT, input);
  return deps.db.transaction().execute(async (trx) => {
    const row = await loadResponse(trx, actor, 'response.lock', s.id);
    await checkVersion(trx, row, s.version);
    return lockRow(trx, actor, row, s.reason, deps.clock());
  });
}

/**
 * Unlocks a locked or signed form, with a reason (investigator): it is complete again, so it can be
 * amended, and the signature in force is voided (kept, marked void with when, who and why).
 */
export async function unlockResponse(
  deps: RegistryDeps,
  actor: Actor,
  input: LockInput,
): Promise<ResponseRef> {
  requirePermission(actor, 'response.lock');
  const s = parseInput(LOCK_INPUT, input);
  return deps.db.transaction().execute(async (trx) => {
    const row = await loadResponse(trx, actor, 'response.lock', s.id);
    await checkVersion(trx, row, s.version);
    if (row.status !== 'locked' && row.status !== 'signed') {
      throw new RegistryError('INVALID_STATE', `response ${row.id} is ${row.status}, not locked`);
    }
    const now = deps.clock();
    const voided = await trx
      .updateTable('signature')
      .set({ void_at: now, void_by: actor.username, void_reason: `form unlocked: ${s.reason}` })
      .where('response_id', '=', row.id)
      .where('void_at', 'is', null)
      .returning('id')
      .execute();
    const version = row.version + 1;
    await trx
      .updateTable('response')
      .set({
        status: 'complete',
        version,
        updated_at: now,
        locked_by: null,
        locked_at: null,
        signed_by: null,
        signed_at: null,
      })
      .where('id', '=', row.id)
      .execute();
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: 'response.unlock',
      siteId: row.site_id,
      entity: 'response',
      entityId: String(row.id),
      before: { status: row.status, version: row.version },
      after: { status: 'complete', version, voided_signatures: voided.map((v) => v.id) },
      reason: s.reason,
    });
    return ref(row, version, 'complete');
  });
}

/**
 * Signs one complete or locked form (investigator) after the password is entered again; the form
 * is then signed, and locked. Its meaning is SIGNATURE_MEANING.
 */
export async function signResponse(deps: RegistryDeps, actor: Actor, input: SignInput): Promise<ResponseRef> {
  requirePermission(actor, 'response.sign');
  const s = parseInput(SIGN_INPUT, input);
  await confirmSigner(deps, actor, s.password, { entity: 'response', entityId: String(s.id) });
  return deps.db.transaction().execute(async (trx) => {
    const row = await loadResponse(trx, actor, 'response.sign', s.id);
    await checkVersion(trx, row, s.version);
    return signRow(trx, actor, row, 'form', deps.clock());
  });
}

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

/** A signature as shown on the page and in exports. */
export interface SignatureView {
  id: number;
  responseId: number;
  signedBy: string;
  /** The signer's full name from their account; the username when none is set. */
  signerName: string;
  role: string;
  meaning: string;
  /** UTC, ISO 8601. */
  signedAt: string;
  scope: 'form' | 'visit';
  version: number;
  contentSha256: string;
  /**
   * in force: not voided, and the form is still the signed version (its hash matches); void: voided
   * by an unlock (see `void`); broken: not voided, but the form no longer matches what was signed.
   */
  state: 'in force' | 'void' | 'broken';
  void: { at: string; by: string; reason: string } | null;
}

/**
 * Every signature of each response asked for that the actor may read, newest first (others are
 * left out as if they did not exist).
 */
export async function signaturesFor(
  deps: RegistryDeps,
  actor: Actor,
  responseIds: readonly number[],
): Promise<Map<number, SignatureView[]>> {
  const sites = siteFilter(requireScope(actor, 'data.read'));
  const out = new Map<number, SignatureView[]>();
  if (responseIds.length === 0) return out;
  let q = deps.db
    .selectFrom('response')
    .selectAll()
    .where('id', 'in', [...responseIds]);
  if (sites) q = q.where('site_id', 'in', sites);
  const responses = new Map((await q.execute()).map((r) => [r.id, r]));
  if (responses.size === 0) return out;
  const rows = await deps.db
    .selectFrom('signature')
    .leftJoin('app_user', 'app_user.username', 'signature.signed_by')
    .selectAll('signature')
    .select('app_user.full_name')
    .where('response_id', 'in', [...responses.keys()])
    .orderBy('signature.id', 'desc')
    .execute();
  for (const id of responses.keys()) out.set(id, []);
  for (const s of rows) {
    const response = responses.get(s.response_id)!;
    out.get(s.response_id)!.push({
      id: s.id,
      responseId: s.response_id,
      signedBy: s.signed_by,
      signerName: s.full_name ?? s.signed_by,
      role: s.signer_role,
      meaning: s.meaning,
      signedAt: s.signed_at.toISOString(),
      scope: s.scope,
      version: s.response_version,
      contentSha256: s.content_sha256,
      state: s.void_at ? 'void' : signatureState(response, s),
      void: s.void_at
        ? { at: s.void_at.toISOString(), by: s.void_by ?? '', reason: s.void_reason ?? '' }
        : null,
    });
  }
  return out;
}

/** A signature not voided is in force while the form is still the signed version, else broken. */
function signatureState(
  response: ResponseRow,
  s: { response_version: number; content_sha256: string },
): 'in force' | 'broken' {
  const intact =
    response.version === s.response_version &&
    contentSha256(response, s.response_version) === s.content_sha256;
  return intact ? 'in force' : 'broken';
}

export { SIGNATURE_ITEM };

/**
 * The `_signature` value of each signed form of these subjects, keyed by
 * `study_id visit instrument instance` (tab-separated), read in the caller's snapshot:
 * `name=…; username=…; signed_at=<UTC>; meaning=…; sha256=…; state=in force|broken`.
 */
export async function signatureValues(
  db: Kysely<Database> | Transaction<Database>,
  studyIds: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (studyIds.length === 0) return out;
  const rows = await db
    .selectFrom('signature as s')
    .innerJoin('response as r', 'r.id', 's.response_id')
    .leftJoin('app_user as u', 'u.username', 's.signed_by')
    .selectAll('r')
    .select([
      's.signed_by as sig_by',
      's.signed_at as sig_at',
      's.meaning as sig_meaning',
      's.content_sha256 as sig_sha',
      's.response_version as sig_version',
      'u.full_name as sig_name',
    ])
    .where('r.study_id', 'in', [...studyIds])
    .where('s.void_at', 'is', null)
    .execute();
  for (const row of rows) {
    const state = signatureState(row, { response_version: row.sig_version, content_sha256: row.sig_sha });
    out.set(
      [row.study_id, row.visit, row.instrument, row.instance].join('\t'),
      `name=${row.sig_name ?? row.sig_by}; username=${row.sig_by}; signed_at=${row.sig_at.toISOString()}; meaning=${row.sig_meaning}; sha256=${row.sig_sha}; state=${state}`,
    );
  }
  return out;
}
