import { type Issue, RegistryError } from '../../errors.js';
import { changeOwnPassword, sessionHash } from '../../registry/index.js';
import { passwordProblem } from '../../security/password-policy.js';
import { formIssues } from '../../web/admin/form.js';
import { PASSWORD_LABELS, PasswordPage } from '../../web/admin/password-page.js';
import type { AppDeps } from '../deps.js';
import { field, formOf, renderPage } from '../render.js';
import type { RouteTable } from '../router.js';
import { userOf } from '../router.js';

const issue = (path: string, message: string): Issue => ({
  path: [path],
  code: 'custom',
  message: `${path}: ${message}`,
});

/** The signed-in user changes their own password (every role). */
export function accountPasswordRoutes(routes: RouteTable, deps: AppDeps): void {
  routes.get('/account/password', 'signed-in', (c) =>
    renderPage(c, 'Change your password', <PasswordPage />),
  );

  routes.post('/account/password', 'signed-in', async (c) => {
    const user = userOf(c);
    const token = c.get('sessionToken');
    const form = await formOf(c);
    const input = {
      currentPassword: field(form, 'currentPassword'),
      newPassword: field(form, 'newPassword'),
    };
    const fields = Object.keys(PASSWORD_LABELS);
    try {
      if (input.newPassword !== field(form, 'confirmPassword')) {
        // Nothing changes; the new password's own problems are told at the same time.
        const issues = [issue('confirmPassword', 'does not match the new password')];
        const problem = passwordProblem(input.newPassword, { username: user.username });
        if (problem) issues.unshift(issue('newPassword', `password ${problem}`));
        throw new RegistryError('VALIDATION_FAILED', issues.map((i) => i.message).join('; '), issues);
      }
      await changeOwnPassword(
        deps.registry,
        { userId: user.userId, sessionHash: sessionHash(token ?? '') },
        input,
      );
    } catch (error) {
      if (error instanceof RegistryError && error.code === 'VALIDATION_FAILED') {
        return renderPage(
          c,
          'Change your password',
          <PasswordPage issues={formIssues(error.issues, fields)} />,
          422,
        );
      }
      throw error;
    }
    return renderPage(c, 'Password changed', <PasswordPage done />);
  });
}
