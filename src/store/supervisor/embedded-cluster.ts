import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RegistryError } from '../../errors.js';
import { type PgLauncher, postgresBinaries, runPg } from './postgres-binaries.js';
import { freePort, processAlive, processName, sleep, writeAtomically } from './process-util.js';

/** Where things live in a data directory. The cluster sits in `pg/`. */
export interface DataDirLayout {
  dataDir: string;
  pgDir: string;
  lockFile: string;
  electionFile: string;
  passwordFile: string;
}

export function dataDirLayout(dataDir: string): DataDirLayout {
  return {
    dataDir,
    pgDir: join(dataDir, 'pg'),
    lockFile: join(dataDir, 'sifreg.lock'),
    electionFile: join(dataDir, 'sifreg.lock.election'),
    passwordFile: join(dataDir, 'db-password'),
  };
}

/** The bootstrap superuser and database of an embedded cluster. */
export const EMBEDDED_USER = 'sifreg';
export const EMBEDDED_DATABASE = 'sifreg';

type Log = (line: string) => void;

const CONF = `
# sifreg: settings of the embedded server (the port is chosen at each start)
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = on
synchronous_commit = on
full_page_writes = on
# Bulk writes (an import of millions of forms): checkpoints further apart, so fewer full-page images
# are logged, and a larger WAL buffer; durability is unchanged (fsync and synchronous_commit on).
max_wal_size = '4GB'
checkpoint_timeout = '15min'
wal_buffers = '16MB'
timezone = 'UTC'
log_timezone = 'UTC'
logging_collector = on
log_directory = 'log'
log_filename = 'postgresql-%a.log'
log_truncate_on_rotation = on
log_rotation_age = 1d
log_rotation_size = 0
`;

/** The cluster's superuser password, creating the cluster (initdb) on first use. */
export async function ensureCluster(l: DataDirLayout, launcher: PgLauncher, log: Log): Promise<string> {
  await mkdir(l.dataDir, { recursive: true, mode: 0o700 });
  const existing = await readFile(l.passwordFile, 'utf8').then(
    (s) => s.trim(),
    () => null,
  );
  if (await exists(join(l.pgDir, 'PG_VERSION'))) {
    if (!existing)
      throw new RegistryError(
        'DATABASE_UNAVAILABLE',
        `${l.passwordFile} is missing; cannot log in to the database`,
      );
    return existing;
  }
  const password = existing ?? randomBytes(24).toString('hex');
  if (!existing) await writeAtomically(l.passwordFile, `${password}\n`, 0o600);
  log(`creating a new PostgreSQL cluster in ${l.pgDir}`);
  const initDir = `${l.pgDir}.init`;
  const pwFile = `${l.pgDir}.init-pw`;
  await rm(initDir, { recursive: true, force: true });
  await mkdir(initDir, { mode: 0o700 });
  await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
  const { initdb } = await postgresBinaries();
  const result = await runPg(launcher, initdb, [
    `--pgdata=${initDir}`,
    `--username=${EMBEDDED_USER}`,
    `--pwfile=${pwFile}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C',
    '--data-checksums',
    '--no-instructions',
  ]);
  await unlink(pwFile).catch(() => {});
  if (result.code !== 0) {
    throw new RegistryError(
      'DATABASE_UNAVAILABLE',
      `initdb failed in ${l.pgDir}: ${lastLines(result.stderr || result.stdout)}`,
    );
  }
  await appendFile(join(initDir, 'postgresql.conf'), CONF);
  // Rename last: a half-made cluster is never mistaken for a real one.
  await rename(initDir, l.pgDir);
  return password;
}

/**
 * Starts the cluster on a free port of 127.0.0.1 and returns the port. `onPort` hears each port
 * tried (the lock file records it). A port taken meanwhile, or shared memory still held by the
 * children of a killed server, is retried.
 */
export async function startCluster(
  l: DataDirLayout,
  launcher: PgLauncher,
  log: Log,
  onPort: (port: number) => Promise<void>,
): Promise<number> {
  const { pg_ctl } = await postgresBinaries();
  const serverLog = join(l.pgDir, 'server.log');
  let detail = '';
  for (let attempt = 1; attempt <= 6; attempt++) {
    const port = await freePort();
    await onPort(port);
    const result = await runPg(launcher, pg_ctl, [
      'start',
      '-D',
      l.pgDir,
      '-l',
      serverLog,
      '-w',
      '-t',
      '600',
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1`,
    ]);
    if (result.code === 0) return port;
    detail = lastLines(await readFile(serverLog, 'utf8').catch(() => result.stderr));
    log(`PostgreSQL did not start (attempt ${attempt}): ${detail}`);
    await sleep(300 * attempt);
  }
  throw new RegistryError('DATABASE_UNAVAILABLE', `PostgreSQL did not start in ${l.pgDir}: ${detail}`);
}

/** Stops the cluster: fast shutdown (open transactions roll back, a clean checkpoint is written). */
export async function stopCluster(l: DataDirLayout, launcher: PgLauncher): Promise<void> {
  const { pg_ctl } = await postgresBinaries();
  const pid = await postmasterPid(l);
  const result = await runPg(launcher, pg_ctl, ['stop', '-D', l.pgDir, '-m', 'fast', '-w', '-t', '300']);
  if (result.code !== 0 && (await postmasterPid(l)) !== null) {
    throw new RegistryError('DATABASE_UNAVAILABLE', `PostgreSQL did not stop: ${lastLines(result.stderr)}`);
  }
  // pg_ctl returns once postmaster.pid is gone; the process itself ends a moment later.
  for (let i = 0; pid !== null && processAlive(pid) && i < 500; i++) await sleep(20);
}

/** The pid in `pg/postmaster.pid` when that process is still alive, else null. */
export async function postmasterPid(l: DataDirLayout): Promise<number | null> {
  const text = await readFile(join(l.pgDir, 'postmaster.pid'), 'utf8').catch(() => null);
  const pid = Number(text?.split('\n')[0]);
  return text !== null && processAlive(pid) ? pid : null;
}

/**
 * After the owning process died without closing (kill -9), its server may still run: stop it
 * cleanly before starting our own. A pid that now belongs to another program is a stale file.
 */
export async function stopOrphanedServer(l: DataDirLayout, launcher: PgLauncher, log: Log): Promise<void> {
  const pid = await postmasterPid(l);
  if (pid === null) return;
  const name = await processName(pid);
  if (name !== null && name !== 'postgres') {
    await unlink(join(l.pgDir, 'postmaster.pid')).catch(() => {});
    return;
  }
  log(`stopping the PostgreSQL server (pid ${pid}) left running by a previous process`);
  await stopCluster(l, launcher);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function lastLines(text: string, n = 4): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}
