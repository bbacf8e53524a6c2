import { type Kysely, sql } from 'kysely';

/*
 * The unsigned worklist (issue 8 §3.3) pages the entered procedures and adverse events not yet
 * signed, oldest first. Without an index in that order PostgreSQL read every form of the site and
 * sorted (200 ms on a 10,000-subject registry); this one is read in order, index only, and stops at
 * the page. Its predicate repeats the worklist's filter (worklists.ts SIGNED_INSTRUMENTS) so the
 * planner can use it; a different filter still gives the same rows, only slower.
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index response_unsigned_order_idx on response (updated_at, id)
    include (site_id, study_id, visit, instrument, instance, entered_by)
    where status <> 'draft' and signed_at is null and instrument in ('procedure', 'adverse_event')`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists response_unsigned_order_idx`.execute(db);
}
