import { ErrorSummary } from './error-summary.js';

/** The sign-in form: one message for every refusal, focus on it when present. */
export function LoginPage(props: { next: string; username?: string; error?: string }) {
  return (
    <section class="panel login">
      <h1>Sign in</h1>
      {props.error ? (
        <ErrorSummary title="Not signed in" entries={[{ href: null, text: props.error }]} />
      ) : null}
      <form method="post" action="/login">
        <input type="hidden" name="next" value={props.next} />
        <div class="field">
          <label for="username">Username</label>
          <input
            type="text"
            id="username"
            name="username"
            autocomplete="username"
            autocapitalize="none"
            spellcheck={false}
            required
            value={props.username ?? ''}
          />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input type="password" id="password" name="password" autocomplete="current-password" required />
        </div>
        <button type="submit">Sign in</button>
      </form>
    </section>
  );
}
