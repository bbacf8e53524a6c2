import { type Kysely, sql } from 'kysely';

/*
 * audit_row found by a BRIN index on event_id instead of its primary key (event_id, tbl, key)
 * (issue 6, the import budget). Every read of audit_row takes a range of events (an event's digest,
 * the rows changed since an event) or reads it whole (audit verify), and entries are appended in
 * event order under the chain lock, so a block-range index finds them; the primary key cost more
 * than the entries themselves: filing 2.6 M rows at the end of a 13 M-row import took 6.3 s with it
 * and 2.7 s with the BRIN index (2.9 s with no index at all).
 * Uniqueness of (event, table, key) was the primary key's other job. The append files each changed
 * row once per event (audit.ts PENDING_ROWS), and the event's rows digest, in its hash, covers every
 * entry: an entry added twice by hand changes the digest, and audit verify reports that event.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table audit_row drop constraint audit_row_pkey`.execute(db);
  await sql`create index audit_row_event_brin on audit_row using brin (event_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists audit_row_event_brin`.execute(db);
  await sql`alter table audit_row add primary key (event_id, tbl, key)`.execute(db);
}
