import { type Kysely, sql } from 'kysely';

/*
 * What the staff web application keeps in PostgreSQL so that any number of `sifreg serve` processes
 * behave as one (DESIGN.md, scale): sessions (only the sha256 of the browser's 256-bit id is stored),
 * site membership for users who work at several sites, and failed sign-ins for backoff and lockout.
 * None of these hold patient data, so none joins the row-level audit; sign-ins, sign-outs and
 * failures are audit events written by the use cases.
 */

const UP = [
  sql`alter table app_user add column full_name text check (length(full_name) between 1 and 200)`,
  sql`create table user_site (
    user_id uuid not null references app_user (id),
    site_id text not null references site (id),
    primary key (user_id, site_id)
  )`,
  sql`insert into user_site (user_id, site_id) select id, site_id from app_user where site_id is not null`,
  sql`create table web_session (
    id_hash text primary key check (id_hash ~ '^[0-9a-f]{64}$'),
    user_id uuid not null references app_user (id),
    active_site_id text references site (id),
    created_at timestamptz not null,
    last_seen_at timestamptz not null,
    expires_at timestamptz not null,
    ended_at timestamptz
  )`,
  sql`create index web_session_user_idx on web_session (user_id) where ended_at is null`,
  sql`create table login_failure (
    id bigint generated always as identity primary key,
    username text not null,
    ip text not null,
    at timestamptz not null
  )`,
  sql`create index login_failure_username_idx on login_failure (username, at)`,
  sql`create index login_failure_ip_idx on login_failure (ip, at)`,
];

const DOWN = [
  sql`drop table login_failure`,
  sql`drop table web_session`,
  sql`drop table user_site`,
  sql`alter table app_user drop column full_name`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await statement.execute(db);
}
