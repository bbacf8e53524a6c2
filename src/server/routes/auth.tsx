import { signIn, signOut, switchSite } from '../../registry/index.js';
import { HomePage } from '../../web/home-page.js';
import { LoginPage } from '../../web/login-page.js';
import { clearSessionCookie, clientIp, writeSessionCookie } from '../client.js';
import type { AppDeps } from '../deps.js';
import { errorPage, field, formOf, renderPage } from '../render.js';
import { homeFor, type RouteTable, userOf } from '../router.js';

/** A `next` target only within this app (a path, never `//host` or a full URL). */
function safeNext(next: string): string | null {
  // Printable ASCII only: a control character (NUL, CR) cannot be put in a Location header.
  return /^\/(?![/\\])[!-~]*$/.test(next) ? next : null;
}

/** Sign-in, sign-out, the start page and switching the active site. */
export function authRoutes(routes: RouteTable, deps: AppDeps): void {
  routes.get('/', 'public', (c) => {
    const user = c.get('user');
    if (user) return c.redirect(homeFor(user.role), 303);
    return renderPage(c, 'Welcome', <HomePage protocol={deps.registry.protocol} />);
  });

  routes.get('/login', 'public', (c) => {
    const user = c.get('user');
    if (user) return c.redirect(homeFor(user.role), 303);
    return renderPage(c, 'Sign in', <LoginPage next={safeNext(c.req.query('next') ?? '') ?? ''} />);
  });

  routes.post('/login', 'public', async (c) => {
    const form = await formOf(c);
    const username = field(form, 'username');
    const next = safeNext(field(form, 'next'));
    const result = await signIn(deps.registry, {
      username,
      password: field(form, 'password'),
      ip: clientIp(c),
    });
    if (result.kind !== 'ok') {
      const status = result.kind === 'throttled' ? 429 : 401;
      return renderPage(
        c,
        'Sign in',
        <LoginPage next={next ?? ''} username={username} error={result.message} />,
        status,
      );
    }
    writeSessionCookie(c, deps, result.token);
    return c.redirect(next ?? homeFor(result.user.role), 303);
  });

  routes.post('/logout', 'signed-in', async (c) => {
    const token = c.get('sessionToken');
    if (token) await signOut(deps.registry, token, userOf(c));
    clearSessionCookie(c, deps);
    return c.redirect('/login', 303);
  });

  routes.post('/session/site', 'signed-in', async (c) => {
    const form = await formOf(c);
    const user = userOf(c);
    const token = c.get('sessionToken');
    if (!token || !(await switchSite(deps.registry, token, user, field(form, 'site')))) {
      return errorPage(c, 404, 'That site was not found among yours.');
    }
    // Back to the page the switch was made on (the layout sends its path; no Referer is sent).
    return c.redirect(safeNext(field(form, 'back')) ?? homeFor(user.role), 303);
  });
}

/** The signed-in user's own account: who they are, their sites, and where to change the password. */
export function accountRoutes(routes: RouteTable): void {
  routes.get('/account', 'signed-in', (c) => {
    const user = userOf(c);
    return renderPage(
      c,
      'Your account',
      <section class="panel">
        <h1>Your account</h1>
        <dl>
          <dt>Username</dt>
          <dd>{user.username}</dd>
          <dt>Name</dt>
          <dd>{user.fullName ?? '—'}</dd>
          <dt>Role</dt>
          <dd>{user.role}</dd>
          <dt>Sites</dt>
          <dd>{user.sites.length > 0 ? user.sites.join(', ') : 'all sites, as your role allows'}</dd>
        </dl>
        <p>
          <a href="/account/password">Change your password</a>
        </p>
      </section>,
    );
  });
}
