import { type Kysely, sql } from 'kysely';

/*
 * The visit: the date a subject's visit took place and how (clinic, phone, ePRO), or that it was
 * missed and why; one row per subject and visit, site_id on the row (DESIGN.md, data essentials).
 * Window status (early, in window, late) is not stored: schedule/ derives it from this date.
 * The table joins the row-level audit the way 0002-row-audit set it up for the first tables (its
 * own list stays frozen): a statement-level capture trigger per operation.
 */

const HASH_SETTINGS = sql.raw(`set timezone to 'UTC' set extra_float_digits to 1`);

// As in 0002-row-audit: the changed rows' keys and content hashes into audit_pending, one array row
// per statement; appendAudit links them to the transaction's event.
const CAPTURE = sql`create function audit_capture_visit() returns trigger language plpgsql ${HASH_SETTINGS} as $$
    begin
      if tg_op in ('INSERT', 'UPDATE') then
        insert into audit_pending (tbl, keys, hashes)
        select 'visit', array_agg(n.id::text), array_agg(audit_row_hash(to_jsonb(n))) from new_rows n having count(*) > 0;
      end if;
      if tg_op = 'UPDATE' then
        insert into audit_pending (tbl, keys, hashes)
        select 'visit', array_agg(o.id::text), array_agg(null::text) from old_rows o
        where not exists (select from new_rows n where n.id = o.id) having count(*) > 0;
      elsif tg_op = 'DELETE' then
        insert into audit_pending (tbl, keys, hashes)
        select 'visit', array_agg(o.id::text), array_agg(null::text) from old_rows o having count(*) > 0;
      end if;
      return null;
    end
  $$`;

const UP = [
  sql`create table visit (
    id bigint generated always as identity primary key,
    site_id text not null,
    study_id text not null,
    visit text not null,
    visit_date date,
    mode text check (mode in ('clinic', 'phone', 'epro')),
    missed_reason text check (length(missed_reason) between 1 and 500),
    entered_by text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    unique (study_id, visit),
    foreign key (study_id, site_id) references subject (study_id, site_id) on update cascade,
    -- Done (a date and how) or missed (a reason), never both, never neither.
    check ((visit_date is not null and mode is not null and missed_reason is null)
        or (visit_date is null and mode is null and missed_reason is not null))
  )`,
  sql`create index visit_site_idx on visit (site_id)`,
  CAPTURE,
  sql`create trigger visit_audit_insert after insert on visit
    referencing new table as new_rows for each statement execute function audit_capture_visit()`,
  sql`create trigger visit_audit_update after update on visit
    referencing old table as old_rows new table as new_rows for each statement execute function audit_capture_visit()`,
  sql`create trigger visit_audit_delete after delete on visit
    referencing old table as old_rows for each statement execute function audit_capture_visit()`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const op of ['insert', 'update', 'delete']) {
    await sql`drop trigger if exists ${sql.raw(`visit_audit_${op}`)} on visit`.execute(db);
  }
  await sql`drop function if exists audit_capture_visit()`.execute(db);
  await sql`drop table if exists visit`.execute(db);
}
