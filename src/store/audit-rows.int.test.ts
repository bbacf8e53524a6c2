import { type Kysely, Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditResponseAmend, createDemoDatabase } from '../../test/helpers/audit.js';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';
import { SACROPLASTY_SIF } from '../protocol/index.js';
import type { RegistryDeps } from '../registry/index.js';
import {
  addUser,
  amendResponse,
  createSite,
  enrolSubject,
  lockResponse,
  recordResponse,
  signResponse,
  withdrawSubject,
} from '../registry/index.js';
import { seededRandom } from '../registry/random.js';
import { appendAudit } from './audit.js';
import { GENESIS_HASH, hashAuditEvent } from './audit-hash.js';
import { checkAuditedRows, readAuditHead, verifyAudit } from './audit-verify.js';
import { MIGRATIONS } from './migrate.js';
import type { Database } from './schema.js';

const NOW = new Date('2026-03-02T09:00:00.000Z');

/** A demo registry loaded through the use cases, as the application role. */
const demoRegistry = (subjects = 6) => createDemoDatabase(subjects, NOW);

async function withTriggersOff(db: Kysely<Database>, table: string, statement: ReturnType<typeof sql>) {
  await db.connection().execute(async (c) => {
    await sql`alter table ${sql.table(table)} disable trigger user`.execute(c);
    await statement.execute(c);
    await sql`alter table ${sql.table(table)} enable trigger user`.execute(c);
  });
}

