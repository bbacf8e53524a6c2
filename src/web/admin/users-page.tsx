import { ROLES, type UserView } from '../../registry/index.js';
import { ErrorSummary } from '../error-summary.js';
import { type FormIssues, SelectField, summaryOf, TextField, utcTime } from './form.js';

export const ADD_USER_LABELS: Record<string, string> = {
  username: 'Username',
  fullName: 'Full name',
  role: 'Role',
  siteId: 'Site',
  password: 'Password',
};

const ROLE_OPTIONS = ROLES.map((r) => ({ value: r, label: r }));

/** Every user with role, sites and status, and the form that adds one (admin; no patient data). */
export function UsersPage(props: {
  users: readonly UserView[];
  sites: readonly { id: string; name: string }[];
  form?: Record<string, string>;
  issues?: FormIssues;
}) {
  const form = props.form ?? {};
  const p = 'add';
  return (
    <>
      <h1>Users</h1>
      <ErrorSummary entries={summaryOf(props.issues, ADD_USER_LABELS, p)} />
      <section class="panel">
        <h2>All users</h2>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Sites</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {props.users.map((u) => (
                <tr>
                  <td>
                    <a href={`/admin/users/${u.id}`}>{u.username}</a>
                  </td>
                  <td>{u.fullName ?? '—'}</td>
                  <td>{u.role}</td>
                  <td>{u.sites.length ? u.sites.join(', ') : 'all sites'}</td>
                  <td>
                    {u.disabledAt ? 'disabled' : 'active'}
                    {u.heldBackUntil ? `; sign-in held back until ${utcTime(u.heldBackUntil)}` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section class="panel">
        <h2>Add a user</h2>
        <form method="post" action="/admin/users">
          {props.issues?.[''] ? <p class="field-error">{props.issues[''].join(' ')}</p> : null}
          <TextField
            prefix={p}
            name="username"
            label="Username"
            issues={props.issues}
            value={form.username ?? ''}
            hint="3–64 lower-case letters, digits, dot, dash or underscore"
            autocomplete="off"
            required
          />
          <TextField
            prefix={p}
            name="fullName"
            label="Full name"
            issues={props.issues}
            value={form.fullName ?? ''}
            hint="Shown with the user's signature"
          />
          <SelectField
            prefix={p}
            name="role"
            label="Role"
            issues={props.issues}
            value={form.role ?? 'coordinator'}
            options={ROLE_OPTIONS}
          />
          <SelectField
            prefix={p}
            name="siteId"
            label="Site"
            issues={props.issues}
            value={form.siteId ?? ''}
            hint="Coordinators and investigators need a site; the other roles have none"
            options={[
              { value: '', label: 'no site' },
              ...props.sites.map((s) => ({ value: s.id, label: `${s.id} — ${s.name}` })),
            ]}
          />
          <TextField
            prefix={p}
            name="password"
            label="Password"
            type="password"
            issues={props.issues}
            hint="At least 12 characters; a phrase of unrelated words is best"
            autocomplete="new-password"
            required
          />
          <button type="submit">Add user</button>
        </form>
      </section>
    </>
  );
}
