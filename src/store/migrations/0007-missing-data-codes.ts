import { type Kysely, sql } from 'kysely';

/*
 * Missing-data codes (docs/missing-data.md): the items of a response marked missing with a reason
 * (not done, declined, unknown, not applicable), kept beside its answers as an object item id → code,
 * and null when no item is coded. Null, never `{}`: the row hash leaves a trailing null column out
 * (0004-faster-row-hash), so the rows recorded before this column keep their hashes. The codes
 * themselves are checked by the registry (src/instruments/missing-codes.ts), their one definition.
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table response add column missing jsonb
    constraint response_missing_object check (jsonb_typeof(missing) = 'object' and missing <> '{}'::jsonb)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table response drop column if exists missing`.execute(db);
}
