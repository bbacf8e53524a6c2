import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export { isConnectionLost } from './connection-lost.js';

const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const INT8_ARRAY = 1016;
const NUMERIC_ARRAY = 1231;
const DATE_ARRAY = 1182;
const TEXT_ARRAY = 1009;

function toNumber(text: string): number {
  const n = Number(text);
  // Ids and counts stay far below 2^53; a value beyond would be silently wrong, so say so.
  if (Number.isInteger(n) && !Number.isSafeInteger(n) && /^-?\d+$/.test(text)) {
    throw new RangeError(`integer ${text} does not fit a JavaScript number`);
  }
  return n;
}

const parseTextArray = pg.types.getTypeParser(TEXT_ARRAY as never, 'text') as (
  text: string,
) => (string | null)[];
const mapArray =
  <T>(f: (s: string) => T) =>
  (text: string): (T | null)[] =>
    parseTextArray(text).map((v) => (v === null ? null : f(v)));
const identity = (s: string): string => s;

const OVERRIDES: Record<number, (text: string) => unknown> = {
  [INT8]: toNumber,
  [NUMERIC]: toNumber,
  // A calendar date is not an instant: keep 'YYYY-MM-DD', never a JS Date in local time.
  [DATE]: identity,
  [INT8_ARRAY]: mapArray(toNumber),
  [NUMERIC_ARRAY]: mapArray(toNumber),
  [DATE_ARRAY]: mapArray(identity),
};

/** Type parsers of the registry's pools, set per pool so other pg users in the process are untouched. */
export const REGISTRY_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    const override = format === 'binary' ? undefined : OVERRIDES[oid];
    return override ?? pg.types.getTypeParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PoolOptions {
  max?: number;
  log?: (line: string) => void;
}

/** A pg pool with the registry's type parsers; idle-connection errors are logged, not thrown. */
export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 20,
    types: REGISTRY_TYPES,
    application_name: 'sifreg',
    // Also bounds the wait for a free pooled connection under load.
    connectionTimeoutMillis: 30_000,
  });
  // Without a listener an idle client's error (server restarted, owner stopped it) kills the process.
  pool.on('error', (error) => options.log?.(`database connection lost: ${redactSecrets(error.message)}`));
  // A client in use loses its pool's listener; its query rejects with the error, and this listener
  // keeps the same error from also crashing the process as an unhandled 'error' event.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** A Kysely instance on a new pool against `url`. */
export function createKysely(url: string, options: PoolOptions = {}): Kysely<Database> {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPool(url, options) }) });
}

/** A Kysely instance whose pool can be moved to another server (an embedded server restarted on a new port). */
export interface MovableKysely {
  db: Kysely<Database>;
  /** New connections go to `url`; the old pool closes once its connections are released. */
  moveTo(url: string): void;
}

export function createMovableKysely(url: string, options: PoolOptions = {}): MovableKysely {
  let pool = createPool(url, options);
  // Kysely asks its pool only for connect() and end(): forward both to the current pool.
  const movable = {
    connect: () => pool.connect(),
    end: () => pool.end(),
  };
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool: movable }) }),
    moveTo(next) {
      const old = pool;
      pool = createPool(next, options);
      void old.end().catch(() => {});
    },
  };
}

/** The URL with its password replaced by `***`, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of ['password', 'sslpassword'])
      if (u.searchParams.has(key)) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    return '(unparsable database URL)';
  }
}

/** Removes anything that looks like a password in a URL inside a message. */
export function redactSecrets(message: string): string {
  return message
    .replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@')
    .replace(/(password=)[^&\s)'",;]*/gi, '$1***');
}

/** Opens one connection and runs `select 1`; resolves false (never throws) when the server does not answer. */
export async function serverAnswers(url: string, timeoutMs = 2_000): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
