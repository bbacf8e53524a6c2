import { type Kysely, sql, type Transaction } from 'kysely';
import { appendAuditBatch, captureAllRows } from '../audit.js';
import type { Database } from '../schema.js';

/*
 * Row-level audit (docs/database.md, "Audit trail"). Statement-level AFTER triggers with transition
 * tables record, for every changed row of a patient table, its key and the sha256 of its content
 * into audit_pending (one array row per statement, so COPY and multi-row inserts stay cheap);
 * appendAudit moves the transaction's entries into the append-only audit_row, linked to the event
 * whose hash covers their digest. Plain SQL within PostgreSQL 15.
 */

/**
 * The tables this migration audits, frozen here: a table audited later gets its triggers from its
 * own migration (and joins AUDITED_TABLES in audit.ts), so this one still runs on a new database.
 */
const TABLES: Readonly<Record<string, string>> = {
  site: 'id',
  app_user: 'id',
  subject: 'study_id',
  subject_identity: 'study_id',
  response: 'id',
  query: 'id',
};

const HASH_SETTINGS = sql.raw(`set timezone to 'UTC' set extra_float_digits to 1`);

function triggerFunction(table: string, key: string) {
  const k = sql.raw(`${key}::text`);
  const t = sql.lit(table);
  // Timezone and float digits fixed for the function: the row's JSON form must not depend on the
  // session (timestamptz renders in the session time zone, float8 by extra_float_digits).
  return sql`create function ${sql.raw(`audit_capture_${table}`)}() returns trigger language plpgsql ${HASH_SETTINGS} as $$
    begin
      if tg_op in ('INSERT', 'UPDATE') then
        insert into audit_pending (tbl, keys, hashes)
        select ${t}, array_agg(n.${k}), array_agg(audit_row_hash(to_jsonb(n))) from new_rows n having count(*) > 0;
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
  sql`alter table audit_event add column rows_digest text check (rows_digest ~ '^[0-9a-f]{64}$')`,
  // Canonical content of a row: its JSON without null members (a nullable column added later does
  // not change old rows' hashes), as jsonb prints it (keys sorted), UTF-8, sha256 in hex.
  sql`create function audit_row_hash(r jsonb) returns text language sql immutable parallel safe as $$
    select encode(sha256(convert_to(jsonb_strip_nulls(r)::text, 'UTF8')), 'hex')
  $$`,
  sql`create table audit_pending (
    id bigint generated always as identity primary key,
    txid bigint not null default txid_current(),
    tbl text not null,
    keys text[] not null,
    hashes text[] not null
  )`,
  sql`create index audit_pending_txid_idx on audit_pending (txid)`,
  // No foreign key to audit_event: TRUNCATE audit_event must meet its own append-only trigger, and
  // audit verify reports entries whose event is gone.
  sql`create table audit_row (
    event_id bigint not null,
    tbl text not null,
    key text not null,
    hash text,
    primary key (event_id, tbl, key)
  )`,
  sql`create function audit_append_only() returns trigger language plpgsql as $$
    begin
      raise exception '% is append-only: % is not allowed', tg_table_name, tg_op
        using errcode = 'insufficient_privilege';
    end
  $$`,
  sql`create trigger audit_row_no_update_delete before update or delete on audit_row
    for each statement execute function audit_append_only()`,
  sql`create trigger audit_row_no_truncate before truncate on audit_row
    for each statement execute function audit_append_only()`,
  ...Object.entries(TABLES).flatMap(([table, key]) => {
    const fn = sql.raw(`audit_capture_${table}()`);
    const name = (op: string) => sql.raw(`${table}_audit_${op}`);
    const tbl = sql.table(table);
    return [
      triggerFunction(table, key),
      sql`create trigger ${name('insert')} after insert on ${tbl}
        referencing new table as new_rows for each statement execute function ${fn}`,
      sql`create trigger ${name('update')} after update on ${tbl}
        referencing old table as old_rows new table as new_rows for each statement execute function ${fn}`,
      sql`create trigger ${name('delete')} after delete on ${tbl}
        referencing old table as old_rows for each statement execute function ${fn}`,
    ];
  }),
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await statement.execute(db);
  // A registry that already holds data: one baseline event records every existing row, so later
  // changes are measured against what was there at the upgrade.
  const trx = db as unknown as Transaction<Database>;
  if (await captureAllRows(trx, TABLES)) {
    await appendAuditBatch(trx, [
      {
        at: new Date(),
        actor: 'sifreg',
        action: 'audit.baseline',
        siteId: null,
        entity: 'registry',
        entityId: 'rows',
        reason: 'row-level audit introduced (migration 0002-row-audit)',
      },
    ]);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of Object.keys(TABLES)) {
    for (const op of ['insert', 'update', 'delete']) {
      await sql`drop trigger if exists ${sql.raw(`${table}_audit_${op}`)} on ${sql.table(table)}`.execute(db);
    }
    await sql`drop function if exists ${sql.raw(`audit_capture_${table}()`)}`.execute(db);
  }
  await sql`drop table if exists audit_row`.execute(db);
  await sql`drop table if exists audit_pending`.execute(db);
  await sql`drop function if exists audit_append_only()`.execute(db);
  await sql`drop function if exists audit_row_hash(jsonb)`.execute(db);
  await sql`alter table audit_event drop column if exists rows_digest`.execute(db);
}
