import { randomBytes } from 'node:crypto';
import { mkdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { RegistryError } from '../../errors.js';
import {
  createMovableKysely,
  type MovableKysely,
  redactSecrets,
  redactUrl,
  serverAnswers,
} from '../pg-connection.js';
import { appRoleUrl, migrateWithLeastPrivilege } from '../roles.js';
import type { Database } from '../schema.js';
import {
  clientAlive,
  type LockInfo,
  lockFromEarlierBoot,
  newClient,
  newLock,
  readLock,
  removeLock,
  withElection,
  writeLock,
} from './data-dir-lock.js';
import {
  type DataDirLayout,
  dataDirLayout,
  EMBEDDED_DATABASE,
  EMBEDDED_USER,
  ensureCluster,
  postmasterPid,
  startCluster,
  stopCluster,
  stopOrphanedServer,
} from './embedded-cluster.js';
import { pgLauncher } from './postgres-binaries.js';
import { processAlive, sleep } from './process-util.js';

/*
 * The embedded data directory (default ./sifreg-data):
 *   pg/            the PostgreSQL cluster (initdb: UTF8, locale C, data checksums; fsync on); as root
 *                  the PostgreSQL programs run in a user namespace (postgres-binaries.ts), so the
 *                  directory stays 0700 and owned by root
 *   db-password    the cluster superuser's generated password, mode 0600 (auth is scram-sha-256,
 *                  also on loopback: another local account cannot connect without this file)
 *   sifreg.lock    {pid, port, started_at, state, boot_id, clients} of the server and of every
 *                  handle using it, replaced atomically under sifreg.lock.election
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
  /** The tables' owner, for migrations, when `databaseUrl` is the application role (DATABASE_OWNER_URL). */
  ownerUrl?: string | undefined;
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  /** Connection URL, password included: pass it on, never log it (log `safeUrl`). */
  readonly url: string;
  /** The URL with the password masked. */
  readonly safeUrl: string;
  embedded: boolean;
  /** True when this handle started the embedded server (every handle keeps it running while open). */
  owner: boolean;
  /**
   * After the database stopped answering: for DATABASE_URL checks it answers again (the pool
   * reconnects by itself); for the embedded server joins the server another process restarted, or
   * restarts it. Resolves true once the database answers; never throws.
   */
  recover(): Promise<boolean>;
  /**
   * Ends this handle's connections and leaves the data directory; the last handle to leave stops
   * the embedded server. `fast` (on a signal) does not wait for connections still in use: the
   * server rolls their transactions back.
   */
  close(options?: { fast?: boolean }): Promise<void>;
}

/** Opens the registry database: `databaseUrl` when given, else the embedded server of `dataDir`. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<DatabaseHandle> {
  return options.databaseUrl ? openExternal(options.databaseUrl, options) : openEmbedded(options);
}

/** True when `dataDir` already holds an embedded registry (nothing is created to find out). */
export async function embeddedRegistryExists(dataDir: string): Promise<boolean> {
  return stat(join(dataDirLayout(resolve(dataDir)).pgDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
}

async function openExternal(url: string, o: OpenDatabaseOptions): Promise<DatabaseHandle> {
  try {
    if (!/^postgres(ql)?:$/.test(new URL(url).protocol)) throw new Error('protocol');
  } catch {
    throw new RegistryError('DATABASE_UNAVAILABLE', 'DATABASE_URL must be a postgres:// URL');
  }
  const { db } = await connect(url, o);
  let closing: Promise<void> | undefined;
  return {
    db,
    url,
    safeUrl: redactUrl(url),
    embedded: false,
    owner: false,
    recover: () => serverAnswers(url),
    close: ({ fast = false } = {}) => (closing ??= endPool(db, fast)),
  };
}

async function connect(url: string, o: OpenDatabaseOptions): Promise<MovableKysely> {
  const movable = createMovableKysely(url, {
    max: o.maxConnections ?? 20,
    ...(o.log ? { log: o.log } : {}),
  });
  const { db } = movable;
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
      // Least privilege (roles.ts): migrate as the owner, then query as the application role.
      const appUrl = await migrateWithLeastPrivilege(db, url, { ownerUrl: o.ownerUrl, log: o.log });
      if (appUrl !== url) movable.moveTo(appUrl);
    } catch (error) {
      await db.destroy();
      throw error;
    }
  }
  return movable;
}

/** Ends a pool; `fast` does not wait for connections still in use (they end with the process). */
async function endPool(db: Kysely<Database>, fast: boolean): Promise<void> {
  if (fast) void db.destroy().catch(() => {});
  else await db.destroy();
}

