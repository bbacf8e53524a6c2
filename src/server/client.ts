import { isIPv6 } from 'node:net';
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

/**
 * The client's address for the per-address throttles (sign-in backoff, in-clinic unlock, ePRO token
 * guesses): the socket's peer (no proxy header is trusted), an IPv6 peer by its /64 network.
 */
export function clientIp(c: Context<AppEnv>): string {
  try {
    return throttleAddress(getConnInfo(c).remote.address ?? 'unknown');
  } catch {
    // app.request() in tests has no socket.
    return 'local';
  }
}

/**
 * The address a throttle counts: IPv4 (and IPv4-mapped IPv6) as it is; IPv6 by its /64 network,
 * since one host is given a whole /64 and can send from any address in it (RFC 4291 §2.5.4,
 * RFC 8981 temporary addresses), so counting single IPv6 addresses would count nothing.
 */
export function throttleAddress(address: string): string {
  const bare = address.replace(/%.*$/, '').toLowerCase();
  if (!isIPv6(bare) || /^::ffff:\d+\.\d+\.\d+\.\d+$/.test(bare)) return address;
  const [head = '', tail] = bare.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const front = groups(head);
  // A dotted IPv4 tail is two groups; the /64 is the first four groups, so its value never matters.
  const back = groups(tail).flatMap((g) => (g.includes('.') ? ['0', '0'] : [g]));
  const all =
    tail === undefined
      ? front.flatMap((g) => (g.includes('.') ? ['0', '0'] : [g]))
      : [...front, ...Array(8 - front.length - back.length).fill('0'), ...back];
  return `${all
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
