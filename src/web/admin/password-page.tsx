import { ErrorSummary } from '../error-summary.js';
import { type FormIssues, summaryOf, TextField } from './form.js';

export const PASSWORD_LABELS: Record<string, string> = {
  currentPassword: 'Current password',
  newPassword: 'New password',
  confirmPassword: 'New password again',
};

/** The signed-in user's own password change (any role). */
export function PasswordPage(props: { issues?: FormIssues; done?: boolean }) {
  if (props.done) {
    return (
      <section class="panel">
        <h1>Password changed</h1>
        <p>Your password has been changed. Your other sessions have ended; this one goes on.</p>
        <p>
          <a href="/account">Back to your account</a>
        </p>
      </section>
    );
  }
  return (
    <>
      <h1>Change your password</h1>
      <ErrorSummary entries={summaryOf(props.issues, PASSWORD_LABELS, 'pw')} />
      <section class="panel">
        <form method="post" action="/account/password">
          <TextField
            prefix="pw"
            name="currentPassword"
            label="Current password"
            type="password"
            issues={props.issues}
            autocomplete="current-password"
            required
          />
          <TextField
            prefix="pw"
            name="newPassword"
            label="New password"
            type="password"
            issues={props.issues}
            hint="At least 12 characters; a phrase of unrelated words is best"
            autocomplete="new-password"
            required
          />
          <TextField
            prefix="pw"
            name="confirmPassword"
            label="New password again"
            type="password"
            issues={props.issues}
            autocomplete="new-password"
            required
          />
          <button type="submit">Change password</button>
        </form>
      </section>
    </>
  );
}
