// Deliberately free of imports: the CLI's entry point uses it and stays fast to load.

// SQLSTATE classes and codes of a lost server: 08 connection exception, 57P01–57P03 shutdown.
const LOST_SQLSTATE = /^(08|57P0[123])/;
const LOST_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);
const LOST_MESSAGE =
  /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect/i;

/** True when the error means the database server went away or cannot be reached (not a bad query). */
export function isConnectionLost(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (LOST_SQLSTATE.test(code) || LOST_ERRNO.has(code))) return true;
  return LOST_MESSAGE.test(error.message);
}
