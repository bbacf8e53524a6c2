import path from 'node:path';
import { SACROPLASTY_SIF } from '../protocol/index.js';
import type { RegistryDeps } from '../registry/index.js';
import { type DatabaseHandle, openDatabase } from '../store/index.js';
import type { CliIo } from './io.js';

export interface GlobalOptions {
  dataDir?: string | undefined;
}

export interface OpenRegistry {
  deps: RegistryDeps;
  handle: DatabaseHandle;
  close(): Promise<void>;
}

/** Opens the registry: DATABASE_URL when set, else the embedded database in --data-dir (default ./sifreg-data). */
export async function openRegistry(io: CliIo, options: GlobalOptions): Promise<OpenRegistry> {
  const databaseUrl = io.env.DATABASE_URL;
  const handle = await openDatabase(
    databaseUrl ? { databaseUrl } : { dataDir: path.resolve(io.cwd, options.dataDir ?? 'sifreg-data') },
  );
  const deps: RegistryDeps = { db: handle.db, clock: io.clock, random: io.random, protocol: SACROPLASTY_SIF };
  return { deps, handle, close: () => handle.close() };
}
