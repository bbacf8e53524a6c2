import { type Kysely, sql } from 'kysely';

/*
 * The patient pages' language per site and the texts a site installs (issue 9 §2, docs/epro.md):
 * a message catalog in a language, or the site's licensed ODI wording in a language (with its
 * licence statement). One live row per site, kind and language; installing again replaces it
 * (replaced_at set, the row kept), and the audit event records who and when.
 */

const LANGUAGE = `'^[a-z]{2,3}(-[A-Z]{2})?$'`;

const UP = [
  // Nullable, no default, at the end: audited site rows keep their hashes. Null: English.
  sql`alter table site add column language text check (language ~ ${sql.raw(LANGUAGE)})`,
  sql`create table site_text (
    id bigint generated always as identity primary key,
    site_id text not null references site (id) on update cascade,
    kind text not null check (kind in ('catalog', 'odi')),
    language text not null check (language ~ ${sql.raw(LANGUAGE)}),
    body jsonb not null,
    licence text check (length(licence) between 1 and 2000),
    installed_by text not null,
    installed_at timestamptz not null,
    replaced_at timestamptz,
    check (kind <> 'odi' or licence is not null)
  )`,
  sql`create unique index site_text_live_idx on site_text (site_id, kind, language) where replaced_at is null`,
];

const DOWN = [sql`drop table site_text`, sql`alter table site drop column language`];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await statement.execute(db);
}