describe('row-level audit', () => {
  let d: TestDatabase;
  beforeAll(async () => {
    d = await demoRegistry();
  });
  afterAll(async () => {
    await d.destroy();
  });

  test('every row the use cases wrote is in the chain, and the chain verifies', async () => {
    expect(await verifyAudit(d.app!)).toMatchObject({ ok: true });
    const rows = await checkAuditedRows(d.app!);
    expect(rows).toMatchObject({ total: 0, rows: [], orphans: 0 });
    const responses = await d.db
      .selectFrom('response')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .execute();
    expect(rows.checked).toBeGreaterThan(Number(responses[0]!.n));
    const audited = await sql<{ tbl: string }>`select distinct tbl from audit_row order by tbl`.execute(d.db);
    expect(audited.rows.map((r) => r.tbl)).toEqual(['response', 'site', 'subject']);
  });

  test('names a response changed by a direct UPDATE (triggers on, no audit event), without patient data', async () => {
    const target = await d.db
      .selectFrom('response')
      .select('id')
      .orderBy('id')
      .limit(1)
      .executeTakeFirstOrThrow();
    await sql`update response set pain_nrs = 0 where id = ${target.id}`.execute(d.db);
    const check = await checkAuditedRows(d.app!);
    expect(check.rows).toEqual([
      { table: 'response', key: String(target.id), problem: 'changed outside the registry' },
    ]);
    expect(await verifyAudit(d.app!)).toMatchObject({ ok: true }); // the chain itself is intact
  });

  test.each([
    [
      'a subject changed with triggers disabled',
      'subject',
      sql`update subject set status = 'withdrawn' where study_id = (select min(study_id) from subject)`,
      'changed outside the registry',
    ],
    [
      'a response deleted with triggers disabled',
      'response',
      sql`delete from response where id = (select max(id) from response)`,
      'missing',
    ],
    [
      'a site inserted with triggers disabled',
      'site',
      sql`insert into site (id, name) values ('ZZZ', 'Forged')`,
      'not in the audit trail',
    ],
  ])('names %s', async (_name, table, statement, problem) => {
    const e = await demoRegistry(4);
    try {
      await withTriggersOff(e.db, table, statement);
      const check = await checkAuditedRows(e.app!);
      expect(check.total).toBe(1);
      expect(check.rows[0]).toMatchObject({ table, problem });
      expect(JSON.stringify(check)).not.toContain('Other');
    } finally {
      await e.destroy();
    }
  });

  test('a row record removed from audit_row breaks its event; a forged record for a later event is an orphan', async () => {
    const e = await demoRegistry(3);
    try {
      const victim = await sql<{ event_id: number; key: string }>`
        select event_id, key from audit_row where tbl = 'response' order by event_id, key limit 1`.execute(
        e.db,
      );
      const { event_id, key } = victim.rows[0]!;
      await withTriggersOff(
        e.db,
        'audit_row',
        sql`delete from audit_row where event_id = ${event_id} and tbl = 'response' and key = ${key}`,
      );
      expect(await verifyAudit(e.app!)).toMatchObject({
        ok: false,
        brokenAt: Number(event_id),
        reason: 'row records do not match',
      });
      await sql`insert into audit_row (event_id, tbl, key, hash) values (999999, 'response', ${key}, repeat('a', 64))`.execute(
        e.db,
      );
      const check = await checkAuditedRows(e.app!);
      expect(check.orphans).toBe(1);
      // The forged entry does not count as the row's latest state.
      expect(check.rows.some((r) => r.key === key && r.problem === 'changed outside the registry')).toBe(
        false,
      );
    } finally {
      await e.destroy();
    }
  });

  test('an entry filed twice under its event breaks that event (0023: no unique key refuses it)', async () => {
    const e = await demoRegistry(3);
    try {
      const entry = await sql<{ event_id: number; key: string; hash: string }>`
        select event_id, key, hash from audit_row where tbl = 'response' order by event_id desc, key limit 1`.execute(
        e.db,
      );
      const { event_id, key, hash } = entry.rows[0]!;
      await sql`insert into audit_row (event_id, tbl, key, hash) values (${event_id}, 'response', ${key}, ${hash})`.execute(
        e.db,
      );
      expect(await verifyAudit(e.app!)).toMatchObject({
        ok: false,
        brokenAt: Number(event_id),
        reason: 'row records do not match',
      });
      // The rows themselves still match their latest records.
      expect((await checkAuditedRows(e.app!)).total).toBe(0);
    } finally {
      await e.destroy();
    }
  });

  test('a changed audit_row hash breaks its event even when the row is changed to match', async () => {
    const e = await demoRegistry(3);
    try {
      const row = await sql<{ event_id: number; key: string }>`
        select event_id, key from audit_row where tbl = 'response' order by event_id desc, key limit 1`.execute(
        e.db,
      );
      const { event_id, key } = row.rows[0]!;
      await withTriggersOff(
        e.db,
        'response',
        sql`update response set pain_nrs = 10 where id = ${Number(key)}`,
      );
      await withTriggersOff(
        e.db,
        'audit_row',
        sql`update audit_row set hash = (select audit_row_hash_v2(r::text) from response r where r.id = ${Number(key)})
            where event_id = ${event_id} and tbl = 'response' and key = ${key}`,
      );
      expect(await verifyAudit(e.app!)).toMatchObject({ ok: false, reason: 'row records do not match' });
    } finally {
      await e.destroy();
    }
  });

  test('the same content hashes the same whatever the session time zone and float digits', async () => {
    const e = await demoRegistry(2);
    try {
      await e.app!.connection().execute(async (c) => {
        await sql`set timezone to 'America/New_York'`.execute(c);
        await sql`set extra_float_digits to 0`.execute(c);
        await c.transaction().execute(async (trx) => {
          await sql`update response set pain_nrs = 1.0 / 3 where id = (select min(id) from response)`.execute(
            trx,
          );
          await auditResponseAmend(trx, NOW);
        });
      });
      expect(await checkAuditedRows(e.app!)).toMatchObject({ total: 0 });
    } finally {
      await e.destroy();
    }
  });
});

