import type { Kysely } from 'kysely';
import { RegistryError } from '../errors.js';
import type { Protocol } from '../protocol/index.js';
import type { Database } from '../store/index.js';
import { inScope, type Permission, type Role, requireScope, scopeFor } from './scope.js';

export { type Permission, ROLES, type Role } from './scope.js';

/**
 * Who performs a use case. `system` is the operator running a batch verb (import, demo, restore)
 * on the server itself; it is never a login.
 */
export interface Actor {
  username: string;
  role: Role | 'system';
  siteId: string | null;
}

/** Capabilities every use case receives: the database, a clock, a random source and the protocol. */
export interface RegistryDeps {
  db: Kysely<Database>;
  clock: () => Date;
  random: () => number;
  protocol: Protocol;
}

/** Throws FORBIDDEN unless the actor's role grants the permission somewhere (scope.ts decides where). */
export function requirePermission(actor: Actor, permission: Permission): void {
  requireScope(actor, permission);
}

/**
 * Site scoping inside a use case: the subject's site must be in the actor's scope for the
 * permission. Another site's subject is reported as not found, so its study id does not leak.
 */
export function requireSite(actor: Actor, permission: Permission, siteId: string, studyId?: string): void {
  if (inScope(scopeFor(actor, permission), siteId)) return;
  if (studyId !== undefined) throw new RegistryError('SUBJECT_NOT_FOUND', `subject ${studyId} not found`);
  throw new RegistryError('FORBIDDEN', 'this action is limited to your own site');
}

export const SYSTEM_ACTOR: Actor = { username: 'system', role: 'system', siteId: null };
