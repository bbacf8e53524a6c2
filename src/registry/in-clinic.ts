import { sql } from 'kysely';
import { appendAudit } from '../store/index.js';
import type { RegistryDeps } from './context.js';
import { createLink } from './epro-links.js';
import { type SessionUser, sessionHash } from './sessions.js';
import { countFailure, storable, throttled } from './sign-in-throttle.js';
import { authenticate } from './users.js';

/** First key of the advisory lock shared with sign-in, so unlock guesses and sign-in guesses take turns. */
const SIGN_IN_LOCK = 53_494_653;

/**
 * In-clinic ePRO (docs/epro.md): the staff member makes the visit's patient link and hands the
 * device over. The staff session is locked in the same transaction as the audit event; the link's
 * token is returned for the redirect to the patient pages, never shown.
 */
export async function startInClinic(
  deps: RegistryDeps,
  sessionToken: string,
  user: SessionUser,
  input: { studyId: string; visit: string },
): Promise<{ token: string }> {
  const link = await createLink(deps, user.actor, input);
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('web_session')
      .set({ locked_at: now })
      .where('id_hash', '=', sessionHash(sessionToken))
      .where('ended_at', 'is', null)
      .execute();
    await appendAudit(trx, {
      at: now,
      actor: user.username,
      action: 'session.locked',
      siteId: user.actor.siteId,
      entity: 'subject',
      entityId: input.studyId,
      after: { visit: link.visit, link: link.id, channel: 'ePRO in clinic' },
    });
  });
  return { token: link.token };
}

/** Whether a session is locked for in-clinic ePRO. */
export async function sessionLocked(deps: RegistryDeps, sessionToken: string): Promise<boolean> {
  const row = await deps.db
    .selectFrom('web_session')
    .select('locked_at')
    .where('id_hash', '=', sessionHash(sessionToken))
    .executeTakeFirst();
  return Boolean(row?.locked_at);
}

export type UnlockResult = 'ok' | 'refused' | 'throttled';

/**
 * Unlocks the session when the signed-in user's password is right. A wrong password counts as a
 * failed sign-in of the account from the address (same backoff and lockout as sign-in), so the
 * patient holding the tablet cannot guess it.
 */
export async function unlockSession(
  deps: RegistryDeps,
  sessionToken: string,
  user: SessionUser,
  input: { password: string; ip: string },
): Promise<UnlockResult> {
  const now = deps.clock();
  const username = user.username;
  const ip = storable(input.ip.slice(0, 64));
  return deps.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${sql.lit(SIGN_IN_LOCK)}::int, hashtext(${username}))`.execute(
      trx,
    );
    const fail = async (held: boolean) => {
      if (!held) await countFailure(trx, username, ip, now);
      await appendAudit(trx, {
        at: now,
        actor: username,
        action: 'session.unlock_failed',
        siteId: user.actor.siteId,
        entity: 'app_user',
        entityId: user.userId,
        after: held ? { held_back: true } : null,
      });
    };
    if (await throttled(trx, username, ip, now)) {
      await fail(true);
      return 'throttled' as const;
    }
    if (!(await authenticate({ ...deps, db: trx }, username, input.password))) {
      await fail(false);
      return 'refused' as const;
    }
    await trx.deleteFrom('login_failure').where('username', '=', username).execute();
    await trx
      .updateTable('web_session')
      .set({ locked_at: null })
      .where('id_hash', '=', sessionHash(sessionToken))
      .execute();
    await appendAudit(trx, {
      at: now,
      actor: username,
      action: 'session.unlocked',
      siteId: user.actor.siteId,
      entity: 'app_user',
      entityId: user.userId,
    });
    return 'ok' as const;
  });
}
