import { type Kysely, sql } from 'kysely';

/*
 * The checks that a column holds a sha256 in lowercase hex, written as `octet_length(x) = 64 and
 * x !~ '[^0-9a-f]'` instead of `x ~ '^[0-9a-f]{64}$'`: the same strings pass (64 bytes, none outside
 * 0-9 a-f; NULL passes both), but PostgreSQL's regular expressions run a bounded repeat slowly, and
 * an audit event has two or three of these checks: 15 µs of server CPU per event, 1.5 s of the
 * 98,531 events at the end of a 13 M-row import (issue 6, the import budget). Same constraint names.
 */
const HEX64: readonly [table: string, column: string][] = [
  ['audit_event', 'hash'],
  ['audit_event', 'prev_hash'],
  ['audit_event', 'rows_digest'],
  ['signature', 'content_sha256'],
  ['epro_link', 'hash'],
  ['epro_session', 'id_hash'],
  ['web_session', 'id_hash'],
];

async function replace(db: Kysely<unknown>, check: (column: string) => string): Promise<void> {
  for (const [table, column] of HEX64) {
    const name = `${table}_${column}_check`;
    await sql`alter table ${sql.table(table)} drop constraint ${sql.ref(name)},
      add constraint ${sql.ref(name)} check (${sql.raw(check(column))})`.execute(db);
  }
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await replace(db, (c) => `octet_length(${c}) = 64 and ${c} !~ '[^0-9a-f]'`);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await replace(db, (c) => `${c} ~ '^[0-9a-f]{64}$'`);
}
