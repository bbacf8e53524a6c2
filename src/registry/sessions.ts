import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { appendAudit } from '../store/index.js';
import type { Actor, RegistryDeps, Role } from './context.js';
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
}

/** sha256 of the browser's session id: the only form the database ever holds. */
export function sessionHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The sites a user works at: their membership rows. */
export async function userSites(deps: RegistryDeps, userId: string): Promise<string[]> {
  const rows = await deps.db
    .selectFrom('user_site')
    .select('site_id')
    .where('user_id', '=', userId)
    .orderBy('site_id')
    .execute();
  return rows.map((r) => r.site_id);
}

/** The one message for every refused sign-in, so it never tells whether the user exists. */
export const SIGN_IN_REFUSED = 'The username or password is not right, or the account is locked for now.';

/*
 * Sign-in backoff and lockout (OWASP ASVS 5.0 §6.3.1, NIST SP 800-63B §5.2.2: limit failed attempts
 * per account; OWASP Authentication Cheat Sheet: count per account and per address). The counters are
 * rows of login_failure in PostgreSQL, so every `serve` process sees the same ones. While a sign-in is
 * held back its password is not even checked and the attempt is not counted, so waiting out the delay
 * is always enough.
 */
/** Failures in this window count towards the delay and the lockout. */
export const FAILURE_WINDOW_MS = 15 * 60_000;
/** Account failures allowed before each further attempt must wait (1 s, 2 s, 4 s, … after the last). */
export const ACCOUNT_FREE_FAILURES = 3;
/** Failures within the window that lock the account, and for how long after the last of them. */
export const LOCKOUT_FAILURES = 10;
export const LOCKOUT_MS = 15 * 60_000;
/** One address may serve a whole clinic behind NAT: more free failures, then the same growing delay. */
export const IP_FREE_FAILURES = 10;
const MAX_DELAY_MS = 15 * 60_000;
/**
 * An address waits at most a minute: behind a reverse proxy every user shares its address (no proxy
 * header is trusted), so a long address delay would keep a whole clinic out. Accounts lock instead.
 */
export const IP_MAX_DELAY_MS = 60_000;
/** Rows older than this can no longer matter (the window plus the lockout) and are purged. */
const KEEP_FAILURES_MS = FAILURE_WINDOW_MS + LOCKOUT_MS;

export type SignInResult =
  | { kind: 'ok'; token: string; user: SessionUser }
  | { kind: 'refused' | 'throttled'; message: string };

/** Until when failures at these times (ascending) hold back the next attempt; null when they do not. */
export function heldUntil(failures: readonly Date[], freeFailures: number, lockout: boolean): Date | null {
  const times = failures.map((f) => f.getTime());
  let until = Number.NEGATIVE_INFINITY;
  if (lockout) {
    // The account locks at the LOCKOUT_FAILURES-th failure within one window, for LOCKOUT_MS after it.
    for (let k = LOCKOUT_FAILURES - 1; k < times.length; k++) {
      if (times[k]! - times[k - LOCKOUT_FAILURES + 1]! <= FAILURE_WINDOW_MS) {
        until = Math.max(until, times[k]! + LOCKOUT_MS);
      }
    }
  }
  const last = times.at(-1);
  if (last !== undefined) {
    const recent = times.filter((t) => t > last - FAILURE_WINDOW_MS).length;
    if (recent >= freeFailures) {
      until = Math.max(
        until,
        last + Math.min(1000 * 2 ** (recent - freeFailures), lockout ? MAX_DELAY_MS : IP_MAX_DELAY_MS),
      );
    }
  }
  return Number.isFinite(until) ? new Date(until) : null;
}

/** Whether this sign-in must wait: the account (known or not) or the address has failed too often. */
async function throttled(db: RegistryDeps['db'], username: string, ip: string, now: Date): Promise<boolean> {
  const since = new Date(now.getTime() - KEEP_FAILURES_MS);
  const times = async (column: 'username' | 'ip', value: string) =>
    (
      await db
        .selectFrom('login_failure')
        .select('at')
        .where(column, '=', value)
        .where('at', '>', since)
        .orderBy('at')
        .execute()
    ).map((r) => r.at);
  const account = heldUntil(await times('username', username), ACCOUNT_FREE_FAILURES, true);
  if (account && account > now) return true;
  const address = heldUntil(await times('ip', ip), IP_FREE_FAILURES, false);
  return address !== null && address > now;
}

/** Whether the account itself is held back (backoff or lockout), whatever the address. */
export async function accountHeldBack(db: RegistryDeps['db'], username: string, now: Date): Promise<boolean> {
  const rows = await db
    .selectFrom('login_failure')
    .select('at')
    .where('username', '=', username)
    .where('at', '>', new Date(now.getTime() - KEEP_FAILURES_MS))
    .orderBy('at')
    .execute();
  const until = heldUntil(
    rows.map((r) => r.at),
    ACCOUNT_FREE_FAILURES,
    true,
  );
  return until !== null && until > now;
}

/** Until when each of these accounts is held back from signing in (only those held back now). */
export async function heldBackUntil(
  db: RegistryDeps['db'],
  usernames: readonly string[],
  now: Date,
): Promise<Map<string, Date>> {
  const out = new Map<string, Date>();
  if (usernames.length === 0) return out;
  const rows = await db
    .selectFrom('login_failure')
    .select(['username', 'at'])
    .where('username', 'in', usernames)
    .where('at', '>', new Date(now.getTime() - KEEP_FAILURES_MS))
    .orderBy('at')
    .execute();
  for (const username of new Set(rows.map((r) => r.username))) {
    const times = rows.filter((r) => r.username === username).map((r) => r.at);
    const until = heldUntil(times, ACCOUNT_FREE_FAILURES, true);
    if (until && until > now) out.set(username, until);
  }
  return out;
}

/** Counts one failed password check of the account from the address, and purges rows too old to matter. */
export async function countFailure(
  db: RegistryDeps['db'],
  username: string,
  ip: string,
  now: Date,
): Promise<void> {
  await db
    .deleteFrom('login_failure')
    .where('at', '<', new Date(now.getTime() - KEEP_FAILURES_MS))
    .execute();
  await db.insertInto('login_failure').values({ username, ip, at: now }).execute();
}

/**
 * Text PostgreSQL can store: NUL and lone surrogates (typed, or left by cutting inside a pair) become
 * U+FFFD, so any username typed at sign-in is refused and counted like another, never a database error.
 */
function storable(text: string): string {
  return text
    .replaceAll('\u0000', '\ufffd')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

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
    .select(['s.user_id', 's.active_site_id', 's.last_seen_at', 'u.username', 'u.full_name', 'u.role'])
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
