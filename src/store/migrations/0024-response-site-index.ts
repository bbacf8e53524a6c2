import { type Kysely, sql } from 'kysely';

/*
 * response_site_id_idx (0001) dropped (issue 6, the import budget): no read of response filters on
 * the site alone. Every site-scoped read also names instruments (response_instrument_visit_idx,
 * response_collected_idx, response_unsigned_idx), a subject (the (study_id, visit, instrument,
 * instance) key), ids (the primary key) or drafts (response_draft_idx); pg_stat_user_indexes counted
 * one scan of it in a registry of 2.2 M forms after the report, the web application's and the
 * views' benchmarks, against 526,228 of the study-id key. With a handful of sites, a site matches
 * a large share of all forms, for which a scan of the table is the plan anyway. Each form written
 * paid for it: about 1 µs of server CPU, 2.3 s of a 13 M-row import.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists response_site_id_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create index if not exists response_site_id_idx on response (site_id)`.execute(db);
}
