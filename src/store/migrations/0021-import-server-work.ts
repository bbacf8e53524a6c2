import { type Kysely, sql } from 'kysely';

/*
 * Less work for the database server per form written (issue 6, the import budget: 38 µs of server
 * CPU per imported form), measured per trigger and index on 169,276 forms; nothing is stored or
 * audited differently:
 * - audit_row_hash_v2 trims the trailing ',' and ')' from the row's UTF-8 bytes instead of its text:
 *   the same bytes are hashed (in UTF-8 those two bytes only ever stand for those two characters), so
 *   every hash is what 0004 gave and audit verify still checks every row, but text rtrim with a
 *   character set measures every character of a multibyte-encoded row (0.33 s of the 1.1 s the hash
 *   cost per 169,276 forms; bytea rtrim looks at the last bytes only).
 * - audit_pending's arrays are stored out of line uncompressed: one statement's queue (2,500 keys
 *   and 67-character hashes, ~190 kB) was compressed on the way in and decompressed on the way out
 *   (0.33 s per 169,276 forms) to save space in a table that holds a transaction's queue only until
 *   its audit event is appended.
 * - response_unsigned_idx keeps only the forms that are signed (procedures and adverse events,
 *   worklists.ts SIGNED_INSTRUMENTS): the only reads with `signed_at is null`, the dashboard's
 *   count and the unsigned worklist, filter on those instruments (0014 repeats the same predicate),
 *   so every other entered form no longer gets an entry it was never read by.
 */

/** The forms that are signed: worklists.ts SIGNED_INSTRUMENTS, as 0014's index predicate. */
const SIGNED = sql.raw(`('procedure', 'adverse_event')`);

// decode() rather than a '\x…' literal: the body is parsed under the caller's
// standard_conforming_strings. Immutable and constant, so it is folded once per plan.
const HASH = sql`create or replace function audit_row_hash_v2(row_text text) returns text
  language sql immutable parallel safe as $$
    select 'v2:' || encode(sha256(rtrim(convert_to(row_text, 'UTF8'), decode('2c29', 'hex'))), 'hex')
  $$`;

/** 0004's definition, restored by down (same hashes). */
const PREVIOUS_HASH = sql`create or replace function audit_row_hash_v2(row_text text) returns text
  language sql immutable parallel safe as $$
    select 'v2:' || encode(sha256(convert_to(rtrim(row_text, ',)'), 'UTF8')), 'hex')
  $$`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await HASH.execute(db);
  await sql`alter table audit_pending alter column keys set storage external,
    alter column hashes set storage external`.execute(db);
  await sql`drop index if exists response_unsigned_idx`.execute(db);
  await sql`create index response_unsigned_idx on response (site_id, instrument, study_id)
    where status <> 'draft' and signed_at is null and instrument in ${SIGNED}`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists response_unsigned_idx`.execute(db);
  // As 0006-subject-progress made it.
  await sql`create index response_unsigned_idx on response (site_id, instrument, study_id)
    where status <> 'draft' and signed_at is null`.execute(db);
  await sql`alter table audit_pending alter column keys set storage extended,
    alter column hashes set storage extended`.execute(db);
  await PREVIOUS_HASH.execute(db);
}
