import type { RegistryDeps } from './context.js';

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
export async function throttled(
  db: RegistryDeps['db'],
  username: string,
  ip: string,
  now: Date,
): Promise<boolean> {
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
export function storable(text: string): string {
  return text
    .replaceAll('\u0000', '\ufffd')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
