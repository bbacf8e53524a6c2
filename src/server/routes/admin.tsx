import type { Context } from 'hono';
import { RegistryError } from '../../errors.js';
import {
  addMembership,
  addUser,
  changeRole,
  createSite,
  getUser,
  listSites,
  listUsers,
  type RegistryDeps,
  removeMembership,
  resetPassword,
  setFullName,
  setUserDisabled,
} from '../../registry/index.js';
import { type FormIssues, formIssues } from '../../web/admin/form.js';
import { SITE_LABELS, SitesPage } from '../../web/admin/sites-page.js';
import { USER_FORM_LABELS, type UserFormFailure, UserPage } from '../../web/admin/user-page.js';
import { ADD_USER_LABELS, UsersPage } from '../../web/admin/users-page.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { field, formOf, renderPage } from '../render.js';
import type { RouteTable } from '../router.js';
import { userOf } from '../router.js';
import { adminSiteTextRoutes } from './admin-site-text.js';

const ADMIN = ['admin'] as const;

/** Codes that belong to one field of the form that failed, shown beside it like validation issues. */
const FIELD_CODES: Partial<Record<string, string>> = {
  USER_EXISTS: 'username',
  SITE_EXISTS: 'id',
  SITE_NOT_FOUND: 'siteId',
  INVALID_STATE: '',
};

/** The issues of a refused form, or null when the error is not about the form's input. */
function issuesOf(error: unknown, fields: readonly string[]): FormIssues | null {
  if (!(error instanceof RegistryError)) return null;
  if (error.code === 'VALIDATION_FAILED') return formIssues(error.issues, fields);
  const name = FIELD_CODES[error.code];
  if (name === undefined) return null;
  return { [fields.includes(name) ? name : '']: [error.message] };
}

const text = (form: Record<string, string | string[]>, names: readonly string[]) =>
  Object.fromEntries(names.map((n) => [n, field(form, n)]));

/** Users, roles, site membership, password reset, disable; sites (admin only; no patient data). */
export function adminRoutes(routes: RouteTable, deps: AppDeps): void {
  const registry: RegistryDeps = deps.registry;
  const actorOf = (c: Context<AppEnv>) => userOf(c).actor;

  const usersPage = async (c: Context<AppEnv>, form?: Record<string, string>, issues?: FormIssues) => {
    const actor = actorOf(c);
    const [users, sites] = await Promise.all([listUsers(registry, actor), listSites(registry, actor)]);
    const props = { users, sites, ...(form ? { form } : {}), ...(issues ? { issues } : {}) };
    return renderPage(c, 'Users', <UsersPage {...props} />, issues ? 422 : 200);
  };

  routes.get('/admin/users', ADMIN, (c) => usersPage(c));

  routes.post('/admin/users', ADMIN, async (c) => {
    const fields = Object.keys(ADD_USER_LABELS);
    const form = text(await formOf(c), fields);
    try {
      const { id } = await addUser(registry, actorOf(c), {
        username: form.username ?? '',
        fullName: form.fullName || null,
        role: form.role ?? '',
        siteId: form.siteId || null,
        password: form.password ?? '',
      } as Parameters<typeof addUser>[2]);
      return c.redirect(`/admin/users/${id}`, 303);
    } catch (error) {
      const issues = issuesOf(error, fields);
      if (!issues) throw error;
      return usersPage(c, form, issues);
    }
  });

  const userPage = async (c: Context<AppEnv>, failed?: UserFormFailure) => {
    const actor = actorOf(c);
    const user = await getUser(registry, actor, c.req.param('userId') ?? '');
    const sites = await listSites(registry, actor);
    const props = { user, sites, self: user.username === actor.username, ...(failed ? { failed } : {}) };
    return renderPage(c, `User ${user.username}`, <UserPage {...props} />, failed ? 422 : 200);
  };

  routes.get('/admin/users/:userId', ADMIN, (c) => userPage(c));

  /** One of the user page's forms: run the change, then back to the page, or the page with the issues. */
  const userForm = (
    name: UserFormFailure['form'],
    change: (c: Context<AppEnv>, userId: string, form: Record<string, string>) => Promise<unknown>,
  ) => {
    routes.post(`/admin/users/:userId/${name === 'sites' ? 'sites' : name}`, ADMIN, async (c) => {
      const fields = Object.keys(USER_FORM_LABELS[name]);
      const userId = c.req.param('userId') ?? '';
      const raw = await formOf(c);
      const form = text(raw, [...fields, 'disabled']);
      // Not found first: another form's failure must not hint at a user that does not exist.
      await getUser(registry, actorOf(c), userId);
      try {
        await change(c, userId, form);
      } catch (error) {
        const issues = issuesOf(error, fields);
        if (!issues) throw error;
        return userPage(c, { form: name, issues, values: form });
      }
      return c.redirect(`/admin/users/${userId}`, 303);
    });
  };

  userForm('name', (c, id, f) => setFullName(registry, actorOf(c), id, f.fullName ?? ''));
  userForm('role', (c, id, f) =>
    changeRole(registry, actorOf(c), id, { role: f.role ?? '', siteId: f.siteId || null }),
  );
  userForm('sites', (c, id, f) => addMembership(registry, actorOf(c), id, f.siteId ?? ''));
  userForm('password', (c, id, f) =>
    resetPassword(registry, actorOf(c), id, { newPassword: f.newPassword ?? '' }),
  );
  userForm('status', (c, id, f) => setUserDisabled(registry, actorOf(c), id, f.disabled === 'yes'));

  routes.post('/admin/users/:userId/sites/remove', ADMIN, async (c) => {
    const userId = c.req.param('userId') ?? '';
    const form = text(await formOf(c), ['siteId']);
    await getUser(registry, actorOf(c), userId);
    try {
      await removeMembership(registry, actorOf(c), userId, form.siteId ?? '');
    } catch (error) {
      const issues = issuesOf(error, ['siteId']);
      if (!issues) throw error;
      // The removal form has no field of its own: its message goes with the sites panel.
      return userPage(c, { form: 'sites', issues: { '': Object.values(issues).flat() }, values: form });
    }
    return c.redirect(`/admin/users/${userId}`, 303);
  });

  const sitesPage = async (c: Context<AppEnv>, form?: Record<string, string>, issues?: FormIssues) => {
    const sites = await listSites(registry, actorOf(c));
    const props = { sites, ...(form ? { form } : {}), ...(issues ? { issues } : {}) };
    return renderPage(c, 'Sites', <SitesPage {...props} />, issues ? 422 : 200);
  };

  routes.get('/admin/sites', ADMIN, (c) => sitesPage(c));

  routes.post('/admin/sites', ADMIN, async (c) => {
    const fields = Object.keys(SITE_LABELS);
    const form = text(await formOf(c), fields);
    try {
      await createSite(registry, actorOf(c), { id: form.id ?? '', name: form.name ?? '' });
    } catch (error) {
      const issues = issuesOf(error, fields);
      if (!issues) throw error;
      return sitesPage(c, form, issues);
    }
    return c.redirect('/admin/sites', 303);
  });

  // A site's patient-page language and installed texts (admin-site-text.tsx).
  adminSiteTextRoutes(routes, deps);
}
