import { mkdir, readFile, realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { RegistryError } from '../errors.js';
import {
  type LockInfo,
  lockIsStale,
  newLock,
  readLock,
  removeLockIfOurs,
  withElection,
  writeLock,
} from './data-dir-lock.js';
import {
  type DataDirLayout,
  dataDirLayout,
  EMBEDDED_DATABASE,
  EMBEDDED_USER,
  ensureCluster,
  startCluster,
  stopCluster,
  stopOrphanedServer,
} from './embedded-cluster.js';
import { migrateToLatest } from './migrate.js';
import { createKysely, redactSecrets, redactUrl } from './pg-connection.js';
import { serverUser } from './postgres-binaries.js';
import { type RunAs, sleep } from './process-util.js';
import type { Database } from './schema.js';

/*
 * The embedded data directory (default ./sifreg-data):
 *   pg/            the PostgreSQL cluster (initdb: UTF8, locale C, data checksums; fsync on), owned
 *                  by the OS user `postgres` when sifreg runs as root, since PostgreSQL will not
 *   db-password    the cluster superuser's generated password, mode 0600 (auth is scram-sha-256,
 *                  also on loopback: another local account cannot connect without this file)
 *   sifreg.lock    {pid, port, started_at, state, boot_id} of the owning process, replaced atomically
 * The server listens on 127.0.0.1 only (no Unix socket), on a port chosen free at each start.
 */

export interface OpenDatabaseOptions {
  /** Embedded data directory; default `./sifreg-data`. Ignored when `databaseUrl` is set. */
  dataDir?: string;
  /** An external PostgreSQL (the CLI passes `process.env.DATABASE_URL`). */
  databaseUrl?: string;
  log?: (line: string) => void;
  /** Run pending migrations on open; default true. */
  migrate?: boolean;
  /** How long to wait for another process that is still starting the embedded server; default 60 s. */
  waitMs?: number;
  /** Pool size; default 20. */
  maxConnections?: number;
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  /** Connection URL, password included: pass it on, never log it (log `safeUrl`). */
  url: string;
  /** The URL with the password masked. */
  safeUrl: string;
  embedded: boolean;
  /** True when this process started the embedded server and stops it on close. */
  owner: boolean;
  close(): Promise<void>;
}

/** Opens the registry database: `databaseUrl` when given, else the embedded server of `dataDir`. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<DatabaseHandle> {
  return options.databaseUrl ? openExternal(options.databaseUrl, options) : openEmbedded(options);
}

async function openExternal(url: string, o: OpenDatabaseOptions): Promise<DatabaseHandle> {
  try {
    if (!/^postgres(ql)?:$/.test(new URL(url).protocol)) throw new Error('protocol');
  } catch {
    throw new RegistryError('DATABASE_UNAVAILABLE', 'DATABASE_URL must be a postgres:// URL');
  }
  const db = await connect(url, o);
  return handle(db, url, false, false, () => db.destroy());
}

async function connect(url: string, o: OpenDatabaseOptions): Promise<Kysely<Database>> {
  const db = createKysely(url, { max: o.maxConnections ?? 20, ...(o.log ? { log: o.log } : {}) });
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy();
    throw new RegistryError(
      'DATABASE_UNAVAILABLE',
      `cannot connect to ${redactUrl(url)}: ${redactSecrets((error as Error).message)}`,
    );
  }
  if (o.migrate ?? true) {
    try {
      await migrateToLatest(db as Kysely<unknown>);
    } catch (error) {
      await db.destroy();
      throw error;
    }
  }
  return db;
}

function handle(
  db: Kysely<Database>,
  url: string,
  embedded: boolean,
  owner: boolean,
  stop: () => Promise<void>,
): DatabaseHandle {
  let closing: Promise<void> | undefined;
  return { db, url, safeUrl: redactUrl(url), embedded, owner, close: () => (closing ??= stop()) };
}

function embeddedUrl(port: number, password: string, database = EMBEDDED_DATABASE): string {
  return `postgres://${EMBEDDED_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/**
 * One owner per data directory. The owner (elected under an exclusive file, see data-dir-lock.ts)
 * starts the server; any other process connects to the port in the lock and never starts a
 * second server. A lock whose process is gone is stale: its server, if still running, is stopped
 * cleanly and started again (PostgreSQL's crash recovery keeps every committed transaction).
 */
async function openEmbedded(o: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const log = o.log ?? (() => {});
  const requested = resolve(o.dataDir ?? 'sifreg-data');
  await mkdir(requested, { recursive: true, mode: 0o700 });
  // One spelling of the directory for every process, whatever symlinks or relative paths they used.
  const l = dataDirLayout(await realpath(requested));
  const deadline = Date.now() + (o.waitMs ?? 60_000);
  let unansweredSince: number | null = null;
  for (;;) {
    const decision = await withElection(l, deadline, async () => {
      const lock = await readLock(l.lockFile);
      if (lock && !(await lockIsStale(lock))) return { lock: lock as LockInfo };
      const startedAt = new Date().toISOString();
      await writeLock(l.lockFile, await newLock(null, 'starting', startedAt));
      return { stale: lock, startedAt };
    });
    if ('startedAt' in decision) return becomeOwner(l, decision.stale ?? null, decision.startedAt, o, log);
    const used = await useRunningServer(l, decision.lock, o);
    if (used) {
      log(`using the PostgreSQL server of process ${decision.lock.pid} on port ${decision.lock.port}`);
      return used;
    }
    // A starting owner gets until the deadline; a "ready" one that stops answering gets 3 s.
    unansweredSince ??= Date.now();
    const ready = decision.lock.state === 'ready';
    if (Date.now() > deadline || (ready && Date.now() - unansweredSince > 3_000)) {
      throw new RegistryError(
        'DATA_DIR_IN_USE',
        `data directory ${l.dataDir} is in use by process ${decision.lock.pid} (since ${decision.lock.started_at}), ` +
          `and its database server on port ${decision.lock.port ?? '(none yet)'} does not answer`,
      );
    }
    if (!ready) unansweredSince = null;
    await sleep(200);
  }
}

async function useRunningServer(l: DataDirLayout, lock: LockInfo, o: OpenDatabaseOptions) {
  if (lock.port === null) return null;
  const password = await readPassword(l);
  if (!password) return null;
  const url = embeddedUrl(lock.port, password);
  // The server on that port must be this data directory's, not whatever took the port since.
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const dir = (await client.query<{ data_directory: string }>('show data_directory')).rows[0]
      ?.data_directory;
    if (!dir || (await realpath(dir).catch(() => dir)) !== l.pgDir) return null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
  const db = await connect(url, o);
  return handle(db, url, true, false, () => db.destroy());
}

async function readPassword(l: DataDirLayout): Promise<string | null> {
  return readFile(l.passwordFile, 'utf8').then(
    (s) => s.trim() || null,
    () => null,
  );
}

async function becomeOwner(
  l: DataDirLayout,
  stale: LockInfo | 'invalid' | null,
  startedAt: string,
  o: OpenDatabaseOptions,
  log: (line: string) => void,
): Promise<DatabaseHandle> {
  if (stale) {
    const who = stale === 'invalid' ? 'an unreadable lock' : `process ${stale.pid}, which is gone`;
    log(`data directory ${l.dataDir} was last held by ${who}; taking over`);
  }
  let started = false;
  let as: RunAs | null = null;
  try {
    as = await serverUser(log);
    const password = await ensureCluster(l, as, log);
    await stopOrphanedServer(l, as, log);
    const port = await startCluster(l, as, log, async (p) => {
      await writeLock(l.lockFile, await newLock(p, 'starting', startedAt));
    });
    started = true;
    await ensureDatabase(embeddedUrl(port, password, 'postgres'));
    const db = await connect(embeddedUrl(port, password), o);
    await writeLock(l.lockFile, await newLock(port, 'ready', startedAt));
    log(`embedded PostgreSQL listening on 127.0.0.1:${port} (data in ${l.dataDir})`);
    return handle(db, embeddedUrl(port, password), true, true, async () => {
      await db.destroy();
      await stopCluster(l, as);
      await removeLockIfOurs(l.lockFile);
      log('embedded PostgreSQL stopped');
    });
  } catch (error) {
    if (started) await stopCluster(l, as).catch(() => {});
    await removeLockIfOurs(l.lockFile);
    if (error instanceof RegistryError) throw error;
    throw new RegistryError(
      'DATABASE_UNAVAILABLE',
      `embedded PostgreSQL: ${redactSecrets((error as Error).message)}`,
    );
  }
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [EMBEDDED_DATABASE]);
    if (found.rowCount === 0) await client.query(`create database ${EMBEDDED_DATABASE}`);
  } finally {
    await client.end();
  }
}
