import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { inject } from 'vitest';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createKysely } from '../../src/store/pg-connection.js';
import type { Database } from '../../src/store/schema.js';

export interface TestDatabase {
  db: Kysely<Database>;
  /** URL of this database (password included; test use only). */
  url: string;
  name: string;
  destroy(): Promise<void>;
}

/** The server URL handed over by test/helpers/global-setup.ts. */
export function testServerUrl(): string {
  let url: string | undefined;
  try {
    url = inject('pgAdminUrl');
  } catch {
    // Outside a vitest worker (a child process of a test): the environment carries it.
  }
  url ??= process.env.SIFREG_TEST_PG_URL;
  if (!url) throw new Error('no test PostgreSQL: run under vitest (test/helpers/global-setup.ts)');
  return url;
}

/** The same server and credentials, another database. */
export function databaseUrl(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testServerUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, uniquely named, migrated database (UTF8, C collation) on the test server. */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `sifreg_t_${randomBytes(6).toString('hex')}`;
  await admin((c) =>
    c.query(`create database ${name} template template0 encoding 'UTF8' lc_collate 'C' lc_ctype 'C'`),
  );
  const url = databaseUrl(testServerUrl(), name);
  const db = createKysely(url, { max: 40 });
  if (options.migrate ?? true) await migrateToLatest(db as Kysely<unknown>);
  let destroyed = false;
  return {
    db,
    url,
    name,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await db.destroy();
      await admin((c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}
