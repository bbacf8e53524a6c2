import { type Kysely, sql } from 'kysely';

/*
 * ePRO invitations and reminders (issue 9 §4). Each subject's contact for ePRO lives with the other
 * identifiers (subject_identity, read by the subject's own site only). `job` is the work queue that
 * any number of `sifreg serve` processes share: a worker claims a due row with FOR UPDATE SKIP LOCKED,
 * and a claim older than the lease is taken over (the claimer crashed). `epro_message` is the send
 * log: one row per subject x visit x message, unique, written in the transaction that finishes the
 * job, so a message is recorded (and sent) once however many workers run. No row holds a link token.
 */

const UP = [
  // Nullable, no default, at the end: the audited rows' hashes (audit_row_hash_v2 trims trailing
  // nulls) stay as they were. Null channel: e-mail when an address is on file.
  sql`alter table subject_identity
    add column contact_channel text check (contact_channel in ('email', 'phone', 'in_clinic')),
    add column email_declined_at timestamptz`,
  sql`alter table site add column epro_greeting text check (length(epro_greeting) between 1 and 200)`,
  sql`create table job (
    id bigint generated always as identity primary key,
    kind text not null check (kind ~ '^[a-z][a-z0-9_.-]{0,59}$'),
    key text not null unique check (length(key) between 1 and 300),
    payload jsonb not null default '{}',
    run_at timestamptz not null,
    claimed_by text,
    claimed_at timestamptz,
    done_at timestamptz,
    attempts integer not null default 0 check (attempts >= 0),
    last_error text
  )`,
  sql`create index job_due_idx on job (run_at) where done_at is null`,
  sql`create table epro_message (
    id bigint generated always as identity primary key,
    key text not null unique,
    job_id bigint references job (id),
    site_id text not null,
    study_id text not null,
    visit text not null,
    kind text not null check (kind in ('invitation', 'reminder')),
    seq integer not null default 0 check (seq >= 0),
    outcome text not null check (outcome in ('sent', 'outbox', 'sent_by_hand', 'skipped', 'bounced', 'failed')),
    reason text,
    created_at timestamptz not null,
    sent_at timestamptz,
    foreign key (study_id, site_id) references subject (study_id, site_id) on update cascade
  )`,
  sql`create index epro_message_site_idx on epro_message (site_id, created_at desc)`,
  sql`create index epro_message_subject_idx on epro_message (study_id, visit)`,
];

const DOWN = [
  sql`drop table epro_message`,
  sql`drop table job`,
  sql`alter table site drop column epro_greeting`,
  sql`alter table subject_identity drop column email_declined_at, drop column contact_channel`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await statement.execute(db);
}
