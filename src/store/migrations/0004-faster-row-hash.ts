import { type Kysely, sql } from 'kysely';

/*
 * A cheaper row hash for the row-level audit (docs/database.md, "Audit trail"). 0002-row-audit hashed
 * a row's JSON (to_jsonb, strip nulls, print): most of the cost of writing a form. The row's own
 * text form (the record as PostgreSQL prints it, column by column) carries the same content at a
 * quarter of the cost. The new hashes are marked `v2:`, so the rows recorded before this migration
 * keep their JSON hashes and are still checked against them (audit-verify.ts): nothing is rehashed,
 * and a row changed behind the registry's back before the upgrade is still named after it.
 */

/**
 * The audited tables and the column that names a row, frozen here (0002's six and 0003's visit): a
 * table audited later gets its capture trigger from its own migration, with audit_row_hash_v2.
 */
const TABLES: Readonly<Record<string, string>> = {
  site: 'id',
  app_user: 'id',
  subject: 'study_id',
  subject_identity: 'study_id',
  response: 'id',
  query: 'id',
  visit: 'id',
};

/**
 * Every setting a row's text form depends on, fixed: dates and timestamps (DateStyle, TimeZone),
 * float8 digits, intervals and bytea. audit-verify.ts sets the same for its own comparison.
 */
export const ROW_TEXT_SETTINGS: Readonly<Record<string, string>> = {
  datestyle: 'ISO, YMD',
  timezone: 'UTC',
  extra_float_digits: '1',
  intervalstyle: 'postgres',
  bytea_output: 'hex',
};

const FUNCTION_SETTINGS = sql.raw(
  Object.entries(ROW_TEXT_SETTINGS)
    .map(([k, v]) => `set ${k} to '${v}'`)
    .join(' '),
);

/** The row hash of each version: v2 from the row's text form, the JSON hash of 0002 for `down`. */
const V2 = { settings: FUNCTION_SETTINGS, hash: sql.raw('audit_row_hash_v2(n::text)') };
const V1 = {
  settings: sql.raw(`set timezone to 'UTC' set extra_float_digits to 1`),
  hash: sql.raw('audit_row_hash(to_jsonb(n))'),
};

function captureFunction(table: string, key: string, version: typeof V2) {
  const k = sql.raw(`${key}::text`);
  const t = sql.lit(table);
  return sql`create or replace function ${sql.raw(`audit_capture_${table}`)}() returns trigger language plpgsql ${version.settings} as $$
    begin
      if tg_op in ('INSERT', 'UPDATE') then
        insert into audit_pending (tbl, keys, hashes)
        select ${t}, array_agg(n.${k}), array_agg(${version.hash}) from new_rows n having count(*) > 0;
      end if;
      if tg_op = 'UPDATE' then
        -- A key changed by the update (ON UPDATE CASCADE): the old key is gone.
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

const UP = [
  // Canonical content of a row: its text form without the trailing null columns (a nullable column
  // added later leaves old rows' hashes as they were; an unquoted value never ends in ',' or ')'),
  // UTF-8, sha256 in hex, marked v2.
  sql`create function audit_row_hash_v2(row_text text) returns text language sql immutable parallel safe as $$
    select 'v2:' || encode(sha256(convert_to(rtrim(row_text, ',)'), 'UTF8')), 'hex')
  $$`,
  ...Object.entries(TABLES).map(([table, key]) => captureFunction(table, key, V2)),
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Back to the JSON hash of 0002 (and 0003 for visit); rows recorded meanwhile keep their v2 hashes.
  for (const [table, key] of Object.entries(TABLES)) await captureFunction(table, key, V1).execute(db);
  await sql`drop function if exists audit_row_hash_v2(text)`.execute(db);
}
