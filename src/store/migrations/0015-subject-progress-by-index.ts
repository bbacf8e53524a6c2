import { type Kysely, sql } from 'kysely';

/*
 * subject_progress_refresh (0006) read each subject's forms with correlated subqueries whose filters
 * matched the partial indexes' predicates, so a planner without statistics (a large import into a new
 * registry, in one transaction) could pick a whole scan of a partial index, or of response, once per
 * subject: an import that grows quadratically. The refresh now reads the statement's subjects in one
 * grouped pass per table through their study-id keys (the filters move into FILTER clauses, which no
 * partial index can serve), with sequential scans off for the function alone. Same rows as before.
 */

const NOT_A_VISIT = sql.raw(`array['end_of_study', 'adverse_event']`);

const REFRESH = sql`create or replace function subject_progress_refresh(ids text[]) returns void
  language sql set enable_seqscan to off as $$
    delete from subject_progress p where p.study_id = any(ids)
      and not exists (select from response r where r.study_id = p.study_id)
      and not exists (select from visit v where v.study_id = p.study_id);
    insert into subject_progress (study_id, site_id, seen, unsigned, unlocked, visit_dates, missed)
    select s.study_id, s.site_id,
      coalesce(r.seen, '{}'), coalesce(r.unsigned, '{}'), coalesce(r.unlocked, '{}'),
      coalesce(v.visit_dates, '{}'), coalesce(v.missed, '{}')
    from subject s
    left join (
      select study_id,
        array_agg(distinct visit order by visit)
          filter (where status <> 'draft' and instrument <> all(${NOT_A_VISIT})) as seen,
        array_agg(distinct visit order by visit) filter (where status <> 'draft' and signed_at is null) as unsigned,
        array_agg(distinct visit order by visit) filter (where status <> 'draft' and locked_at is null) as unlocked
      from response where study_id = any(ids) group by study_id
    ) r on r.study_id = s.study_id
    left join (
      select study_id,
        jsonb_object_agg(visit, visit_date::text) filter (where visit_date is not null) as visit_dates,
        array_agg(visit order by visit) filter (where missed_reason is not null) as missed
      from visit where study_id = any(ids) group by study_id
    ) v on v.study_id = s.study_id
    where s.study_id = any(ids) and (r.study_id is not null or v.study_id is not null)
    on conflict (study_id) do update
      set site_id = excluded.site_id, seen = excluded.seen, unsigned = excluded.unsigned,
          unlocked = excluded.unlocked, visit_dates = excluded.visit_dates, missed = excluded.missed
  $$`;

/** 0006's definition, restored by down. */
const PREVIOUS = sql`create or replace function subject_progress_refresh(ids text[]) returns void
  language sql reset enable_seqscan as $$
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

export async function up(db: Kysely<unknown>): Promise<void> {
  await REFRESH.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await PREVIOUS.execute(db);
}
