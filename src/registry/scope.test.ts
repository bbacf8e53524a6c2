import { describe, expect, test } from 'vitest';
import { type Permission, ROLES, type ScopedActor, scopeFor } from './scope.js';

const site = (role: ScopedActor['role'], siteId: string | null = null): ScopedActor => ({ role, siteId });
const PATIENT_DATA: Permission[] = ['data.read', 'data.export_deidentified', 'report.generate'];

describe('scopeFor: who reaches which sites', () => {
  test.each([
    // role, site, data.read, data.export_deidentified, report.generate
    ['admin', null, 'none', 'none', 'none'],
    ['admin', 'VCU', 'none', 'none', 'none'],
    ['coordinator', 'VCU', 'VCU', 'VCU', 'none'],
    ['investigator', 'VCU', 'VCU', 'VCU', 'none'],
    ['coordinator', null, 'none', 'none', 'none'],
    ['investigator', '', 'none', 'none', 'none'],
    ['monitor', null, 'all', 'all', 'all'],
    ['statistician', null, 'none', 'all', 'all'],
    ['system', null, 'all', 'all', 'all'],
  ] as const)('%s at %s: read %s, de-identified export %s, report %s', (role, siteId, ...expected) => {
    const shown = PATIENT_DATA.map((p) => {
      const s = scopeFor(site(role, siteId), p);
      return s.kind === 'sites' ? s.sites.join('+') : s.kind;
    });
    expect(shown).toEqual(expected);
  });

  test('only site staff write forms, and only at their own site', () => {
    for (const role of ROLES) {
      const s = scopeFor(site(role, 'VCU'), 'response.write');
      expect(s).toEqual(
        role === 'coordinator' || role === 'investigator'
          ? { kind: 'sites', sites: ['VCU'] }
          : { kind: 'none' },
      );
    }
  });

  test.each([
    // permission: the roles that reach it, and where
    ['query.raise', { monitor: 'all', system: 'all' }],
    ['query.close', { monitor: 'all', system: 'all' }],
    ['sdv.mark', { monitor: 'all', system: 'all' }],
    ['query.answer', { coordinator: 'VCU', investigator: 'VCU', system: 'all' }],
    ['response.sign', { investigator: 'VCU', system: 'all' }],
    ['response.lock', { investigator: 'VCU', system: 'all' }],
    ['audit.read', { admin: 'all', monitor: 'all', system: 'all' }],
  ] as const)('the clinical workflow: %s', (permission, expected) => {
    const shown = Object.fromEntries(
      [...ROLES, 'system' as const]
        .map((role) => {
          const s = scopeFor(
            site(role, role === 'coordinator' || role === 'investigator' ? 'VCU' : null),
            permission,
          );
          return [role, s.kind === 'sites' ? s.sites.join('+') : s.kind] as const;
        })
        .filter(([, reach]) => reach !== 'none'),
    );
    expect(shown).toEqual(expected);
  });

  test('an unknown role or permission is refused, never widened', () => {
    expect(scopeFor({ role: 'superuser' as never, siteId: null }, 'data.read')).toEqual({ kind: 'none' });
    expect(scopeFor(site('monitor'), 'data.write' as never)).toEqual({ kind: 'none' });
    expect(scopeFor({ role: 'toString' as never, siteId: null }, 'data.read')).toEqual({ kind: 'none' });
  });
});