describe('every use case, as the application role', () => {
  test('sites, users, identities, subjects and every form change are in the chain; nothing else differs', async () => {
    const e = await createTestDatabase();
    try {
      const deps: RegistryDeps = {
        db: e.app!,
        clock: () => new Date(NOW),
        random: seededRandom(11),
        protocol: SACROPLASTY_SIF,
      };
      const admin = { username: 'ada.admin', role: 'admin', siteId: null } as const;
      const coordinator = { username: 'cora.vcu', role: 'coordinator', siteId: 'VCU' } as const;
      const investigator = { username: 'ivan.vcu', role: 'investigator', siteId: 'VCU' } as const;
      await createSite(deps, admin, { id: 'VCU', name: 'Virginia Commonwealth University' });
      await addUser(deps, admin, {
        username: 'cora.vcu',
        role: 'coordinator',
        siteId: 'VCU',
        password: 'correct horse battery',
      });
      await addUser(deps, admin, {
        username: 'ivan.vcu',
        role: 'investigator',
        siteId: 'VCU',
        password: 'correct horse battery',
      });
      const answers = {
        sex: 'female',
        birth_year: 1948,
        consent_date: '2026-02-20',
        index_date: '2026-02-25',
      };
      const { studyId } = await enrolSubject(deps, coordinator, {
        siteId: 'VCU',
        answers,
        identity: { family_name: 'Doe', given_name: 'Jane', mrn: 'MRN123' },
      });
      const second = await enrolSubject(deps, coordinator, { siteId: 'VCU', answers });
      const pain = await recordResponse(deps, coordinator, {
        studyId,
        visit: 'baseline',
        instrument: 'pain',
        answers: { scale: 'nrs', score: 7 },
      });
      await amendResponse(deps, coordinator, {
        id: pain.id,
        version: 1,
        answers: { scale: 'nrs', score: 6 },
        reason: 'transcription error',
      });
      await lockResponse(deps, investigator, { id: pain.id, version: 2, reason: 'reviewed' });
      await signResponse(deps, investigator, { id: pain.id, version: 3, password: 'correct horse battery' });
      await withdrawSubject(deps, coordinator, {
        studyId: second.studyId,
        date: '2026-03-01',
        reason: 'moved away',
      });
      expect(await verifyAudit(e.app!)).toMatchObject({ ok: true });
      expect(await checkAuditedRows(e.app!)).toMatchObject({ total: 0, orphans: 0 });
      const audited = await sql<{ tbl: string }>`select distinct tbl from audit_row order by tbl`.execute(
        e.db,
      );
      expect(audited.rows.map((r) => r.tbl)).toEqual([
        'app_user',
        'response',
        'signature',
        'site',
        'subject',
        'subject_identity',
      ]);
      const pending = await sql<{ n: number }>`select count(*)::int as n from audit_pending`.execute(e.db);
      expect(pending.rows[0]!.n).toBe(0);
    } finally {
      await e.destroy();
    }
  });
});

