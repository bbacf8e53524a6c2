import path from 'node:path';
import { RegistryError } from '../errors.js';
import { loadProtocolFile, type Protocol, SACROPLASTY_SIF } from '../protocol/index.js';
import type { RegistryDeps } from '../registry/index.js';
import {
  type DatabaseHandle,
  embeddedRegistryExists,
  installShutdownHandlers,
  openDatabase,
} from '../store/index.js';
import type { CliIo } from './io.js';

export interface GlobalOptions {
  dataDir?: string | undefined;
  /** Refuse, rather than create, a data directory that holds no registry yet (e.g. for --dry-run). */
  mustExist?: string | undefined;
  /** A protocol file (JSON) instead of the built-in protocol; SIFREG_PROTOCOL when not given. */
  protocol?: string | undefined;
}

/**
 * The protocol a command runs under: the file given by --protocol, else SIFREG_PROTOCOL, else the
 * built-in sacroplasty-sif. A file is read and validated before the database opens.
 */
export async function chooseProtocol(io: CliIo, options: GlobalOptions): Promise<Protocol> {
  const file = options.protocol ?? io.env.SIFREG_PROTOCOL;
  if (file === undefined || file === '') return SACROPLASTY_SIF;
  return loadProtocolFile(path.resolve(io.cwd, file));
}

export interface OpenRegistry {
  deps: RegistryDeps;
  handle: DatabaseHandle;
  /** Adds work to do on SIGINT/SIGTERM before the database closes (serve stops taking requests). */
  onShutdown(work: () => Promise<void>): void;
  close(): Promise<void>;
}

/**
 * Opens the registry: DATABASE_URL when set, else the embedded database in --data-dir (default
 * ./sifreg-data), under the chosen protocol (`chooseProtocol`). Until close, SIGINT and SIGTERM close the database cleanly and exit 130 / 143, so
 * no command leaves a PostgreSQL server or a lock behind.
 */
export async function openRegistry(io: CliIo, options: GlobalOptions): Promise<OpenRegistry> {
  const protocol = await chooseProtocol(io, options);
  const databaseUrl = io.env.DATABASE_URL;
  const dataDir = path.resolve(io.cwd, options.dataDir ?? 'sifreg-data');
  if (!databaseUrl && options.mustExist && !(await embeddedRegistryExists(dataDir))) {
    throw new RegistryError(
      'DATABASE_UNAVAILABLE',
      `there is no registry in ${dataDir}, and ${options.mustExist} creates none`,
    );
  }
  const log = (line: string) => io.stderr.write(`${line}\n`);
  const signals = installShutdownHandlers(log);
  let handle: DatabaseHandle;
  try {
    // DATABASE_OWNER_URL: the tables' owner runs the migrations, DATABASE_URL is the application role.
    const ownerUrl = io.env.DATABASE_OWNER_URL;
    handle = await openDatabase(databaseUrl ? { databaseUrl, ownerUrl } : { dataDir });
  } catch (error) {
    signals.remove();
    signals.exitPending();
    throw error;
  }
  signals.onShutdown(() => handle.close({ fast: true }));
  const deps: RegistryDeps = { db: handle.db, clock: io.clock, random: io.random, protocol };
  return {
    deps,
    handle,
    onShutdown: (work) => signals.onShutdown(work),
    close: async () => {
      signals.remove();
      await handle.close();
    },
  };
}
