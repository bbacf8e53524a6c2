import { type Kysely, sql } from 'kysely';
import { ROW_TEXT_SETTINGS } from './0004-faster-row-hash.js';

/*
 * The clinical workflow (issue 8, queries, sign and lock, source data verification):
 * - query: who the query is assigned to (a user of the subject's site; null: the site's staff);
 * - query_message: the thread of a query, one row per raise, answer, close and reopen; never deleted;
 * - signature: an investigator's electronic signature of one form, bound to a sha256 of the signed
 *   version; voided (kept, with when, who and why), never deleted;
 * - sdv: a monitor's source data verification of a form or one item, at a version; marked stale
 *   (kept, with when and why) when the data verified change.
 * Every new patient table carries site_id and joins the row-level audit as 0003-visit did, with
 * the v2 row hash of 0004-faster-row-hash. Plain SQL within PostgreSQL 15.
 */

/** The tables this migration audits, with the column that names a row (frozen here). */
const TABLES: Readonly<Record<string, string>> = {
  query_message: 'id',
  signature: 'id',
  sdv: 'id',
};

const FUNCTION_SETTINGS = sql.raw(
  Object.entries(ROW_TEXT_SETTINGS)
    .map(([k, v]) => `set ${k} to '${v}'`)
    .join(' '),
);

function captureFunction(table: string, key: string) {
  const k = sql.raw(`${key}::text`);
  const t = sql.lit(table);
  return sql`create function ${sql.raw(`audit_capture_${table}`)}() returns trigger language plpgsql ${FUNCTION_SETTINGS} as $$
    begin
      if tg_op in ('INSERT', 'UPDATE') then
        insert into audit_pending (tbl, keys, hashes)
        select ${t}, array_agg(n.${k}), array_agg(audit_row_hash_v2(n::text)) from new_rows n having count(*) > 0;
      end if;
      if tg_op = 'UPDATE' then
        insert into audit_pending (tbl, keys, hashes)
        select ${t}, array_agg(o.${k}), array_agg(null::text) from old_rows o
        where not exists (select from new_rows n where n.${k} = o.${k}) having count(*) > 0;
      elsif tg_op = 'DELETE' then
        insert into audit_pending (tbl, keys, hashes)
        select ${t}, array_agg(o.${k}), array_agg(null::text) from old_rows o having count(*) > 0;
      end if;
      return null;
    end
  $$`;
}

function captureTriggers(table: string, key: string) {
  const fn = sql.raw(`audit_capture_${table}()`);
  const name = (op: string) => sql.raw(`${table}_audit_${op}`);
  const tbl = sql.table(table);
  return [
    captureFunction(table, key),
    sql`create trigger ${name('insert')} after insert on ${tbl}
      referencing new table as new_rows for each statement execute function ${fn}`,
    sql`create trigger ${name('update')} after update on ${tbl}
      referencing old table as old_rows new table as new_rows for each statement execute function ${fn}`,
    sql`create trigger ${name('delete')} after delete on ${tbl}
      referencing old table as old_rows for each statement execute function ${fn}`,
  ];
}

const UP = [
  // Nullable, added last: rows recorded before keep their row hashes (trailing nulls are trimmed).
  sql`alter table query add column assigned_to text`,
  sql`create index query_assigned_to_idx on query (assigned_to) where status <> 'closed'`,
  sql`create table query_message (
    id bigint generated always as identity primary key,
    query_id bigint not null references query (id),
    site_id text not null,
    study_id text not null,
    kind text not null check (kind in ('raise', 'answer', 'close', 'reopen')),
    author text not null,
    at timestamptz not null,
    text text not null check (length(text) between 1 and 4000),
    -- An answer by amendment: the response's version the amendment made.
    response_version integer,
    foreign key (study_id, site_id) references subject (study_id, site_id) on update cascade
  )`,
  sql`create index query_message_query_idx on query_message (query_id, id)`,
  sql`create table signature (
    id bigint generated always as identity primary key,
    site_id text not null,
    study_id text not null,
    response_id bigint not null references response (id),
    response_version integer not null,
    content_sha256 text not null check (content_sha256 ~ '^[0-9a-f]{64}$'),
    signed_by text not null,
    signer_role text not null,
    meaning text not null,
    signed_at timestamptz not null,
    scope text not null check (scope in ('form', 'visit')),
    void_at timestamptz,
    void_by text,
    void_reason text,
    check ((void_at is null) = (void_reason is null)),
    foreign key (study_id, site_id) references subject (study_id, site_id) on update cascade
  )`,
  // At most one signature in force per form.
  sql`create unique index signature_in_force_idx on signature (response_id) where void_at is null`,
  sql`create index signature_response_idx on signature (response_id, id)`,
  sql`create index signature_site_idx on signature (site_id)`,
  sql`create table sdv (
    id bigint generated always as identity primary key,
    site_id text not null,
    study_id text not null,
    response_id bigint not null references response (id),
    -- null: the whole form.
    item text,
    response_version integer not null,
    verified_by text not null,
    verified_at timestamptz not null,
    stale_at timestamptz,
    stale_reason text,
    check ((stale_at is null) = (stale_reason is null)),
    foreign key (study_id, site_id) references subject (study_id, site_id) on update cascade
  )`,
  sql`create index sdv_response_idx on sdv (response_id, id)`,
  sql`create index sdv_site_idx on sdv (site_id)`,
  ...Object.entries(TABLES).flatMap(([table, key]) => captureTriggers(table, key)),
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of Object.keys(TABLES)) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
    await sql`drop function if exists ${sql.raw(`audit_capture_${table}()`)}`.execute(db);
  }
  await sql`alter table query drop column if exists assigned_to`.execute(db);
}
