import type { Kysely } from 'kysely';
import { RegistryError } from '../errors.js';
import type { Protocol } from '../protocol/index.js';
import type { Database } from '../store/index.js';

export const ROLES = ['admin', 'coordinator', 'investigator', 'monitor', 'statistician'] as const;
export type Role = (typeof ROLES)[number];

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

export type Permission =
  | 'site.manage'
  | 'user.manage'
  | 'subject.enrol'
  | 'response.write'
  | 'response.lock'
  | 'response.sign'
  | 'subject.withdraw'
  | 'data.read_all'
  | 'data.import';

const GRANTS: Record<Actor['role'], readonly Permission[]> = {
  admin: ['site.manage', 'user.manage'],
  coordinator: ['subject.enrol', 'response.write', 'subject.withdraw'],
  investigator: ['subject.enrol', 'response.write', 'response.lock', 'response.sign', 'subject.withdraw'],
  monitor: ['data.read_all'],
  statistician: ['data.read_all'],
  system: [
    'site.manage',
    'user.manage',
    'subject.enrol',
    'response.write',
    'response.lock',
    'response.sign',
    'subject.withdraw',
    'data.read_all',
    'data.import',
  ],
};

/** Throws FORBIDDEN unless the actor's role grants the permission. */
export function requirePermission(actor: Actor, permission: Permission): void {
  if (!GRANTS[actor.role].includes(permission)) {
    throw new RegistryError('FORBIDDEN', `role ${actor.role} may not ${permission.replace('.', ' ')}`);
  }
}

/** True when the actor works across sites (system, monitor, statistician). */
export function seesAllSites(actor: Actor): boolean {
  return GRANTS[actor.role].includes('data.read_all');
}

/**
 * Site scoping inside the use case: a site's staff reach only their own site's subjects. Another
 * site's subject is reported as not found, so its study id does not leak.
 */
export function requireSite(actor: Actor, siteId: string, studyId?: string): void {
  if (actor.role === 'system') return;
  if (actor.siteId !== siteId) {
    if (studyId !== undefined) throw new RegistryError('SUBJECT_NOT_FOUND', `subject ${studyId} not found`);
    throw new RegistryError('FORBIDDEN', 'this action is limited to your own site');
  }
}

export const SYSTEM_ACTOR: Actor = { username: 'system', role: 'system', siteId: null };
