import { type Kysely, sql } from 'kysely';

/*
 * A subject's ePRO jobs found by its study id (the staff ePRO page lists every invitation and
 * reminder with its status, queued ones from `job`), without reading the whole queue.
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index job_epro_subject_idx on job ((payload->>'studyId')) where kind = 'epro.send'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index job_epro_subject_idx`.execute(db);
}
