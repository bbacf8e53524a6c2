import { type Kysely, sql } from 'kysely';

/*
 * The dashboard's care-gap KPIs, untreated count and follow-up completeness (issue 8 §3.1) kept per
 * subject, so that a site's figures are one grouped sum in PostgreSQL instead of the study report's
 * analyses run over every subject of the site on each new process (registry/views/care-tally.ts):
 * - care_tally: what one subject adds to its site's counts (`counts`, in the order `layout` names),
 *   as the report's own analyses decide them for that subject alone, valid for the report dates
 *   from valid_from up to (not including) valid_until;
 * - care_tally_state: the audit event up to which each layout's rows take the registry's writes
 *   into account (later writes name the subjects to count again), and the report dates for which
 *   all its rows hold (the latest valid_from, the earliest valid_until).
 * Derived data, written by the dashboard's read and never by a use case: not audited, left out of
 * backups (backup-format.ts TRANSIENT_TABLES) and counted again after a restore. No trigger: the
 * writes (and the import) do no work for it.
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table care_tally (
    layout text not null,
    study_id text not null,
    site_id text not null,
    valid_from date not null,
    valid_until date not null,
    counts smallint[] not null,
    primary key (layout, study_id)
  )`.execute(db);
  await sql`create index care_tally_site_idx on care_tally (layout, site_id) include (counts)`.execute(db);
  await sql`create table care_tally_state (
    layout text primary key,
    through_event bigint not null,
    valid_from date not null,
    valid_until date not null
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists care_tally_state`.execute(db);
  await sql`drop table if exists care_tally`.execute(db);
}
