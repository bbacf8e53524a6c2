import { type Kysely, sql } from 'kysely';

/*
 * What the staff pages read about every subject at once (issue 8 §3: the grid, the worklists, the
 * dashboard), kept beside the data so a page over 10,000 subjects reads 10,000 short rows instead
 * of aggregating 200,000 forms on every request:
 * - subject_progress: per subject, the visits seen by their forms (as the study report counts a
 *   visit seen: an entered form other than end of study or an adverse event), the visits with an
 *   entered form not yet signed and not yet locked, the dates of the visits recorded done and the
 *   visits recorded missed.
 * It is derived data, never written by a use case: statement-level triggers on response and visit
 * recompute the rows of the subjects a statement touched, in the writer's transaction, so it is
 * never behind what the writer committed. Not audited (the rows it is made from are); left out of
 * backups (backup-format.ts TRANSIENT_TABLES) and rebuilt by the same triggers on restore.
 * Indexes for the pages' other reads: drafts (forms with missing required items), forms not
 * signed, open queries and SDV marks by subject, subjects by site and study id, the day each
 * subject left.
 */

/** Instruments whose form alone does not make a visit seen (as cohort-queries.ts counts `seen`). */
const NOT_A_VISIT = sql.raw(`array['end_of_study', 'adverse_event']`);

const REFRESH = sql`create function subject_progress_refresh(ids text[]) returns void language sql as $$
    delete from subject_progress p where p.study_id = any(ids)
      and not exists (select from response r where r.study_id = p.study_id)
      and not exists (select from visit v where v.study_id = p.study_id);
    insert into subject_progress (study_id, site_id, seen, unsigned, unlocked, visit_dates, missed)
    select s.study_id, s.site_id,
      coalesce((select array_agg(distinct r.visit order by r.visit) from response r
                where r.study_id = s.study_id and r.status <> 'draft' and r.instrument <> all(${NOT_A_VISIT})), '{}'),
      coalesce((select array_agg(distinct r.visit order by r.visit) from response r
                where r.study_id = s.study_id and r.status <> 'draft' and r.signed_at is null), '{}'),
      coalesce((select array_agg(distinct r.visit order by r.visit) from response r
                where r.study_id = s.study_id and r.status <> 'draft' and r.locked_at is null), '{}'),
      coalesce((select jsonb_object_agg(v.visit, v.visit_date::text) from visit v
                where v.study_id = s.study_id and v.visit_date is not null), '{}'),
      coalesce((select array_agg(v.visit order by v.visit) from visit v
                where v.study_id = s.study_id and v.missed_reason is not null), '{}')
    from subject s
    where s.study_id = any(ids)
      and (exists (select from response r where r.study_id = s.study_id)
        or exists (select from visit v where v.study_id = s.study_id))
    on conflict (study_id) do update
      set site_id = excluded.site_id, seen = excluded.seen, unsigned = excluded.unsigned,
          unlocked = excluded.unlocked, visit_dates = excluded.visit_dates, missed = excluded.missed
  $$`;

function triggers(table: 'response' | 'visit') {
  const fn = sql.raw(`subject_progress_${table}()`);
  const rows = (which: string) =>
    sql.raw(`select coalesce(array_agg(distinct study_id), '{}') from ${which}`);
  return [
    sql`create function ${fn} returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then
          perform subject_progress_refresh((${rows('new_rows')}));
        elsif tg_op = 'UPDATE' then
          perform subject_progress_refresh((${rows('(select study_id from new_rows union all select study_id from old_rows) x')}));
        else
          perform subject_progress_refresh((${rows('old_rows')}));
        end if;
        return null;
      end
    $$`,
    sql`create trigger ${sql.raw(`${table}_progress_insert`)} after insert on ${sql.table(table)}
      referencing new table as new_rows for each statement execute function ${fn}`,
    sql`create trigger ${sql.raw(`${table}_progress_update`)} after update on ${sql.table(table)}
      referencing old table as old_rows new table as new_rows for each statement execute function ${fn}`,
    sql`create trigger ${sql.raw(`${table}_progress_delete`)} after delete on ${sql.table(table)}
      referencing old table as old_rows for each statement execute function ${fn}`,
  ];
}

const UP = [
  sql`create table subject_progress (
    study_id text primary key references subject (study_id) on update cascade on delete cascade,
    site_id text not null,
    seen text[] not null default '{}',
    unsigned text[] not null default '{}',
    unlocked text[] not null default '{}',
    visit_dates jsonb not null default '{}',
    missed text[] not null default '{}'
  )`,
  sql`create index subject_progress_site_idx on subject_progress (site_id, study_id)`,
  REFRESH,
  ...triggers('response'),
  ...triggers('visit'),
  // Rows for the subjects already recorded.
  sql`select subject_progress_refresh(array(select study_id from subject))`,
  sql`create index subject_site_study_idx on subject (site_id, study_id)`,
  sql`create index response_draft_idx on response (site_id, study_id) where status = 'draft'`,
  sql`create index response_unsigned_idx on response (site_id, instrument, study_id)
    where status <> 'draft' and signed_at is null`,
  sql`create index query_open_study_idx on query (study_id) where status = 'open'`,
  sql`create index sdv_study_idx on sdv (study_id)`,
  // The day each subject left (its end-of-study form's collection day), read without the heap.
  sql`create index response_collected_idx on response (instrument, site_id) include (study_id, collected_on)
    where collected_on is not null and status <> 'draft'`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['response', 'visit']) {
    for (const op of ['insert', 'update', 'delete']) {
      await sql`drop trigger if exists ${sql.raw(`${table}_progress_${op}`)} on ${sql.table(table)}`.execute(
        db,
      );
    }
    await sql`drop function if exists ${sql.raw(`subject_progress_${table}()`)}`.execute(db);
  }
  await sql`drop function if exists subject_progress_refresh(text[])`.execute(db);
  await sql`drop table if exists subject_progress`.execute(db);
  for (const index of [
    'subject_site_study_idx',
    'response_draft_idx',
    'response_unsigned_idx',
    'query_open_study_idx',
    'sdv_study_idx',
    'response_collected_idx',
  ]) {
    await sql`drop index if exists ${sql.raw(index)}`.execute(db);
  }
}
