import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from './env.js';

/** How the app reaches its users: the configured public origin (APP_ORIGIN), if any. */
export interface Origin {
  /** e.g. https://registry.example.org; links and CSRF checks use it, never the Host header. */
  appOrigin?: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether the session cookie is Secure: behind TLS (APP_ORIGIN https, or an https request), and on
 * loopback, which browsers treat as a secure context. Only then can it carry the `__Host-` prefix.
 */
export function secureContext(c: Context<AppEnv>, o: Origin): boolean {
  if (o.appOrigin) return o.appOrigin.startsWith('https:');
  const url = new URL(c.req.url);
  return url.protocol === 'https:' || LOOPBACK.has(url.hostname);
}

function cookieName(secure: boolean): string {
  return secure ? '__Host-sifreg' : 'sifreg';
}

/** The session id the browser sent, or null. */
export function readSessionCookie(c: Context<AppEnv>, o: Origin): string | null {
  return getCookie(c, cookieName(secureContext(c, o))) ?? null;
}

/** Sets the session cookie: HttpOnly, SameSite=Lax, path /, Secure and `__Host-` where possible. */
export function writeSessionCookie(c: Context<AppEnv>, o: Origin, token: string): void {
  const secure = secureContext(c, o);
  setCookie(c, cookieName(secure), token, { path: '/', httpOnly: true, sameSite: 'Lax', secure });
}

export function clearSessionCookie(c: Context<AppEnv>, o: Origin): void {
  const secure = secureContext(c, o);
  deleteCookie(c, cookieName(secure), { path: '/', secure });
}

/** The client's address for sign-in backoff: the socket's peer (no proxy header is trusted). */
export function clientIp(c: Context<AppEnv>): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // app.request() in tests has no socket.
    return 'local';
  }
}
