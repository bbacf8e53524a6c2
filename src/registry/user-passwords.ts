import { hash, verify } from '@node-rs/argon2';
import { type Issue, RegistryError } from '../errors.js';
import { appendAudit } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission } from './context.js';
import { accountHeldBack, countFailure } from './sign-in-throttle.js';
import { ARGON2, endSessions, passwordIssue, userRow, validation } from './user-rows.js';

/*
 * Passwords (issue 8 §1): a user changes their own, the admin resets anyone's. The password never
 * reaches the audit trail, only the fact of the change; sessions opened with the old one end.
 */

/**
 * The signed-in user changes their own password: the current one must be right and the new one must
 * pass the policy. Every other session of theirs ends (a session opened by whoever knew the old one).
 */
export async function changeOwnPassword(
  deps: RegistryDeps,
  who: { userId: string; sessionHash: string },
  input: { currentPassword: string; newPassword: string },
): Promise<void> {
  const row = await deps.db
    .selectFrom('app_user')
    .select(['id', 'username', 'password_hash', 'site_id'])
    .where('id', '=', who.userId)
    .executeTakeFirst();
  if (!row) throw new RegistryError('USER_NOT_FOUND', 'user not found');
  // A wrong current password counts like a failed sign-in, so a session left open is no way to guess
  // the password: the same backoff and lockout hold here.
  const now = deps.clock();
  if (await accountHeldBack(deps.db, row.username, now)) {
    throw validation('currentPassword', 'too many wrong passwords; wait a few minutes and try again');
  }
  const issues: Issue[] = [];
  if (!(await verify(row.password_hash, input.currentPassword))) {
    await deps.db.transaction().execute(async (trx) => {
      await countFailure(trx, row.username, 'password change', now);
      await appendAudit(trx, {
        at: now,
        actor: row.username,
        action: 'user.password_change_failed',
        siteId: null,
        entity: 'app_user',
        entityId: row.id,
      });
    });
    issues.push(...validation('currentPassword', 'the current password is not right').issues);
  }
  const problem = passwordIssue(input.newPassword, row.username, 'newPassword');
  if (problem) issues.push(...problem.issues);
  else if (input.newPassword === input.currentPassword) {
    issues.push(...validation('newPassword', 'the new password must differ from the current one').issues);
  }
  if (issues.length > 0) {
    throw new RegistryError('VALIDATION_FAILED', issues.map((i) => i.message).join('; '), issues);
  }
  const passwordHash = await hash(input.newPassword, ARGON2);
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('app_user').set({ password_hash: passwordHash }).where('id', '=', row.id).execute();
    const ended = await endSessions(trx, row.id, now, who.sessionHash);
    await appendAudit(trx, {
      at: now,
      actor: row.username,
      action: 'user.password_change',
      siteId: null,
      entity: 'app_user',
      entityId: row.id,
      after: { other_sessions_ended: ended },
    });
  });
}

/** The admin sets a new password for a user: their sessions end and their failed sign-ins are cleared. */
export async function resetPassword(
  deps: RegistryDeps,
  actor: Actor,
  userId: string,
  input: { newPassword: string },
): Promise<void> {
  requirePermission(actor, 'user.manage');
  const row = await userRow(deps.db, userId);
  const problem = passwordIssue(input.newPassword, row.username, 'newPassword');
  if (problem) throw problem;
  const passwordHash = await hash(input.newPassword, ARGON2);
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('app_user').set({ password_hash: passwordHash }).where('id', '=', row.id).execute();
    const ended = await endSessions(trx, row.id, now);
    await trx.deleteFrom('login_failure').where('username', '=', row.username).execute();
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: 'user.password_reset',
      siteId: null,
      entity: 'app_user',
      entityId: row.id,
      after: { username: row.username, sessions_ended: ended },
    });
  });
}
