import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';
import { RegistryError } from '../errors.js';
import { passwordProblem } from '../security/password-policy.js';
import { appendAudit } from '../store/index.js';
import { type Actor, type RegistryDeps, ROLES, type Role, requirePermission } from './context.js';
import { parseInput } from './parse-input.js';
import { heldBackUntil } from './sign-in-throttle.js';
import {
  ARGON2,
  endSessions,
  requireSiteExists,
  SITE_ROLES,
  sitesOf,
  userRow,
  validation,
} from './user-rows.js';

/*
 * Accounts (issue 8 §1, §2): the admin manages roles, site membership, names, passwords and disabled
 * accounts; every user changes their own password. Each change is one transaction with its audit
 * event; a password (old or new) never reaches the audit trail, only the fact of the change.
 * Passwords: user-passwords.ts; site membership: user-sites.ts.
 */

const USER_INPUT = z
  .object({
    username: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9._-]{2,63}$/,
        'username must be 3–64 lower-case letters, digits, dot, dash or underscore',
      ),
    role: z.enum(ROLES, { message: `role must be one of ${ROLES.join(', ')}` }),
    siteId: z.string().nullable().optional(),
    password: z.string(),
    fullName: z.string().trim().max(200, 'full name must have at most 200 characters').nullable().optional(),
  })
  .superRefine((u, ctx) => {
    const problem = passwordProblem(u.password, { username: u.username });
    if (problem) ctx.addIssue({ code: 'custom', path: ['password'], message: `password ${problem}` });
    if (SITE_ROLES.includes(u.role) && !u.siteId) {
      ctx.addIssue({ code: 'custom', path: ['siteId'], message: `a ${u.role} must belong to a site` });
    }
    if (!SITE_ROLES.includes(u.role) && u.siteId) {
      ctx.addIssue({
        code: 'custom',
        path: ['siteId'],
        message: `a ${u.role} works across sites and has no site`,
      });
    }
  });

export type UserInput = z.input<typeof USER_INPUT>;

/** Adds a user with an argon2id password hash (admin). The password never reaches the audit trail. */
export async function addUser(deps: RegistryDeps, actor: Actor, input: UserInput): Promise<{ id: string }> {
  requirePermission(actor, 'user.manage');
  const user = parseInput(USER_INPUT, input);
  const passwordHash = await hash(user.password, ARGON2);
  const siteId = user.siteId ?? null;
  return deps.db.transaction().execute(async (trx) => {
    if (siteId) await requireSiteExists(trx, siteId);
    const existing = await trx
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', user.username)
      .executeTakeFirst();
    if (existing) throw new RegistryError('USER_EXISTS', `user ${user.username} already exists`);
    const row = await trx
      .insertInto('app_user')
      .values({
        username: user.username,
        password_hash: passwordHash,
        role: user.role,
        site_id: siteId,
        full_name: user.fullName || null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (siteId) await trx.insertInto('user_site').values({ user_id: row.id, site_id: siteId }).execute();
    await appendAudit(trx, {
      at: deps.clock(),
      actor: actor.username,
      action: 'user.add',
      siteId,
      entity: 'app_user',
      entityId: row.id,
      after: { username: user.username, role: user.role, site_id: siteId, full_name: user.fullName || null },
    });
    return { id: row.id };
  });
}

let dummyHash: Promise<string> | undefined;

/** Checks a username and password; returns the actor or null (same answer for unknown user and wrong password). */
export async function authenticate(
  deps: RegistryDeps,
  username: string,
  password: string,
): Promise<Actor | null> {
  const user = await deps.db
    .selectFrom('app_user')
    .select(['username', 'password_hash', 'role', 'site_id', 'disabled_at'])
    .where('username', '=', username)
    .executeTakeFirst();
  // An unknown user costs one verification too, so timing does not tell which usernames exist.
  dummyHash ??= hash('no such user: timing equaliser', ARGON2);
  const ok = await verify(user?.password_hash ?? (await dummyHash), password);
  if (!user || user.disabled_at || !ok) return null;
  return { username: user.username, role: user.role as Role, siteId: user.site_id };
}

/** A user as the admin pages show them (no password hash). */
export interface UserView {
  id: string;
  username: string;
  fullName: string | null;
  role: Role;
  sites: string[];
  disabledAt: Date | null;
  /** Until when failed sign-ins hold the account back (a password reset lifts it); null: not held. */
  heldBackUntil: Date | null;
  createdAt: Date;
}

/** Every user, by username (admin). */
export async function listUsers(deps: RegistryDeps, actor: Actor): Promise<UserView[]> {
  requirePermission(actor, 'user.manage');
  const rows = await deps.db
    .selectFrom('app_user')
    .select(['id', 'username', 'full_name', 'role', 'disabled_at', 'created_at'])
    .orderBy('username')
    .execute();
  const memberships = await deps.db
    .selectFrom('user_site')
    .select(['user_id', 'site_id'])
    .orderBy('site_id')
    .execute();
  const held = await heldBackUntil(
    deps.db,
    rows.map((r) => r.username),
    deps.clock(),
  );
  return rows.map((r) => ({
    id: r.id,
    username: r.username,
    fullName: r.full_name,
    role: r.role as Role,
    sites: memberships.filter((m) => m.user_id === r.id).map((m) => m.site_id),
    disabledAt: r.disabled_at,
    heldBackUntil: held.get(r.username) ?? null,
    createdAt: r.created_at,
  }));
}

/** One user (admin); an unknown id is USER_NOT_FOUND. */
export async function getUser(deps: RegistryDeps, actor: Actor, userId: string): Promise<UserView> {
  requirePermission(actor, 'user.manage');
  const r = await userRow(deps.db, userId);
  return {
    id: r.id,
    username: r.username,
    fullName: r.full_name,
    role: r.role as Role,
    sites: await sitesOf(deps.db, r.id),
    disabledAt: r.disabled_at,
    heldBackUntil: (await heldBackUntil(deps.db, [r.username], deps.clock())).get(r.username) ?? null,
    createdAt: r.created_at,
  };
}

/** Whether the actor is the user (an admin may not disable or demote themselves: no one could undo it). */
function isSelf(actor: Actor, username: string): boolean {
  return actor.username === username;
}

/** The admin disables a user (every session ends at once) or enables them again. */
export async function setUserDisabled(
  deps: RegistryDeps,
  actor: Actor,
  userId: string,
  disabled: boolean,
): Promise<void> {
  requirePermission(actor, 'user.manage');
  const row = await userRow(deps.db, userId);
  if (disabled && isSelf(actor, row.username)) {
    throw new RegistryError('INVALID_STATE', 'you cannot disable your own account');
  }
  if ((row.disabled_at !== null) === disabled) return;
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('app_user')
      .set({ disabled_at: disabled ? now : null })
      .where('id', '=', row.id)
      .execute();
    const ended = disabled ? await endSessions(trx, row.id, now) : 0;
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: disabled ? 'user.disable' : 'user.enable',
      siteId: null,
      entity: 'app_user',
      entityId: row.id,
      before: { disabled: row.disabled_at !== null },
      after: { disabled, sessions_ended: ended },
    });
  });
}

