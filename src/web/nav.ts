import type { Role } from '../registry/index.js';

/** The main navigation: each entry and the roles that see it (the routes enforce the same rules). */
export const NAV: readonly { href: string; label: string; roles: readonly Role[] }[] = [
  { href: '/dashboard', label: 'Dashboard', roles: ['coordinator', 'investigator', 'monitor'] },
  { href: '/subjects', label: 'Participants', roles: ['coordinator', 'investigator', 'monitor'] },
  { href: '/worklists', label: 'Worklists', roles: ['coordinator', 'investigator', 'monitor'] },
  { href: '/queries', label: 'Queries', roles: ['coordinator', 'investigator', 'monitor'] },
  { href: '/reports', label: 'Reports', roles: ['coordinator', 'investigator', 'monitor', 'statistician'] },
  { href: '/audit', label: 'Audit trail', roles: ['admin', 'monitor'] },
  { href: '/admin/users', label: 'Users', roles: ['admin'] },
  { href: '/admin/sites', label: 'Sites', roles: ['admin'] },
];
