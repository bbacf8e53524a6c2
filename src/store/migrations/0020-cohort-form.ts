import { type Kysely, sql } from 'kysely';

/*
 * What the study report's extraction reads of each entered form, kept beside `response` so that a
 * report reads one short row per form instead of the whole `response` heap (issue 7: 2.2 M forms,
 * 884 MB, on the 100,000-subject registry):
 * - cohort_form.line: the form's typed scores as one text line (the one place this line is built):
 *   study id, visit, what the form is (a: an analgesic, n: no visit of its own, an end of study or an
 *   adverse event, f: any other form), then tagged fields present only when not null: p pain, o ODI,
 *   m MME in hundredths (PostgreSQL's round, half to even), q opioid (1/0), d drug (of an opioid),
 *   s stop date and i instance (of an analgesic), separated by chr(31). Codes and dates never hold
 *   the separators; free text only travels in `read`.
 * - cohort_form.read: the answers the cohort reads of the form, as the JSON array
 *   [instrument, study id, visit, id, ...answer texts of the items kept], or null when it reads none.
 *   The items kept, in that order, are those of cohort_form_items() (scores as `scores.<name>`),
 *   each instrument's at every visit or only at some; an extraction that needs
 *   another item reads that instrument from `response`.
 * It is derived data, never written by a use case: statement-level triggers on response (one
 * grouped statement per INSERT/UPDATE/DELETE, from the transition tables, without reading response
 * again) keep it in the writer's transaction. Not audited (response is); left out of backups
 * (backup-format.ts TRANSIENT_TABLES) and rebuilt by the same triggers on restore. Drafts have no row.
 */

/** The answers kept per instrument (scores as `scores.<name>`), at every visit or only at some. */
const KEPT: Record<string, { items: string[]; visits?: string[] }> = {
  enrollment: { items: ['sex', 'birth_year', 'index_date'] },
  eligibility: {
    items: ['etiology', 'eligible', 'prior_fragility_fracture', 'steroid_use', 'scores.symptom_weeks'],
  },
  pain: { items: ['scale'], visits: ['baseline'] },
  procedure: { items: ['denis_zone', 'ffp_type', 'sides', 'setting'] },
  osteoporosis_care: {
    items: [
      'dxa_done',
      'dxa_date',
      'lowest_t_score',
      'vitamin_d_25oh',
      'calcium_vitd_started',
      'bone_med_recommended',
      'bone_med',
      'bone_med_start_date',
      'bone_med_persisting',
      'falls_risk_assessed',
    ],
  },
  physical_therapy: { items: ['pt_start_date'] },
  adverse_event: { items: ['term', 'onset_date', 'severity_grade', 'serious', 'sir_class'] },
  end_of_study: { items: ['status', 'reason', 'date'] },
};

const SCORE = 'scores.';

/** The kept items per instrument in their order in `read`, for the extraction to know what it may read here. */
const ITEMS = sql`create function cohort_form_items() returns table (instrument text, items text[], visits text[])
  language sql immutable parallel safe as $$
    values ${sql.join(
      Object.entries(KEPT).map(
        ([instrument, { items, visits }]) =>
          sql`(${sql.lit(instrument)}, array[${sql.join(items.map((i) => sql.lit(i)))}],
               ${visits ? sql`array[${sql.join(visits.map((v) => sql.lit(v)))}]` : sql`null`}::text[])`,
      ),
    )}
  $$`;

/** One kept answer as JSON: its answer text (`->>`), or null. */
function value(item: string) {
  const text = item.startsWith(SCORE)
    ? sql`r.scores->>${sql.lit(item.slice(SCORE.length))}`
    : sql`r.answers->>${sql.lit(item)}`;
  return sql`coalesce(to_json(${text})::text, 'null')`;
}

// Both are single expressions of the row (no FROM, no stronger volatility than their parts), so
// PostgreSQL inlines them into the statements that call them.
const LINE = sql`create function cohort_form_line(r response) returns text
  language sql stable parallel safe as $$
    select concat_ws(chr(31), r.study_id, r.visit,
      case when r.instrument = 'analgesic' then 'a'
           when r.instrument in ('end_of_study', 'adverse_event') then 'n' else 'f' end,
      'p' || r.pain_nrs, 'o' || r.odi_pct,
      'm' || round(r.mme_day * 100), 'q' || r.opioid_any::int,
      case when r.opioid_any then 'd' || (r.answers->>'drug') end,
      case when r.instrument = 'analgesic' then 's' || (r.answers->>'stop_date') end,
      case when r.opioid_any or r.instrument = 'analgesic' then 'i' || r.instance end)
  $$`;

const READ = sql`create function cohort_form_read(r response) returns text
  language sql stable parallel safe as $$
    select case ${sql.join(
      Object.entries(KEPT).map(([instrument, { items, visits }]) => {
        const atVisits = visits ? sql` and r.visit in (${sql.join(visits.map((v) => sql.lit(v)))})` : sql``;
        return sql`when r.instrument = ${sql.lit(instrument)}${atVisits} then
          '[' || to_json(r.instrument)::text || ',' || to_json(r.study_id)::text || ','
          || to_json(r.visit)::text || ',' || r.id || ',' || ${sql.join(items.map(value), sql` || ',' || `)} || ']'`;
      }),
      sql` `,
    )} end
  $$`;

const CAPTURE = sql`create function cohort_form_response() returns trigger language plpgsql as $$
  begin
    if tg_op <> 'INSERT' then
      delete from cohort_form f using old_rows o where f.id = o.id;
    end if;
    if tg_op <> 'DELETE' then
      insert into cohort_form (id, line, read)
      select n.id, cohort_form_line(n), cohort_form_read(n) from new_rows n where n.status <> 'draft';
    end if;
    return null;
  end
$$`;

const UP = [
  sql`create table cohort_form (id bigint primary key, line text not null, read text)`,
  ITEMS,
  LINE,
  READ,
  CAPTURE,
  sql`create trigger response_cohort_insert after insert on response
    referencing new table as new_rows for each statement execute function cohort_form_response()`,
  sql`create trigger response_cohort_update after update on response
    referencing old table as old_rows new table as new_rows for each statement execute function cohort_form_response()`,
  sql`create trigger response_cohort_delete after delete on response
    referencing old table as old_rows for each statement execute function cohort_form_response()`,
  // Rows for the forms already entered.
  sql`insert into cohort_form (id, line, read)
    select r.id, cohort_form_line(r), cohort_form_read(r) from response r where r.status <> 'draft'`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const op of ['insert', 'update', 'delete']) {
    await sql`drop trigger if exists ${sql.raw(`response_cohort_${op}`)} on response`.execute(db);
  }
  await sql`drop function if exists cohort_form_response()`.execute(db);
  await sql`drop function if exists cohort_form_read(response)`.execute(db);
  await sql`drop function if exists cohort_form_line(response)`.execute(db);
  await sql`drop function if exists cohort_form_items()`.execute(db);
  await sql`drop table if exists cohort_form`.execute(db);
}