/**
 * The admin changes a user's role. A coordinator or investigator needs a site: a user without one
 * must be given one in the same change. The cross-site roles (admin, monitor, statistician) have no
 * sites, so their memberships end with the change. A live session takes the new role at its next
 * request (sessions read the role from app_user).
 */
export async function changeRole(
  deps: RegistryDeps,
  actor: Actor,
  userId: string,
  input: { role: string; siteId?: string | null },
): Promise<void> {
  requirePermission(actor, 'user.manage');
  const parsed = z.enum(ROLES, { message: `role must be one of ${ROLES.join(', ')}` }).safeParse(input.role);
  if (!parsed.success) throw validation('role', `must be one of ${ROLES.join(', ')}`);
  const role = parsed.data;
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const row = await userRow(trx, userId, true);
    if (isSelf(actor, row.username) && role !== row.role) {
      throw new RegistryError('INVALID_STATE', 'you cannot change your own role');
    }
    if (role === row.role) return;
    const sites = await sitesOf(trx, row.id);
    let siteId: string | null = null;
    if (SITE_ROLES.includes(role)) {
      siteId = sites[0] ?? input.siteId ?? null;
      if (!siteId) throw validation('siteId', `a ${role} must belong to a site; choose one`);
      if (sites.length === 0) {
        await requireSiteExists(trx, siteId);
        await trx.insertInto('user_site').values({ user_id: row.id, site_id: siteId }).execute();
      }
    } else {
      await trx.deleteFrom('user_site').where('user_id', '=', row.id).execute();
    }
    await trx.updateTable('app_user').set({ role, site_id: siteId }).where('id', '=', row.id).execute();
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: 'user.role_change',
      siteId,
      entity: 'app_user',
      entityId: row.id,
      before: { role: row.role, sites },
      after: { role, sites: siteId ? (sites.length ? sites : [siteId]) : [] },
    });
  });
}

const FULL_NAME = z
  .string()
  .trim()
  .max(200, 'must have at most 200 characters')
  .transform((v) => (v === '' ? null : v));

/** The admin sets a user's full name (shown with their signature); blank clears it. Stored as typed. */
export async function setFullName(
  deps: RegistryDeps,
  actor: Actor,
  userId: string,
  fullName: string,
): Promise<void> {
  requirePermission(actor, 'user.manage');
  const name = parseInput(z.object({ fullName: FULL_NAME }), { fullName }).fullName;
  const row = await userRow(deps.db, userId);
  if (name === row.full_name) return;
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('app_user').set({ full_name: name }).where('id', '=', row.id).execute();
    await appendAudit(trx, {
      at: deps.clock(),
      actor: actor.username,
      action: 'user.update',
      siteId: null,
      entity: 'app_user',
      entityId: row.id,
      before: { full_name: row.full_name },
      after: { full_name: name },
    });
  });
}
