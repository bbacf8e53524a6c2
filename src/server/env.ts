import type { SessionUser } from '../registry/index.js';

/** What middleware puts on every request for the routes (Hono's `c.get`). */
export interface AppVariables {
  requestId: string;
  /** The CSP nonce for this response's inline script and style (hono/secure-headers). */
  secureHeadersNonce?: string;
  /** The signed-in staff member, or null. */
  user: SessionUser | null;
  /** The session's browser id (only to end or change the session; never logged). */
  sessionToken: string | null;
}

export interface AppEnv {
  Variables: AppVariables;
}
