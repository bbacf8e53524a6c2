import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { appendAudit } from '../store/index.js';
import type { Actor, RegistryDeps, Role } from './context.js';
import { countFailure, storable, throttled } from './sign-in-throttle.js';
import { sitesOf } from './user-rows.js';
import { authenticate } from './users.js';

/** Idle and absolute session lifetimes (OWASP ASVS 7.3: re-authenticate after inactivity and at most every 12 h). */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60_000;
/** last_seen_at is written at most this often, so a page view is not always a write. */
const TOUCH_EVERY_MS = 60_000;
/** First key of the advisory lock that serialises sign-in attempts for one username. */
const SIGN_IN_LOCK = 53_494_653;

/** A signed-in staff member as a request sees them: the active site is the actor's site. */
export interface SessionUser {
  userId: string;
  username: string;
  fullName: string | null;
  role: Role;
  /** Every site the user works at, sorted; empty for admin, monitor and statistician. */
  sites: string[];
  actor: Actor;
  /** Locked while a patient answers ePRO on this device (in-clinic mode): staff pages ask for the password. */
  locked: boolean;
}

/** sha256 of the browser's session id: the only form the database ever holds. */
export function sessionHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The sites a user works at: their membership rows. */
export function userSites(deps: RegistryDeps, userId: string): Promise<string[]> {
  return sitesOf(deps.db, userId);
}

/** The one message for every refused sign-in, so it never tells whether the user exists. */
export const SIGN_IN_REFUSED = 'The username or password is not right, or the account is locked for now.';

export type SignInResult =
  | { kind: 'ok'; token: string; user: SessionUser }
  | { kind: 'refused' | 'throttled'; message: string };

/**
 * Checks the password and opens a session with a new 256-bit random id (a new id at every sign-in, so
 * a planted id is never promoted). The answer is the same for an unknown user and a wrong password,
 * and unknown usernames are counted like known ones. Success, failure and a held-back attempt are
 * audit events; a failure is counted for backoff, and success clears the account's count (not the
 * address's, so one good account does not reset an address that guesses at others).
 */
export async function signIn(
  deps: RegistryDeps,
  input: { username: string; password: string; ip: string },
): Promise<SignInResult> {
  const username = storable(input.username.trim().toLowerCase().slice(0, 64));
  const ip = storable(input.ip.slice(0, 64));
  const now = deps.clock();
  // One attempt per account at a time, across every process: concurrent guesses cannot all slip
  // through before the first one is counted.
  const outcome = await deps.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${sql.lit(SIGN_IN_LOCK)}::int, hashtext(${username}))`.execute(
      trx,
    );
    if (await throttled(trx, username, ip, now)) {
      await appendAudit(trx, {
        at: now,
        actor: username,
        action: 'session.login_failed',
        siteId: null,
        entity: 'app_user',
        entityId: username,
        after: { held_back: true },
      });
      return 'throttled' as const;
    }
    const actor = await authenticate({ ...deps, db: trx }, username, input.password);
    if (!actor) {
      await countFailure(trx, username, ip, now);
      await appendAudit(trx, {
        at: now,
        actor: username,
        action: 'session.login_failed',
        siteId: null,
        entity: 'app_user',
        entityId: username,
      });
      return 'refused' as const;
    }
    await trx.deleteFrom('login_failure').where('username', '=', username).execute();
    return actor;
  });
  if (outcome === 'throttled' || outcome === 'refused') return { kind: outcome, message: SIGN_IN_REFUSED };
  const actor = outcome;
  const row = await deps.db
    .selectFrom('app_user')
    .select(['id', 'full_name'])
    .where('username', '=', actor.username)
    .executeTakeFirstOrThrow();
  const sites = await userSites(deps, row.id);
  const token = randomBytes(32).toString('base64url');
  const activeSite = sites[0] ?? null;
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('web_session')
      .values({
        id_hash: sessionHash(token),
        user_id: row.id,
        active_site_id: activeSite,
        created_at: now,
        last_seen_at: now,
        expires_at: new Date(now.getTime() + SESSION_ABSOLUTE_MS),
      })
      .execute();
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: 'session.login',
      siteId: activeSite,
      entity: 'app_user',
      entityId: row.id,
    });
  });
  return {
    kind: 'ok',
    token,
    user: {
      userId: row.id,
      username: actor.username,
      fullName: row.full_name,
      role: actor.role as Role,
      sites,
      actor: { ...actor, siteId: activeSite },
      locked: false,
    },
  };
}

/**
 * The user of a live session, or null: unknown, ended, idle for 30 minutes, past 12 hours, or the
 * user has been disabled since. Refreshes the idle timer.
 */
export async function loadSession(deps: RegistryDeps, token: string): Promise<SessionUser | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const now = deps.clock();
  const idHash = sessionHash(token);
  const row = await deps.db
    .selectFrom('web_session as s')
    .innerJoin('app_user as u', 'u.id', 's.user_id')
    .select([
      's.user_id',
      's.active_site_id',
      's.last_seen_at',
      's.locked_at',
      'u.username',
      'u.full_name',
      'u.role',
    ])
    .where('s.id_hash', '=', idHash)
    .where('s.ended_at', 'is', null)
    .where('s.expires_at', '>', now)
    .where('s.last_seen_at', '>', new Date(now.getTime() - SESSION_IDLE_MS))
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  if (now.getTime() - row.last_seen_at.getTime() > TOUCH_EVERY_MS) {
    await deps.db
      .updateTable('web_session')
      .set({ last_seen_at: now })
      .where('id_hash', '=', idHash)
      .execute();
  }
  const sites = await userSites(deps, row.user_id);
  // A membership removed since sign-in takes the site away at once.
  const activeSite =
    row.active_site_id !== null && sites.includes(row.active_site_id) ? row.active_site_id : null;
  const role = row.role as Role;
  return {
    userId: row.user_id,
    username: row.username,
    fullName: row.full_name,
    role,
    sites,
    actor: { username: row.username, role, siteId: activeSite },
    locked: row.locked_at !== null,
  };
}

/** Ends the session on the server (sign-out); the audit trail records it. */
export async function signOut(deps: RegistryDeps, token: string, user: SessionUser): Promise<void> {
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('web_session')
      .set({ ended_at: now })
      .where('id_hash', '=', sessionHash(token))
      .where('ended_at', 'is', null)
      .execute();
    await appendAudit(trx, {
      at: now,
      actor: user.username,
      action: 'session.logout',
      siteId: user.actor.siteId,
      entity: 'app_user',
      entityId: user.userId,
    });
  });
}

/** Makes another of the user's sites the active one; a site they do not work at is refused as not found. */
export async function switchSite(
  deps: RegistryDeps,
  token: string,
  user: SessionUser,
  siteId: string,
): Promise<boolean> {
  if (!user.sites.includes(siteId)) return false;
  await deps.db
    .updateTable('web_session')
    .set({ active_site_id: siteId })
    .where('id_hash', '=', sessionHash(token))
    .execute();
  return true;
}
