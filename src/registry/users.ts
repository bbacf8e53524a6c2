import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';
import { RegistryError } from '../errors.js';
import { passwordProblem } from '../security/password-policy.js';
import { appendAudit } from '../store/index.js';
import { type Actor, type RegistryDeps, ROLES, type Role, requirePermission } from './context.js';
import { parseInput } from './parse-input.js';

// OWASP password storage guidance: argon2id, m=19 MiB, t=2, p=1.
// algorithm 2 is Algorithm.Argon2id (a const enum, which verbatimModuleSyntax cannot import).
const ARGON2 = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

const SITE_ROLES: readonly Role[] = ['coordinator', 'investigator'];

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
    if (siteId) {
      const site = await trx.selectFrom('site').select('id').where('id', '=', siteId).executeTakeFirst();
      if (!site) throw new RegistryError('SITE_NOT_FOUND', `site ${siteId} does not exist`);
    }
    const existing = await trx
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', user.username)
      .executeTakeFirst();
    if (existing) throw new RegistryError('USER_EXISTS', `user ${user.username} already exists`);
    const row = await trx
      .insertInto('app_user')
      .values({ username: user.username, password_hash: passwordHash, role: user.role, site_id: siteId })
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
      after: { username: user.username, role: user.role, site_id: siteId },
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
