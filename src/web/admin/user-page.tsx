import { ROLES, type UserView } from '../../registry/index.js';
import { ErrorSummary } from '../error-summary.js';
import { type FormIssues, SelectField, summaryOf, TextField, utcTime } from './form.js';

/** Which of the user page's forms failed, with its issues, to show beside its fields. */
export interface UserFormFailure {
  form: 'name' | 'role' | 'sites' | 'password' | 'status';
  issues: FormIssues;
  values: Record<string, string>;
}

export const USER_FORM_LABELS: Record<UserFormFailure['form'], Record<string, string>> = {
  name: { fullName: 'Full name' },
  role: { role: 'Role', siteId: 'Site for the new role' },
  sites: { siteId: 'Site' },
  password: { newPassword: 'New password' },
  status: {},
};

/** One user (admin): name, role, site membership, password reset, disable or enable. */
export function UserPage(props: {
  user: UserView;
  sites: readonly { id: string; name: string }[];
  self: boolean;
  failed?: UserFormFailure;
}) {
  const { user, failed } = props;
  const base = `/admin/users/${user.id}`;
  const issuesOf = (form: UserFormFailure['form']) => (failed?.form === form ? failed.issues : undefined);
  const typed = (form: UserFormFailure['form'], name: string, fallback: string) =>
    failed?.form === form ? (failed.values[name] ?? fallback) : fallback;
  const siteRole = user.role === 'coordinator' || user.role === 'investigator';
  const siteOptions = props.sites.map((s) => ({ value: s.id, label: `${s.id} — ${s.name}` }));
  const notMember = siteOptions.filter((s) => !user.sites.includes(s.value));
  return (
    <>
      <p>
        <a href="/admin/users">All users</a>
      </p>
      <h1>User {user.username}</h1>
      {failed ? (
        <ErrorSummary entries={summaryOf(failed.issues, USER_FORM_LABELS[failed.form], failed.form)} />
      ) : null}
      <section class="panel">
        <dl>
          <dt>Role</dt>
          <dd>{user.role}</dd>
          <dt>Sites</dt>
          <dd>{user.sites.length ? user.sites.join(', ') : 'all sites, as the role allows'}</dd>
          <dt>Status</dt>
          <dd>{user.disabledAt ? `disabled since ${utcTime(user.disabledAt)}` : 'active'}</dd>
          {user.heldBackUntil ? (
            <>
              <dt>Sign-in</dt>
              <dd>
                held back after failed attempts until {utcTime(user.heldBackUntil)}; resetting the password
                lifts it
              </dd>
            </>
          ) : null}
        </dl>
      </section>

      <section class="panel">
        <h2>Name</h2>
        <form method="post" action={`${base}/name`}>
          <TextField
            prefix="name"
            name="fullName"
            label="Full name"
            issues={issuesOf('name')}
            value={typed('name', 'fullName', user.fullName ?? '')}
            hint="Shown with the user's signature; leave blank to show the username"
          />
          <button type="submit">Save name</button>
        </form>
      </section>

      <section class="panel">
        <h2>Role</h2>
        {props.self ? (
          <p>You cannot change your own role.</p>
        ) : (
          <form method="post" action={`${base}/role`}>
            <SelectField
              prefix="role"
              name="role"
              label="Role"
              issues={issuesOf('role')}
              value={typed('role', 'role', user.role)}
              options={ROLES.map((r) => ({ value: r, label: r }))}
            />
            <SelectField
              prefix="role"
              name="siteId"
              label="Site for the new role"
              issues={issuesOf('role')}
              value={typed('role', 'siteId', '')}
              hint="Needed only when a user without a site becomes a coordinator or investigator"
              options={[{ value: '', label: 'no site' }, ...siteOptions]}
            />
            <button type="submit">Change role</button>
          </form>
        )}
      </section>

      {siteRole ? (
        <section class="panel">
          <h2>Sites</h2>
          <ul>
            {user.sites.map((s) => (
              <li>
                <form method="post" action={`${base}/sites/remove`} class="inline">
                  <input type="hidden" name="siteId" value={s} />
                  {s}{' '}
                  <button type="submit" aria-label={`Remove site ${s}`}>
                    Remove
                  </button>
                </form>
              </li>
            ))}
          </ul>
          {notMember.length ? (
            <form method="post" action={`${base}/sites`}>
              <SelectField
                prefix="sites"
                name="siteId"
                label="Site"
                issues={issuesOf('sites')}
                value={typed('sites', 'siteId', '')}
                options={notMember}
              />
              <button type="submit">Add site</button>
            </form>
          ) : issuesOf('sites') ? (
            <p class="field-error">
              {Object.values(issuesOf('sites') ?? {})
                .flat()
                .join(' ')}
            </p>
          ) : null}
        </section>
      ) : null}

      <section class="panel">
        <h2>Reset password</h2>
        <p>The user's sessions end; give them the new password by a separate channel.</p>
        <form method="post" action={`${base}/password`}>
          <TextField
            prefix="password"
            name="newPassword"
            label="New password"
            type="password"
            issues={issuesOf('password')}
            autocomplete="new-password"
            required
          />
          <button type="submit">Reset password</button>
        </form>
      </section>

      <section class="panel">
        <h2>Access</h2>
        {props.self ? (
          <p>You cannot disable your own account.</p>
        ) : (
          <form method="post" action={`${base}/status`}>
            <input type="hidden" name="disabled" value={user.disabledAt ? 'no' : 'yes'} />
            <button type="submit">
              {user.disabledAt ? 'Enable user' : 'Disable user (ends their sessions)'}
            </button>
          </form>
        )}
      </section>
    </>
  );
}
