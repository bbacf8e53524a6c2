import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';
import { appliedMigrations, migrateToLatest } from './migrate.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.insertInto('site').values({ id: 'VCU', name: 'Virginia Commonwealth University' }).execute();
  await t.db.insertInto('site').values({ id: 'APMSS', name: 'Atlantic Pain Management' }).execute();
  await t.db.insertInto('site_sequence').values({ site_id: 'VCU' }).execute();
  await t.db
    .insertInto('subject')
    .values({
      study_id: 'VCU-0001',
      site_id: 'VCU',
      seq: 1,
      status: 'enrolled',
      enrolled_on: '2026-01-05',
      date_shift_days: -17,
      protocol_id: 'sacroplasty-sif',
      protocol_version: '1.0',
    })
    .execute();
});
afterAll(() => t.destroy());

const response = (over: Record<string, unknown> = {}) => ({
  site_id: 'VCU',
  study_id: 'VCU-0001',
  visit: 'baseline',
  instrument: 'pain',
  instrument_version: '1',
  protocol_version: '1.0',
  answers: JSON.stringify({ pain_now: 7 }),
  status: 'complete' as const,
  entered_by: 'cora.vcu',
  entered_by_kind: 'staff' as const,
  ...over,
});

describe('schema', () => {
  test('the migrations create every table with the agreed columns', async () => {
    const { rows } = await sql<{ table_name: string; columns: string }>`
      select table_name, string_agg(column_name, ',' order by ordinal_position) as columns
      from information_schema.columns where table_schema = current_schema()
      group by table_name order by table_name`.execute(t.db);
    expect(Object.fromEntries(rows.map((r) => [r.table_name, r.columns.split(',')]))).toEqual({
      app_user: [
        'id',
        'username',
        'password_hash',
        'role',
        'site_id',
        'created_at',
        'disabled_at',
        'full_name',
      ],
      audit_event: [
        'id',
        'at',
        'actor',
        'action',
        'site_id',
        'entity',
        'entity_id',
        'before',
        'after',
        'reason',
        'prev_hash',
        'hash',
        'rows_digest',
      ],
      audit_pending: ['id', 'txid', 'tbl', 'keys', 'hashes'],
      audit_row: ['event_id', 'tbl', 'key', 'hash'],
      care_tally: ['layout', 'study_id', 'site_id', 'valid_from', 'valid_until', 'counts'],
      care_tally_state: ['layout', 'through_event', 'valid_from', 'valid_until'],
      cohort_form: ['id', 'line', 'read'],
      kysely_migration: ['name', 'timestamp'],
      kysely_migration_lock: ['id', 'is_locked'],
      query: [
        'id',
        'site_id',
        'study_id',
        'response_id',
        'item',
        'status',
        'text',
        'answer',
        'raised_by',
        'raised_at',
        'answered_by',
        'answered_at',
        'closed_by',
        'closed_at',
        'assigned_to',
      ],
      query_message: [
        'id',
        'query_id',
        'site_id',
        'study_id',
        'kind',
        'author',
        'at',
        'text',
        'response_version',
      ],
      sdv: [
        'id',
        'site_id',
        'study_id',
        'response_id',
        'item',
        'response_version',
        'verified_by',
        'verified_at',
        'stale_at',
        'stale_reason',
      ],
      signature: [
        'id',
        'site_id',
        'study_id',
        'response_id',
        'response_version',
        'content_sha256',
        'signed_by',
        'signer_role',
        'meaning',
        'signed_at',
        'scope',
        'void_at',
        'void_by',
        'void_reason',
      ],
      response: [
        'id',
        'site_id',
        'study_id',
        'visit',
        'instrument',
        'instance',
        'instrument_version',
        'protocol_version',
        'answers',
        'scores',
        'pain_nrs',
        'odi_pct',
        'mme_day',
        'opioid_any',
        'status',
        'version',
        'entered_by',
        'entered_by_kind',
        'collected_on',
        'created_at',
        'updated_at',
        'locked_by',
        'locked_at',
        'signed_by',
        'signed_at',
        'missing',
      ],
      login_failure: ['id', 'username', 'ip', 'at'],
      job: [
        'id',
        'kind',
        'key',
        'payload',
        'run_at',
        'claimed_by',
        'claimed_at',
        'done_at',
        'attempts',
        'last_error',
      ],
      epro_ae_candidate: [
        'id',
        'link_id',
        'study_id',
        'site_id',
        'visit',
        'description',
        'created_at',
        'status',
        'decided_by',
        'decided_at',
      ],
      epro_draft: ['link_id', 'page', 'answers', 'updated_at'],
      epro_message: [
        'id',
        'key',
        'job_id',
        'site_id',
        'study_id',
        'visit',
        'kind',
        'seq',
        'outcome',
        'reason',
        'created_at',
        'sent_at',
      ],
      epro_link: [
        'id',
        'hash',
        'study_id',
        'site_id',
        'visit',
        'created_at',
        'created_by',
        'valid_from',
        'valid_to',
        'revoked_at',
        'opened_at',
        'submitted_at',
        'year_failures',
        'locked_at',
      ],
      epro_session: ['id_hash', 'link_id', 'created_at', 'last_seen_at', 'expires_at', 'year_checked'],
      epro_token_failure: ['id', 'ip', 'at'],
      site: ['id', 'name', 'created_at', 'epro_year_check', 'epro_greeting', 'language'],
      site_text: [
        'id',
        'site_id',
        'kind',
        'language',
        'body',
        'licence',
        'installed_by',
        'installed_at',
        'replaced_at',
      ],
      site_sequence: ['site_id', 'last_seq'],
      subject: [
        'study_id',
        'site_id',
        'seq',
        'status',
        'enrolled_on',
        'index_date',
        'date_shift_days',
        'protocol_id',
        'protocol_version',
        'version',
        'created_at',
        'updated_at',
      ],
      subject_identity: [
        'study_id',
        'site_id',
        'family_name',
        'given_name',
        'mrn',
        'birth_date',
        'phone',
        'email',
        'contact_channel',
        'email_declined_at',
      ],
      subject_progress: ['study_id', 'site_id', 'seen', 'unsigned', 'unlocked', 'visit_dates', 'missed'],
      user_site: ['user_id', 'site_id'],
      visit: [
        'id',
        'site_id',
        'study_id',
        'visit',
        'visit_date',
        'mode',
        'missed_reason',
        'entered_by',
        'created_at',
        'updated_at',
        'version',
      ],
      web_session: [
        'id_hash',
        'user_id',
        'active_site_id',
        'created_at',
        'last_seen_at',
        'expires_at',
        'ended_at',
        'locked_at',
      ],
    });
    expect(await appliedMigrations(t.db as Kysely<unknown>)).toEqual([
      '0001-initial',
      '0002-row-audit',
      '0003-visit',
      '0004-faster-row-hash',
      '0005-clinical-workflow',
      '0006-subject-progress',
      '0007-missing-data-codes',
      '0010-web-sessions',
      '0012-epro-links',
      '0013-epro-invitations',
      '0014-unsigned-worklist-order',
      '0015-subject-progress-by-index',
      '0016-web-session-locked',
      '0017-epro-job-subject',
      '0018-site-text',
      '0019-care-tally',
      '0020-cohort-form',
      '0021-import-server-work',
      '0022-inline-row-hash',
      '0023-audit-row-brin',
      '0024-response-site-index',
      '0025-hex-checks',
      '0026-audit-pending-unlogged',
    ]);
  });

  test('running the migrations again changes nothing', async () => {
    expect(await migrateToLatest(t.db as Kysely<unknown>)).toEqual([]);
  });

  test('reads bigint ids and counts as numbers, dates as YYYY-MM-DD, numeric as number', async () => {
    const row = await t.db
      .insertInto('response')
      .values(response())
      .returning(['id', 'scores'])
      .executeTakeFirstOrThrow();
    expect(typeof row.id).toBe('number');
    expect(row.scores).toEqual({});
    const subject = await t.db
      .selectFrom('subject')
      .select(['enrolled_on', 'created_at'])
      .executeTakeFirstOrThrow();
    expect(subject.enrolled_on).toBe('2026-01-05');
    expect(subject.created_at).toBeInstanceOf(Date);
    const { rows } = await sql<{ n: number; x: number; d: string[]; ids: number[] }>`
      select count(*) as n, 12.50::numeric as x, array['2026-02-01'::date] as d, array[5::bigint] as ids`.execute(
      t.db,
    );
    expect(rows[0]).toEqual({ n: 1, x: 12.5, d: ['2026-02-01'], ids: [5] });
  });

  test.each([
    [
      'a site code that is not 2–12 capitals',
      sql`insert into site (id, name) values ('vcu', 'x')`,
      /site_id_check/,
    ],
    [
      'a coordinator without a site',
      sql`insert into app_user (username, password_hash, role) values ('c', 'h', 'coordinator')`,
      /app_user_site_staff_have_site/,
    ],
    [
      'an unknown role',
      sql`insert into app_user (username, password_hash, role) values ('r', 'h', 'root')`,
      /app_user_role_check/,
    ],
    [
      'a second subject with the same site sequence',
      sql`insert into subject (study_id, site_id, seq, status, enrolled_on, date_shift_days, protocol_id, protocol_version)
          values ('VCU-9', 'VCU', 1, 'enrolled', '2026-01-05', 3, 'p', '1')`,
      /subject_site_id_seq_key/,
    ],
    [
      'an unknown subject status',
      sql`update subject set status = 'lost' where study_id = 'VCU-0001'`,
      /subject_status_check/,
    ],
  ])('refuses %s', async (_name, statement, constraint) => {
    await expect(statement.execute(t.db)).rejects.toThrow(constraint);
  });

  test.each([
    ['instance 0', response({ instance: 0, visit: 'week2' }), /response_instance_check/],
    ['a status outside the workflow', response({ status: 'final', visit: 'week4' }), /response_status_check/],
    ['the same instrument twice at a visit', response(), /response_study_id_visit_instrument_instance_key/],
    [
      'a site that is not the subject’s',
      response({ site_id: 'APMSS', visit: 'week12' }),
      /response_study_id_site_id_fkey/,
    ],
    [
      'an unknown subject',
      response({ study_id: 'VCU-0404', visit: 'week12' }),
      /response_study_id_site_id_fkey/,
    ],
  ])('refuses a response with %s', async (_name, values, constraint) => {
    await expect(
      t.db
        .insertInto('response')
        .values(values as never)
        .execute(),
    ).rejects.toThrow(constraint);
  });
});
