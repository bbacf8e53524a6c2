import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { inject } from 'vitest';
import { createKysely } from '../../src/store/pg-connection.js';
import { migrateWithLeastPrivilege } from '../../src/store/roles.js';
import type { Database } from '../../src/store/schema.js';

export interface TestDatabase {
  /** Connected as the owner of the tables (the role that ran the migrations): a DBA's powers. */
  db: Kysely<Database>;
  /** URL of this database as the owner (password included; test use only). */
  url: string;
  /**
   * Connected as the application role the registry uses (src/store/roles.ts): no ALTER, only
   * SELECT and INSERT on the audit tables. Null without migrations.
   */
  app: Kysely<Database> | null;
  appUrl: string | null;
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

/**
 * Drops a test database. FORCE ends our own leftover sessions, but a role that is not superuser
 * may not end an autovacuum worker busy in it (42501); plain DROP DATABASE asks autovacuum to stop
 * by itself, so retry that way for a while.
 */
async function dropDatabase(c: pg.Client, name: string): Promise<void> {
  try {
    await c.query(`drop database if exists ${name} with (force)`);
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
  }
  for (let attempt = 0; ; attempt++) {
    try {
      await c.query(`drop database if exists ${name}`);
      return;
    } catch (error) {
      if (attempt >= 20 || (error as { code?: string }).code !== '55006') throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
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
  let appUrl: string | null = null;
  if (options.migrate ?? true) appUrl = await migrateWithLeastPrivilege(db, url);
  const app = appUrl ? createKysely(appUrl, { max: 20 }) : null;
  let destroyed = false;
  return {
    db,
    url,
    app,
    appUrl,
    name,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await db.destroy();
      await app?.destroy();
      await admin((c) => dropDatabase(c, name));
    },
  };
}
