// Running the migrations: in any order they were added, and a failure names its migration.
import { type Kysely, Migrator, sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import { createTestDatabase } from '../../test/helpers/database.js';
import { appliedMigrations, MIGRATIONS, migrateToLatest } from './migrate.js';

describe('migrations', () => {
  test('a database that applied a later migration first still takes an earlier one added since', async () => {
    const bare = await createTestDatabase({ migrate: false });
    try {
      const names = Object.keys(MIGRATIONS);
      const skipped = '0007-missing-data-codes';
      const partial = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name !== skipped));
      const first = await new Migrator({
        db: bare.db as Kysely<unknown>,
        provider: { getMigrations: async () => partial },
      }).migrateToLatest();
      expect(first.error).toBeUndefined();
      expect(await migrateToLatest(bare.db as Kysely<unknown>)).toEqual([skipped]);
      expect([...(await appliedMigrations(bare.db as Kysely<unknown>))].sort()).toEqual([...names].sort());
    } finally {
      await bare.destroy();
    }
  });

  test('a failed migration names itself', async () => {
    const bare = await createTestDatabase({ migrate: false });
    try {
      await sql`create table site (id text)`.execute(bare.db);
      const error = await migrateToLatest(bare.db as Kysely<unknown>).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
      expect((error as Error).message).toMatch(
        /^migration 0001-initial failed: relation "site" already exists/,
      );
      expect(await appliedMigrations(bare.db as Kysely<unknown>)).toEqual([]);
    } finally {
      await bare.destroy();
    }
  });

  test('the import-budget migrations (0022–0026) go down and up again', async () => {
    const d = await createTestDatabase();
    try {
      const db = d.db as Kysely<unknown>;
      const state = async () =>
        (
          await sql<{ s: string }>`select concat_ws(' | ',
            (select provolatile::text from pg_proc where proname = 'audit_row_hash_v2'),
            (select string_agg(indexname, ',' order by indexname) from pg_indexes where tablename = 'audit_row'),
            (select count(*)::text from pg_indexes where indexname = 'response_site_id_idx'),
            (select pg_get_constraintdef(oid) from pg_constraint where conname = 'audit_event_hash_check'),
            (select relpersistence::text from pg_class where relname = 'audit_pending')) as s`.execute(db)
        ).rows[0]!.s;
      const latest = await state();
      expect(latest).toBe(
        "s | audit_row_event_brin | 0 | CHECK (((octet_length(hash) = 64) AND (hash !~ '[^0-9a-f]'::text))) | u",
      );
      const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
      for (let i = 0; i < 5; i++) expect((await migrator.migrateDown()).error).toBeUndefined();
      expect(await state()).toBe("i | audit_row_pkey | 1 | CHECK ((hash ~ '^[0-9a-f]{64}$'::text)) | p");
      expect(await migrateToLatest(db)).toEqual(Object.keys(MIGRATIONS).slice(-5));
      expect(await state()).toBe(latest);
    } finally {
      await d.destroy();
    }
  });
});