describe('upgrading a registry that already holds data', () => {
  test('migration 0002 records every existing row in one audit.baseline event; later changes are measured from it', async () => {
    const e = await createTestDatabase({ migrate: false });
    try {
      const provider = { getMigrations: async () => MIGRATIONS };
      const migrator = new Migrator({ db: e.db as Kysely<unknown>, provider });
      expect((await migrator.migrateTo('0001-initial')).error).toBeUndefined();
      await e.db.transaction().execute(async (trx) => {
        await trx.insertInto('site').values({ id: 'VCU', name: 'Virginia' }).execute();
        await sql`insert into subject (study_id, site_id, seq, status, enrolled_on, date_shift_days, protocol_id, protocol_version)
          values ('VCU-0001', 'VCU', 1, 'enrolled', '2026-01-01', 3, 'sacroplasty-sif', '1.0')`.execute(trx);
        // An event as the registry wrote it before 0002 (no rows_digest column yet).
        const hash = hashAuditEvent(GENESIS_HASH, {
          at: NOW.toISOString(),
          actor: 'ada.admin',
          action: 'site.add',
          site_id: 'VCU',
          entity: 'site',
          entity_id: 'VCU',
          before: null,
          after: null,
          reason: null,
        });
        await sql`insert into audit_event (at, actor, action, site_id, entity, entity_id, prev_hash, hash)
          values (${NOW}, 'ada.admin', 'site.add', 'VCU', 'site', 'VCU', ${GENESIS_HASH}, ${hash})`.execute(
          trx,
        );
      });
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const events = await e.db
        .selectFrom('audit_event')
        .select(['action', 'rows_digest'])
        .orderBy('id')
        .execute();
      expect(events.map((x) => x.action)).toEqual(['site.add', 'audit.baseline']);
      expect(events[1]!.rows_digest).toMatch(/^[0-9a-f]{64}$/);
      expect(await verifyAudit(e.db)).toMatchObject({ ok: true, count: 2 });
      expect(await checkAuditedRows(e.db)).toMatchObject({ checked: 2, total: 0 });
      await sql`update subject set status = 'treated'`.execute(e.db);
      expect((await checkAuditedRows(e.db)).rows).toEqual([
        { table: 'subject', key: 'VCU-0001', problem: 'changed outside the registry' },
      ]);
    } finally {
      await e.destroy();
    }
  });

  test('a new, empty registry gets no baseline event', async () => {
    const e = await createTestDatabase();
    try {
      expect(await e.db.selectFrom('audit_event').selectAll().execute()).toEqual([]);
    } finally {
      await e.destroy();
    }
  });
});

describe('chain head anchored outside the database', () => {
  test.each([
    [
      'the last events deleted',
      sql`delete from audit_event where id > (select max(id) - 2 from audit_event)`,
      'shorter than the anchor',
    ],
    ['the whole chain truncated', sql`truncate audit_event`, 'shorter than the anchor'],
  ])('detects %s (triggers disabled by the owner)', async (_name, statement, reason) => {
    const e = await createTestDatabase();
    try {
      for (let i = 0; i < 5; i++) {
        await appendAudit(e.app!, {
          at: new Date(NOW.getTime() + i),
          actor: 'ada.admin',
          action: 'report.generate',
          siteId: null,
          entity: 'report',
          entityId: 'json',
        });
      }
      const anchor = await readAuditHead(e.app!);
      expect(anchor.count).toBe(5);
      expect(await verifyAudit(e.app!, undefined, { anchor })).toMatchObject({ ok: true, count: 5 });
      await withTriggersOff(e.db, 'audit_event', statement);
      // A consistent but shorter chain: verifies on its own, fails against the anchor.
      expect(await verifyAudit(e.app!)).toMatchObject({ ok: true });
      expect(await verifyAudit(e.app!, undefined, { anchor })).toMatchObject({ ok: false, reason, anchor });
    } finally {
      await e.destroy();
    }
  });

  test('a chain rewritten from the anchor on differs from the anchor; a longer chain still holds it', async () => {
    const e = await createTestDatabase();
    try {
      const event = (i: number) => ({
        at: new Date(NOW.getTime() + i),
        actor: 'ada.admin',
        action: 'report.generate',
        siteId: null,
        entity: 'report',
        entityId: String(i),
      });
      for (let i = 0; i < 3; i++) await appendAudit(e.app!, event(i));
      const anchor = await readAuditHead(e.app!);
      await appendAudit(e.app!, event(3));
      expect(await verifyAudit(e.app!, undefined, { anchor })).toMatchObject({ ok: true, count: 4 });
      await withTriggersOff(e.db, 'audit_event', sql`delete from audit_event where id >= 3`);
      await appendAudit(e.app!, { ...event(9), actor: 'mallory' });
      await appendAudit(e.app!, event(10));
      expect(await verifyAudit(e.app!, undefined, { anchor })).toMatchObject({
        ok: false,
        reason: 'differs from the anchor',
      });
    } finally {
      await e.destroy();
    }
  });
});
