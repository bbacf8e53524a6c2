import type { MiddlewareHandler } from 'hono';
import { sessionLocked, startInClinic, unlockSession } from '../../registry/in-clinic.js';
import { clientIp } from '../client.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { errorPage, field, formOf, renderPage } from '../render.js';
import { homeFor, type RouteTable, userOf } from '../router.js';

const SITE_STAFF = ['coordinator', 'investigator'] as const;

/** Paths a locked session's device may still reach: the patient pages, static files, health, unlock. */
const OPEN_WHILE_LOCKED = /^\/(p\/|p$|static\/|health$|unlock$)/;

/**
 * While a patient answers ePRO in the clinic the staff session is locked: every staff page sends the
 * browser to /unlock (GET) or is refused (POST) until the staff member types their password again.
 */
export function inClinicGuard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // The session's lock is read with the session itself (loadSession): no query of its own here.
    if (!c.get('user')?.locked || OPEN_WHILE_LOCKED.test(c.req.path)) return next();
    if (c.req.method === 'GET') return c.redirect('/unlock', 303);
    return errorPage(
      c,
      403,
      'The staff session is locked while a patient answers; unlock it with your password.',
    );
  };
}

function UnlockPage(props: { error?: string }) {
  return (
    <section class="panel narrow">
      <h1>Staff session locked</h1>
      <p>A patient is answering ePRO on this device. Staff pages open again with your password.</p>
      {props.error ? (
        <p class="error" role="alert" id="unlock-error">
          {props.error}
        </p>
      ) : null}
      <form method="post" action="/unlock">
        <label for="unlock-password">Your password</label>
        <input
          id="unlock-password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          aria-describedby={props.error ? 'unlock-error' : undefined}
        />
        <button type="submit">Unlock</button>
      </form>
    </section>
  );
}

/** In-clinic ePRO: start it for a visit of a subject, and unlock the staff session afterwards. */
export function inClinicRoutes(routes: RouteTable, deps: AppDeps): void {
  routes.post('/subjects/:studyId/epro/in-clinic', SITE_STAFF, async (c) => {
    const studyId = c.req.param('studyId') ?? '';
    const visit = field(await formOf(c), 'visit');
    const token = c.get('sessionToken') ?? '';
    const started = await startInClinic(deps.registry, token, userOf(c), { studyId, visit });
    return c.redirect(`/p/${started.token}`, 303);
  });

  routes.get('/unlock', 'signed-in', async (c) => {
    const token = c.get('sessionToken') ?? '';
    if (!(await sessionLocked(deps.registry, token))) return c.redirect(homeFor(userOf(c).role), 303);
    // The patient holds the device: the header shows no staff name, site or navigation.
    c.set('user', null);
    return renderPage(c, 'Staff session locked', <UnlockPage />);
  });

  routes.post('/unlock', 'signed-in', async (c) => {
    const token = c.get('sessionToken') ?? '';
    const user = userOf(c);
    if (!(await sessionLocked(deps.registry, token))) return c.redirect(homeFor(user.role), 303);
    const password = field(await formOf(c), 'password');
    const result = await unlockSession(deps.registry, token, user, { password, ip: clientIp(c) });
    if (result === 'ok') return c.redirect(homeFor(user.role), 303);
    const message =
      result === 'throttled'
        ? 'Password: too many wrong tries; wait a few minutes, or the account is locked for now.'
        : 'Password: not right. Type the password you signed in with.';
    c.set('user', null);
    return renderPage(
      c,
      'Staff session locked',
      <UnlockPage error={message} />,
      result === 'throttled' ? 429 : 401,
    );
  });
}
