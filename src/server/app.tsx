import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { NONCE, secureHeaders } from 'hono/secure-headers';
import { RegistryError } from '../errors.js';
import { loadSession } from '../registry/index.js';
import { isConnectionLost } from '../store/index.js';
import { APP_CSS } from '../web/static/app-css.js';
import { APP_JS } from '../web/static/app-js.js';
import { clearSessionCookie, readSessionCookie } from './client.js';
import type { AppDeps } from './deps.js';
import type { AppEnv } from './env.js';
import { errorPage } from './render.js';
import { RouteTable } from './router.js';
import { accountPasswordRoutes } from './routes/account.js';
import { adminRoutes } from './routes/admin.js';
import { accountRoutes, authRoutes } from './routes/auth.js';
import { eproRoutes } from './routes/epro.js';
import { eproContactRoutes } from './routes/epro-contact.js';
import { eproOutboxRoutes } from './routes/epro-outbox.js';
import { eproStaffRoutes } from './routes/epro-staff.js';
import { formRoutes } from './routes/forms.js';
import { inClinicGuard, inClinicRoutes } from './routes/in-clinic.js';
import { reportRoutes } from './routes/reports.js';
import { subjectRoutes } from './routes/subjects.js';
import { viewRoutes } from './routes/views.js';
import { workflowRoutes } from './routes/workflow.js';

export type { AppDeps, DatabaseState } from './deps.js';

/** Seconds a client should wait before trying again while the database is down. */
export const RETRY_AFTER_SECONDS = 2;

const NOT_FOUND_MESSAGE = 'There is no such page, or it is not yours to see.';

/** Largest request body accepted (a form with many repeating rows stays far below it). */
const MAX_BODY_BYTES = 1_000_000;

const unavailable = () =>
  new Response(
    JSON.stringify({
      error: { code: 'DATABASE_UNAVAILABLE', message: 'the database is restarting; try again shortly' },
    }),
    {
      status: 503,
      headers: {
        'content-type': 'application/json',
        'retry-after': String(RETRY_AFTER_SECONDS),
        'cache-control': 'no-store',
      },
    },
  );

/** The app and the table of its routes' access rules (for the route-rule test). */
export interface BuiltApp {
  app: Hono<AppEnv>;
  rules: RouteTable['rules'];
}

/** Builds the HTTP app without listening; the `serve` verb listens. */
export function buildApp(deps: AppDeps): Hono<AppEnv> {
  return buildAppWithRules(deps).app;
}

export function buildAppWithRules(deps: AppDeps): BuiltApp {
  const app = new Hono<AppEnv>();
  const tls = deps.appOrigin?.startsWith('https:') ?? false;

  app.use(requestId());
  // While the database is down every answer, /health included, is 503 with Retry-After.
  app.use(async (_c, next) => {
    if (deps.database && !deps.database.available()) return unavailable();
    return next();
  });
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: [NONCE],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
      strictTransportSecurity: tls ? 'max-age=31536000; includeSubDomains' : false,
      referrerPolicy: 'no-referrer',
      xFrameOptions: 'DENY',
      crossOriginEmbedderPolicy: false,
    }),
  );
  // Pages carry patient data: nothing is cached, except the static assets below.
  app.use(async (c, next) => {
    await next();
    if (!c.req.path.startsWith('/static/')) c.header('cache-control', 'no-store');
  });
  // A NUL in the path names nothing here, and PostgreSQL cannot take it as text: a 404 before any
  // route hands it to a query (it was a 500 on every /subjects/:studyId page).
  app.use(async (c, next) => {
    if (/%00/.test(new URL(c.req.url).pathname)) return errorPage(c, 404, NOT_FOUND_MESSAGE);
    return next();
  });
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        errorPage(c, 413, 'The form is too large (over 1 MB): shorten the text and send it again.'),
    }),
  );
  // CSRF: a state-changing request must come from this app's own origin (APP_ORIGIN when set), on
  // top of the SameSite=Lax cookie.
  app.use(
    csrf({
      origin: (origin, c) => origin === (deps.appOrigin ?? new URL(c.req.url).origin),
    }),
  );
  app.use(async (c, next) => {
    const token = readSessionCookie(c, deps);
    const user = token ? await loadSession(deps.registry, token) : null;
    c.set('sessionToken', user ? token : null);
    c.set('user', user);
    if (token && !user) clearSessionCookie(c, deps);
    return next();
  });
  app.use(inClinicGuard());

  const routes = new RouteTable(app);
  routes.get('/health', 'public', async (c) => {
    await deps.registry.db.selectFrom('site').select('id').limit(1).execute();
    return c.json({
      status: 'ok',
      protocol: deps.registry.protocol.id,
      version: deps.registry.protocol.version,
    });
  });
  routes.get('/static/app.css', 'public', (c) =>
    c.body(APP_CSS, 200, {
      'content-type': 'text/css; charset=utf-8',
      'cache-control': 'public, max-age=300',
    }),
  );
  routes.get('/static/app.js', 'public', (c) =>
    c.body(APP_JS, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=300',
    }),
  );
  authRoutes(routes, deps);
  eproRoutes(routes, deps);
  eproStaffRoutes(routes, deps);
  inClinicRoutes(routes, deps);
  accountRoutes(routes);
  accountPasswordRoutes(routes, deps);
  adminRoutes(routes, deps);
  eproOutboxRoutes(routes, deps);
  eproContactRoutes(routes, deps);
  formRoutes(routes, deps);
  subjectRoutes(routes, deps);
  reportRoutes(routes, deps);
  viewRoutes(routes, deps);
  workflowRoutes(routes, deps);

  app.notFound((c) => errorPage(c, 404, NOT_FOUND_MESSAGE));

  app.onError((error, c) => {
    if (isConnectionLost(error)) {
      deps.database?.lost();
      deps.log(`${c.req.method} ${c.req.routePath}: the database connection was lost`);
      return unavailable();
    }
    if (error instanceof HTTPException && error.status < 500) {
      // hono/csrf refuses a cross-origin form with 403.
      const message =
        error.status === 403
          ? 'The form was refused because it did not come from this registry. Reload the page and try again.'
          : 'The request was not understood.';
      return errorPage(c, error.status === 403 ? 403 : 400, message);
    }
    if (error instanceof RegistryError) {
      if (c.req.path === '/health' || c.req.header('accept')?.includes('application/json')) {
        return c.json(
          { error: { code: error.code, message: error.message, issues: error.issues } },
          error.status as 400,
        );
      }
      return errorPage(c, error.status as 400, error.message);
    }
    // 5xx never echo the internal message; the log has it with the request id and the route
    // pattern (never the path, which may carry a study id).
    const id = c.get('requestId') ?? crypto.randomUUID();
    deps.log(`request ${id} ${c.req.method} ${c.req.routePath} failed: ${(error as Error).stack ?? error}`);
    if (c.req.path === '/health') {
      return c.json({ error: { code: 'INTERNAL', message: 'internal error', request_id: id } }, 500);
    }
    return errorPage(
      c,
      500,
      'The request could not be completed. If you were saving, check the record before you try again.',
      id,
    );
  });

  return { app, rules: routes.rules };
}
