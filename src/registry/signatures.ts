import type { Transaction } from 'kysely';
import { z } from 'zod';
import { RegistryError } from '../errors.js';
import { MAX_INT4 } from '../instruments/index.js';
import { appendAudit, type Database } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission } from './context.js';
import { parseInput, ROW_ID } from './parse-input.js';
import { refuseUnclosedQueries } from './queries.js';
import { checkVersion, contentSha256, loadResponse, type ResponseRow } from './response-row.js';
import type { ResponseRef } from './responses.js';
import { accountHeldBack, countFailure } from './sign-in-throttle.js';
import { authenticate } from './users.js';

/*
 * Sign and lock (issue 8 §3.9, 21 CFR Part 11 §11.50, §11.70, §11.200). Response status:
 *   draft -> complete -> locked -> signed, or complete -> signed directly; a signed form is locked.
 *   unlock (reason): locked or signed -> complete, and the signature in force is voided (kept).
 * An investigator signs by entering the password again; the signature records the signer, the
 * time (UTC) and its meaning, and is bound to a sha256 of the signed version (response-row.ts).
 * A form with a query not yet closed is neither locked nor signed. One visit's forms at once:
 * visit-signing.ts; signatures as read back: signature-views.ts.
 */

/** The meaning of every signature the registry takes (Part 11 §11.50(a)(3)). */
export const SIGNATURE_MEANING = 'I have reviewed and approve';

const VERSION = z.number().int().positive().max(MAX_INT4);
export const REASON = z
  .string({ message: 'reason: say why' })
  .trim()
  .min(1, 'reason: say why')
  .max(2000, 'reason: at most 2,000 characters');
export const PASSWORD = z
  .string({ message: 'password: enter your password to sign' })
  .min(1, 'password: enter your password to sign')
  .max(1024);

const LOCK_INPUT = z.object({ id: ROW_ID, version: VERSION, reason: REASON });
const SIGN_INPUT = z.object({ id: ROW_ID, version: VERSION, password: PASSWORD });

export type LockInput = z.input<typeof LOCK_INPUT>;
export type SignInput = z.input<typeof SIGN_INPUT>;

/**
 * The signer proves who they are again (Part 11 §11.200(a)(1)), with the one password rule of
 * users.ts. A wrong password is an audit event of its own and a PASSWORD_INCORRECT naming the field;
 * it counts as a failed password check of the account (sessions.ts), so guessing at signatures backs
 * off and locks the account exactly as guessing at sign-in does (Part 11 §11.300(d)).
 */
export async function confirmSigner(
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

export async function lockRow(
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

export async function signRow(
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
