import { type Kysely, sql } from 'kysely';

/*
 * Patient ePRO links (issue 9 §1). One link per subject x visit: the browser holds a 256-bit token,
 * the database only its sha256. A link works from when the visit window opens until it closes, at
 * most the protocol's link lifetime. Patient sessions, failed token guesses per address, patient
 * drafts (page by page) and patient-reported adverse event candidates live here too, all in
 * PostgreSQL so that any number of `sifreg serve` processes behave as one. No row holds a token.
 */

const UP = [
  // Nullable, no default, at the end: audited site rows keep their hashes. True: the patient gives
  // the year of birth before the pages open (a guard against a mis-sent link, not authentication).
  sql`alter table site add column epro_year_check boolean`,
  sql`create table epro_link (
    id bigint generated always as identity primary key,
    hash text not null unique check (hash ~ '^[0-9a-f]{64}$'),
    study_id text not null,
    site_id text not null,
    visit text not null,
    created_at timestamptz not null,
    created_by text not null,
    valid_from timestamptz not null,
    valid_to timestamptz not null check (valid_to > valid_from),
    revoked_at timestamptz,
    opened_at timestamptz,
    submitted_at timestamptz,
    year_failures integer not null default 0 check (year_failures >= 0),
    locked_at timestamptz,
    foreign key (study_id, site_id) references subject (study_id, site_id) on update cascade
  )`,
  // At most one live link per subject x visit: making a new one revokes the old in the same transaction.
  sql`create unique index epro_link_live_idx on epro_link (study_id, visit) where revoked_at is null`,
  sql`create table epro_session (
    id_hash text primary key check (id_hash ~ '^[0-9a-f]{64}$'),
    link_id bigint not null references epro_link (id),
    created_at timestamptz not null,
    last_seen_at timestamptz not null,
    expires_at timestamptz not null,
    year_checked boolean not null default false
  )`,
  sql`create index epro_session_link_idx on epro_session (link_id)`,
  sql`create table epro_token_failure (
    id bigint generated always as identity primary key,
    ip text not null,
    at timestamptz not null
  )`,
  sql`create index epro_token_failure_ip_idx on epro_token_failure (ip, at)`,
  sql`create table epro_draft (
    link_id bigint not null references epro_link (id),
    page text not null,
    answers jsonb not null,
    updated_at timestamptz not null,
    primary key (link_id, page)
  )`,
  sql`create table epro_ae_candidate (
    id bigint generated always as identity primary key,
    link_id bigint not null references epro_link (id) unique,
    study_id text not null,
    site_id text not null,
    visit text not null,
    description text not null check (length(description) between 1 and 2000),
    created_at timestamptz not null,
    status text not null default 'pending' check (status in ('pending', 'confirmed', 'rejected')),
    decided_by text,
    decided_at timestamptz,
    foreign key (study_id, site_id) references subject (study_id, site_id) on update cascade
  )`,
];

const DOWN = [
  sql`drop table epro_ae_candidate`,
  sql`drop table epro_draft`,
  sql`drop table epro_token_failure`,
  sql`drop table epro_session`,
  sql`drop table epro_link`,
  sql`alter table site drop column epro_year_check`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await statement.execute(db);
}
