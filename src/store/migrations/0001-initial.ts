import { type Kysely, sql } from 'kysely';

// Plain SQL within PostgreSQL 15 (CI runs Debian's 15; the embedded server is 17). Every patient
// table carries site_id, the distribution column if the registry is ever sharded with Citus.
const UP = [
  sql`create table site (
    id text primary key check (id ~ '^[A-Z][A-Z0-9]{1,11}$'),
    name text not null,
    created_at timestamptz not null default now()
  )`,
  sql`create table site_sequence (
    site_id text primary key references site (id),
    last_seq integer not null default 0 check (last_seq >= 0)
  )`,
  sql`create table app_user (
    id uuid primary key default gen_random_uuid(),
    username text not null unique,
    password_hash text not null,
    role text not null check (role in ('admin', 'coordinator', 'investigator', 'monitor', 'statistician')),
    site_id text references site (id),
    created_at timestamptz not null default now(),
    disabled_at timestamptz,
    constraint app_user_site_staff_have_site
      check (role not in ('coordinator', 'investigator') or site_id is not null)
  )`,
  sql`create table subject (
    study_id text primary key,
    site_id text not null references site (id),
    seq integer not null,
    status text not null check (status in ('screened', 'enrolled', 'treated', 'withdrawn', 'completed')),
    enrolled_on date not null,
    index_date date,
    date_shift_days integer not null,
    protocol_id text not null,
    protocol_version text not null,
    version integer not null default 1,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (site_id, seq),
    -- Target of the (study_id, site_id) foreign keys: a row's site always matches its subject's.
    unique (study_id, site_id)
  )`,
  sql`create table subject_identity (
    study_id text primary key,
    site_id text not null,
    family_name text,
    given_name text,
    mrn text,
    birth_date date,
    phone text,
    email text,
    foreign key (study_id, site_id) references subject (study_id, site_id) on update cascade
  )`,
  sql`create table response (
    id bigint generated always as identity primary key,
    site_id text not null,
    study_id text not null,
    visit text not null,
    instrument text not null,
    instance integer not null default 1 check (instance >= 1),
    instrument_version text not null,
    protocol_version text not null,
    answers jsonb not null,
    scores jsonb not null default '{}',
    pain_nrs double precision,
    odi_pct double precision,
    mme_day double precision,
    opioid_any boolean,
    status text not null check (status in ('draft', 'complete', 'locked', 'signed')),
    version integer not null default 1,
    entered_by text not null,
    entered_by_kind text not null check (entered_by_kind in ('staff', 'patient')),
    collected_on date,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    locked_by text,
    locked_at timestamptz,
    signed_by text,
    signed_at timestamptz,
    unique (study_id, visit, instrument, instance),
    foreign key (study_id, site_id) references subject (study_id, site_id) on update cascade
  )`,
  sql`create index response_site_id_idx on response (site_id)`,
  sql`create index response_instrument_visit_idx on response (instrument, visit)`,
  sql`create table query (
    id bigint generated always as identity primary key,
    site_id text not null,
    study_id text not null,
    response_id bigint not null references response (id),
    item text not null,
    status text not null default 'open' check (status in ('open', 'answered', 'closed')),
    text text not null,
    answer text,
    raised_by text not null,
    raised_at timestamptz not null default now(),
    answered_by text,
    answered_at timestamptz,
    closed_by text,
    closed_at timestamptz,
    foreign key (study_id, site_id) references subject (study_id, site_id) on update cascade
  )`,
  sql`create index query_site_id_status_idx on query (site_id, status)`,
  sql`create index query_response_id_idx on query (response_id)`,
  sql`create table audit_event (
    id bigint generated always as identity primary key,
    at timestamptz not null,
    actor text not null,
    action text not null,
    site_id text,
    entity text not null,
    entity_id text not null,
    before jsonb,
    after jsonb,
    reason text,
    prev_hash text not null check (prev_hash ~ '^[0-9a-f]{64}$'),
    hash text not null unique check (hash ~ '^[0-9a-f]{64}$')
  )`,
  sql`create index audit_event_entity_idx on audit_event (entity, entity_id)`,
  // Append-only in the database itself: statement-level, so even an UPDATE or DELETE that matches
  // no row is refused. Only a superuser or the table owner can switch this off (DISABLE TRIGGER),
  // and the hash chain then shows what was changed.
  sql`create function audit_event_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_event is append-only: % is not allowed', tg_op
        using errcode = 'insufficient_privilege';
    end
  $$`,
  sql`create trigger audit_event_no_update_delete before update or delete on audit_event
    for each statement execute function audit_event_append_only()`,
  sql`create trigger audit_event_no_truncate before truncate on audit_event
    for each statement execute function audit_event_append_only()`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['audit_event', 'query', 'response', 'subject_identity', 'subject', 'app_user']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
  await sql`drop table if exists site_sequence`.execute(db);
  await sql`drop table if exists site`.execute(db);
  await sql`drop function if exists audit_event_append_only()`.execute(db);
}