function embeddedUrl(port: number, password: string, database = EMBEDDED_DATABASE): string {
  return `postgres://${EMBEDDED_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

type Log = (line: string) => void;

/**
 * One server per data directory, shared by every process that opens it. Each handle is a client
 * in the lock (under the election file, see data-dir-lock.ts); the first starts the server, the
 * others connect to the port in the lock, and the last to close stops it. A client whose process is
 * gone is dropped by pid. A server that died (kill -9) is started again by the next open or
 * `recover()`; one left running with no live client is stopped cleanly and started again
 * (PostgreSQL's crash recovery keeps every committed transaction).
 */
async function openEmbedded(o: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const log = o.log ?? (() => {});
  const requested = resolve(o.dataDir ?? 'sifreg-data');
  await makeDataDir(requested);
  // One spelling of the directory for every process, whatever symlinks or relative paths they used.
  const l = dataDirLayout(await realpath(requested));
  const clientId = randomBytes(8).toString('hex');
  const first = await attach(l, clientId, o.waitMs ?? 60_000, log);
  let url = embeddedUrl(first.port, first.password);
  let movable: MovableKysely;
  try {
    movable = await connect(url, o);
  } catch (error) {
    await leave(l, clientId, log).catch(() => {});
    throw error;
  }
  if (first.started) log(`embedded PostgreSQL listening on 127.0.0.1:${first.port} (data in ${l.dataDir})`);
  else log(`using the PostgreSQL server of process ${first.starter} on port ${first.port}`);
  let closing: Promise<void> | undefined;
  return {
    db: movable.db,
    get url() {
      return url;
    },
    get safeUrl() {
      return redactUrl(url);
    },
    embedded: true,
    owner: first.started,
    async recover() {
      if (closing) return false;
      try {
        const next = await attach(l, clientId, 30_000, log);
        url = embeddedUrl(next.port, next.password);
        movable.moveTo(appRoleUrl(url) ?? url); // the application role (roles.ts)
        return await serverAnswers(url);
      } catch (error) {
        log(`the database is not back yet: ${redactSecrets((error as Error).message)}`);
        return false;
      }
    },
    close: ({ fast = false } = {}) =>
      (closing ??= (async () => {
        await endPool(movable.db, fast);
        await leave(l, clientId, log);
      })()),
  };
}

async function makeDataDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EEXIST' || code === 'ENOTDIR'
        ? 'it (or a folder on its path) is a file, not a directory'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : (error as Error).message;
    throw new RegistryError('DATABASE_UNAVAILABLE', `cannot use data directory ${dir}: ${why}`);
  }
}

interface Attached {
  port: number;
  password: string;
  /** True when this call started the server. */
  started: boolean;
  /** The process that started the server. */
  starter: number;
}

type Decision =
  | { join: LockInfo }
  | { wait: LockInfo }
  | { start: LockInfo | 'invalid' | null; live: number; startedAt: string };

/** Registers `clientId` as a client of the data directory's server, starting the server when needed. */
async function attach(l: DataDirLayout, clientId: string, waitMs: number, log: Log): Promise<Attached> {
  const deadline = Date.now() + waitMs;
  let unansweredSince: number | null = null;
  for (;;) {
    const decision = await withElection<Decision>(l, deadline, async () => {
      const lock = await readLock(l.lockFile);
      const current = lock && lock !== 'invalid' && !(await lockFromEarlierBoot(lock)) ? lock : null;
      const live = current ? current.clients.filter(clientAlive) : [];
      const clients = [...live.filter((c) => c.id !== clientId), newClient(clientId)];
      if (current?.state === 'starting' && processAlive(current.pid)) return { wait: current };
      if (current?.state === 'ready' && live.length > 0 && (await postmasterPid(l)) !== null) {
        await writeLock(l.lockFile, { ...current, clients });
        return { join: current };
      }
      const startedAt = new Date().toISOString();
      await writeLock(l.lockFile, await newLock(null, 'starting', startedAt, clients));
      return { start: lock, live: live.filter((c) => c.id !== clientId).length, startedAt };
    });
    if ('start' in decision) return startServer(l, decision, log);
    const lock = 'join' in decision ? decision.join : decision.wait;
    if ('join' in decision) {
      const password = await readPassword(l);
      if (lock.port !== null && password && (await serverIsOurs(l, embeddedUrl(lock.port, password)))) {
        return { port: lock.port, password, started: false, starter: lock.pid };
      }
      await leave(l, clientId, log, { stop: false });
    }
    // A starting server gets until the deadline; a "ready" one that stops answering gets 3 s.
    unansweredSince ??= Date.now();
    const ready = lock.state === 'ready';
    if (Date.now() > deadline || (ready && Date.now() - unansweredSince > 3_000)) {
      const users = [...new Set(lock.clients.filter(clientAlive).map((c) => c.pid))];
      throw new RegistryError(
        'DATA_DIR_IN_USE',
        `data directory ${l.dataDir} is in use by process ${users.join(', ') || lock.pid} (since ${lock.started_at}), ` +
          `and its database server on port ${lock.port ?? '(none yet)'} does not answer`,
      );
    }
    if (!ready) unansweredSince = null;
    await sleep(200);
  }
}

/** True when the server at `url` answers and serves this data directory (not whatever took the port since). */
async function serverIsOurs(l: DataDirLayout, url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const dir = (await client.query<{ data_directory: string }>('show data_directory')).rows[0]
      ?.data_directory;
    return Boolean(dir) && (await realpath(dir!).catch(() => dir)) === l.pgDir;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function readPassword(l: DataDirLayout): Promise<string | null> {
  return readFile(l.passwordFile, 'utf8').then(
    (s) => s.trim() || null,
    () => null,
  );
}

/** Changes the lock under the election; `change` returning null leaves it as it is. */
async function updateLock(l: DataDirLayout, change: (lock: LockInfo) => LockInfo | null): Promise<void> {
  await withElection(l, Date.now() + 60_000, async () => {
    const lock = await readLock(l.lockFile);
    const next = lock && lock !== 'invalid' ? change(lock) : null;
    if (next) await writeLock(l.lockFile, next);
  });
}

async function startServer(
  l: DataDirLayout,
  d: { start: LockInfo | 'invalid' | null; live: number; startedAt: string },
  log: Log,
): Promise<Attached> {
  const before = d.start;
  if (before === 'invalid')
    log(`data directory ${l.dataDir} was last held by an unreadable lock; taking over`);
  else if (before && d.live > 0) log(`the PostgreSQL server of ${l.dataDir} is gone; starting it again`);
  else if (before)
    log(`data directory ${l.dataDir} was last held by process ${before.pid}, which is gone; taking over`);
  const ours = (lock: LockInfo) => lock.pid === process.pid && lock.started_at === d.startedAt;
  let started = false;
  const launcher = await pgLauncher(l.pgDir).catch(async (error: unknown) => {
    await withElection(l, Date.now() + 60_000, () => removeLock(l.lockFile));
    throw error;
  });
  try {
    const password = await ensureCluster(l, launcher, log);
    await stopOrphanedServer(l, launcher, log);
    const port = await startCluster(l, launcher, log, (p) =>
      updateLock(l, (lock) => (ours(lock) ? { ...lock, port: p } : null)),
    );
    started = true;
    await ensureDatabase(embeddedUrl(port, password, 'postgres'));
    await updateLock(l, (lock) => (ours(lock) ? { ...lock, port, state: 'ready' } : null));
    return { port, password, started: true, starter: process.pid };
  } catch (error) {
    await withElection(l, Date.now() + 60_000, async () => {
      if (started) await stopCluster(l, launcher).catch(() => {});
      await removeLock(l.lockFile);
    });
    if (error instanceof RegistryError) throw error;
    throw new RegistryError(
      'DATABASE_UNAVAILABLE',
      `embedded PostgreSQL: ${redactSecrets((error as Error).message)}`,
    );
  }
}

/**
 * Removes `clientId` from the lock; when no live client remains, stops the server (fast shutdown:
 * a clean checkpoint, so the next start needs no recovery) and removes the lock.
 */
async function leave(l: DataDirLayout, clientId: string, log: Log, { stop = true } = {}): Promise<void> {
  await withElection(l, Date.now() + 60_000, async () => {
    const lock = await readLock(l.lockFile);
    if (!lock || lock === 'invalid') return;
    const remaining = lock.clients.filter((c) => c.id !== clientId && clientAlive(c));
    const starting = lock.state === 'starting' && processAlive(lock.pid);
    if (remaining.length > 0 || starting || !stop) {
      await writeLock(l.lockFile, { ...lock, clients: remaining });
      return;
    }
    await stopCluster(l, await pgLauncher(l.pgDir));
    await removeLock(l.lockFile);
    log('embedded PostgreSQL stopped');
  });
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
