import { RegistryError } from '../errors.js';

export const ROLES = ['admin', 'coordinator', 'investigator', 'monitor', 'statistician'] as const;
export type Role = (typeof ROLES)[number];

/** Who asks: a role and, for site staff, their site (`Actor` in context.ts). */
export interface ScopedActor {
  role: Role | 'system';
  siteId: string | null;
}

export type Permission =
  | 'site.manage'
  | 'user.manage'
  | 'subject.enrol'
  | 'response.write'
  | 'response.lock'
  | 'response.sign'
  | 'subject.withdraw'
  /** Subject-level data keyed by study id (forms, tidy export): pseudonymised, never identifiers. */
  | 'data.read'
  /** Subject-level data with identifiers removed and dates shifted. */
  | 'data.export_deidentified'
  /** The aggregated study report. */
  | 'report.generate'
  | 'data.import'
  /** Raise a query on an item; close and reopen it (the monitor). */
  | 'query.raise'
  | 'query.close'
  /** Answer a query: amend the item with a reason or explain why it stays (site staff). */
  | 'query.answer'
  /** Mark source data verification of a form or item. */
  | 'sdv.mark'
  /** Read the audit trail (the audit trail viewer). */
  | 'audit.read';

/** Which sites' data an actor reaches with one permission: every site, a list of sites, or none. */
export type Scope = { kind: 'all' } | { kind: 'sites'; sites: readonly string[] } | { kind: 'none' };

type Reach = 'all' | 'own site';

/**
 * The one table of who may do what, and where (DESIGN.md "Users and roles"). Anything not listed is
 * refused. Site staff reach their own site; the monitor reads every site pseudonymised (study ids,
 * never identifiers); the statistician runs the report and takes de-identified exports only; the
 * admin manages sites and users and reaches no patient data; `system` is the operator on the server.
 */
const ROLE_SCOPES: Record<ScopedActor['role'], Partial<Record<Permission, Reach>>> = {
  admin: { 'site.manage': 'all', 'user.manage': 'all', 'audit.read': 'all' },
  coordinator: {
    'subject.enrol': 'own site',
    'response.write': 'own site',
    'subject.withdraw': 'own site',
    'data.read': 'own site',
    'data.export_deidentified': 'own site',
    'query.answer': 'own site',
  },
  investigator: {
    'subject.enrol': 'own site',
    'response.write': 'own site',
    'response.lock': 'own site',
    'response.sign': 'own site',
    'subject.withdraw': 'own site',
    'data.read': 'own site',
    'data.export_deidentified': 'own site',
    'query.answer': 'own site',
  },
  monitor: {
    'data.read': 'all',
    'data.export_deidentified': 'all',
    'report.generate': 'all',
    'query.raise': 'all',
    'query.close': 'all',
    'sdv.mark': 'all',
    'audit.read': 'all',
  },
  statistician: { 'data.export_deidentified': 'all', 'report.generate': 'all' },
  system: {
    'site.manage': 'all',
    'user.manage': 'all',
    'subject.enrol': 'all',
    'response.write': 'all',
    'response.lock': 'all',
    'response.sign': 'all',
    'subject.withdraw': 'all',
    'data.read': 'all',
    'data.export_deidentified': 'all',
    'report.generate': 'all',
    'data.import': 'all',
    'query.raise': 'all',
    'query.close': 'all',
    'query.answer': 'all',
    'sdv.mark': 'all',
    'audit.read': 'all',
  },
};

const NONE: Scope = { kind: 'none' };

/**
 * The sites an actor reaches with a permission. Refuses by default: an unknown role, a permission
 * the role lacks, or site staff without a site all give `none`; a missing site never means "all".
 */
export function scopeFor(actor: ScopedActor, permission: Permission): Scope {
  const reach = Object.hasOwn(ROLE_SCOPES, actor.role) ? ROLE_SCOPES[actor.role][permission] : undefined;
  if (reach === 'all') return { kind: 'all' };
  if (reach === 'own site' && typeof actor.siteId === 'string' && actor.siteId !== '') {
    return { kind: 'sites', sites: [actor.siteId] };
  }
  return NONE;
}

/** The actor's scope for the permission; throws FORBIDDEN when it reaches no site. */
export function requireScope(actor: ScopedActor, permission: Permission): Exclude<Scope, { kind: 'none' }> {
  const scope = scopeFor(actor, permission);
  if (scope.kind === 'none') {
    throw new RegistryError('FORBIDDEN', `role ${actor.role} may not ${permission.replace(/[._]/g, ' ')}`);
  }
  return scope;
}

/** True when the scope includes the site. */
export function inScope(scope: Scope, siteId: string): boolean {
  return scope.kind === 'all' || (scope.kind === 'sites' && scope.sites.includes(siteId));
}

/** The sites of a scope as a filter: null for every site, else the list (never empty). */
export function siteFilter(scope: Exclude<Scope, { kind: 'none' }>): readonly string[] | null {
  return scope.kind === 'all' ? null : scope.sites;
}
