import { printable, RegistryError } from '../errors.js';
import { isSiteCode } from '../protocol/identifiers.js';
import { passwordProblem } from '../security/password-policy.js';
import type { RegistryDeps, Role } from './context.js';

/*
 * What the account use cases share (users.ts, user-passwords.ts, user-sites.ts): the password hash,
 * which roles belong to a site, a user's row and sites, ending their sessions, one-field refusals.
 */

// OWASP password storage guidance: argon2id, m=19 MiB, t=2, p=1.
// algorithm 2 is Algorithm.Argon2id (a const enum, which verbatimModuleSyntax cannot import).
export const ARGON2 = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const SITE_ROLES: readonly Role[] = ['coordinator', 'investigator'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type Db = RegistryDeps['db'];

/** The user's row, or USER_NOT_FOUND; `forUpdate` locks it, so changes to one user take turns. */
export async function userRow(db: Db, userId: string, forUpdate = false) {
  if (!UUID.test(userId)) throw new RegistryError('USER_NOT_FOUND', 'user not found');
  let query = db
    .selectFrom('app_user')
    .select(['id', 'username', 'full_name', 'role', 'site_id', 'disabled_at', 'created_at'])
    .where('id', '=', userId);
  if (forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw new RegistryError('USER_NOT_FOUND', 'user not found');
  return row;
}

export async function sitesOf(db: Db, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('user_site')
    .select('site_id')
    .where('user_id', '=', userId)
    .orderBy('site_id')
    .execute();
  return rows.map((r) => r.site_id);
}

/** Ends every live session of a user, except the one whose hash is given (the user's own, kept). */
export async function endSessions(db: Db, userId: string, now: Date, exceptHash?: string): Promise<number> {
  let query = db
    .updateTable('web_session')
    .set({ ended_at: now })
    .where('user_id', '=', userId)
    .where('ended_at', 'is', null);
  if (exceptHash) query = query.where('id_hash', '!=', exceptHash);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export function validation(path: string, message: string): RegistryError {
  return new RegistryError('VALIDATION_FAILED', `${path}: ${message}`, [
    { path: [path], code: 'custom', message: `${path}: ${message}` },
  ]);
}

export function passwordIssue(password: string, username: string, path: string): RegistryError | null {
  const problem = passwordProblem(password, { username });
  return problem ? validation(path, `password ${problem}`) : null;
}

/** The site, or SITE_NOT_FOUND. */
export async function requireSiteExists(db: Db, siteId: string): Promise<void> {
  // Not a site code (it may hold text PostgreSQL cannot compare, such as NUL): no such site.
  const site = isSiteCode(siteId)
    ? await db.selectFrom('site').select('id').where('id', '=', siteId).executeTakeFirst()
    : undefined;
  if (!site) throw new RegistryError('SITE_NOT_FOUND', `site ${printable(siteId)} does not exist`);
}
