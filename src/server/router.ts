import type { Context, Handler, Hono, MiddlewareHandler } from 'hono';
import type { Role } from '../registry/index.js';
import type { AppEnv } from './env.js';
import { errorPage } from './render.js';

/**
 * Who may use a route: anyone (`public`), any signed-in user, or the listed roles. Every route is
 * added through `RouteTable`, which records its rule; a test fails when the app answers a route that
 * has none (src/server/routes.int.test.ts).
 */
export type Allow = 'public' | 'signed-in' | readonly Role[];

export interface RouteRule {
  method: 'GET' | 'POST';
  path: string;
  allow: Allow;
}

/** Where each role lands after sign-in. */
export function homeFor(role: Role): string {
  switch (role) {
    case 'admin':
      return '/admin/users';
    case 'statistician':
      return '/reports';
    default:
      return '/dashboard';
  }
}

/** Refuses before the handler: no session → sign-in (GET) or 401; a role not listed → 403. */
function guard(allow: Allow): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (allow === 'public') return next();
    const user = c.get('user');
    if (!user) {
      if (c.req.method === 'GET') {
        const url = new URL(c.req.url);
        return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
      }
      return errorPage(c, 401, 'Your session has ended. Sign in again; nothing was saved.');
    }
    if (allow !== 'signed-in' && !allow.includes(user.role)) {
      return errorPage(c, 403, 'Your role does not give access to this page.');
    }
    return next();
  };
}

/** Adds routes to the app with their access rule, and keeps the table of rules. */
export class RouteTable {
  readonly rules: RouteRule[] = [];

  constructor(private readonly app: Hono<AppEnv>) {}

  get(path: string, allow: Allow, handler: Handler<AppEnv>): this {
    return this.add('GET', path, allow, handler);
  }

  post(path: string, allow: Allow, handler: Handler<AppEnv>): this {
    return this.add('POST', path, allow, handler);
  }

  private add(method: RouteRule['method'], path: string, allow: Allow, handler: Handler<AppEnv>): this {
    this.rules.push({ method, path, allow });
    this.app.on(method, path, guard(allow), handler);
    return this;
  }
}

/** The signed-in user of a guarded route (the guard has already refused requests without one). */
export function userOf(c: Context<AppEnv>) {
  const user = c.get('user');
  if (!user) throw new Error('userOf called on a route without a session guard');
  return user;
}
