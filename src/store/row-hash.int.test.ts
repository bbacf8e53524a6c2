import { type Kysely, Migrator, sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import { auditResponseAmend, createDemoDatabase } from '../../test/helpers/audit.js';
import { createTestDatabase } from '../../test/helpers/database.js';
import { appendAudit } from './audit.js';
import { checkAuditedRows, verifyAudit } from './audit-verify.js';
import { MIGRATIONS } from './migrate.js';

const NOW = new Date('2026-03-02T09:00:00.000Z');

describe('row hash from the row text form (0004-faster-row-hash)', () => {
  test('new rows are recorded with v2 hashes; whatever the session settings, the rows match', async () => {
    const d = await createDemoDatabase(2, NOW);
    try {
      const hashes = await sql<{ hash: string }>`select hash from audit_row`.execute(d.db);
      expect(hashes.rows.length).toBeGreaterThan(0);
      for (const r of hashes.rows) expect(r.hash).toMatch(/^v2:[0-9a-f]{64}$/);
      // A change written under other date, time zone, interval and float settings.
      await d.app!.connection().execute(async (c) => {
        await sql`set datestyle to 'SQL, DMY'`.execute(c);
        await sql`set timezone to 'Asia/Kolkata'`.execute(c);
        await sql`set intervalstyle to 'sql_standard'`.execute(c);
        await sql`set extra_float_digits to -3`.execute(c);
        await c.transaction().execute(async (trx) => {
          await sql`update response set pain_nrs = 1.0 / 3, updated_at = now() where id = (select min(id) from response)`.execute(
            trx,
          );
          await sql`update subject set index_date = '2026-01-05' where study_id = (select min(study_id) from subject)`.execute(
            trx,
          );
          await auditResponseAmend(trx, NOW);
        });
        // Verified from a session with the same odd settings.
        expect(await checkAuditedRows(c)).toMatchObject({ total: 0 });
      });
      expect(await checkAuditedRows(d.app!)).toMatchObject({ total: 0 });
      expect(await verifyAudit(d.app!)).toMatchObject({ ok: true });
      // A nullable column added later leaves every recorded row matching.
      await sql`alter table response add column note_extra text`.execute(d.db);
      expect(await checkAuditedRows(d.app!)).toMatchObject({ total: 0 });
      // ... and a direct change is still named.
      await sql`update response set pain_nrs = 9 where id = (select max(id) from response)`.execute(d.db);
      const after = await checkAuditedRows(d.app!);
      expect(after.total).toBe(1);
      expect(after.rows[0]).toMatchObject({ table: 'response', problem: 'changed outside the registry' });
    } finally {
      await d.destroy();
    }
  });

  test('rows recorded before the upgrade keep their JSON hashes; a row changed behind the registry before it is still named', async () => {
    const e = await createTestDatabase({ migrate: false });
    try {
      const provider = { getMigrations: async () => MIGRATIONS };
      const migrator = new Migrator({ db: e.db as Kysely<unknown>, provider });
      expect((await migrator.migrateTo('0003-visit')).error).toBeUndefined();
      await e.db.transaction().execute(async (trx) => {
        await trx.insertInto('site').values({ id: 'VCU', name: 'Virginia' }).execute();
        await sql`insert into subject (study_id, site_id, seq, status, enrolled_on, date_shift_days, protocol_id, protocol_version)
          values ('VCU-0001', 'VCU', 1, 'enrolled', '2026-01-01', 3, 'sacroplasty-sif', '1.0'),
                 ('VCU-0002', 'VCU', 2, 'enrolled', '2026-01-02', 4, 'sacroplasty-sif', '1.0')`.execute(trx);
        await appendAudit(trx, {
          at: NOW,
          actor: 'ada.admin',
          action: 'site.add',
          siteId: 'VCU',
          entity: 'site',
          entityId: 'VCU',
        });
      });
      const old = await sql<{ hash: string }>`select hash from audit_row`.execute(e.db);
      for (const r of old.rows) expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
      // Changed behind the registry's back before the upgrade.
      await e.db.connection().execute(async (c) => {
        await sql`alter table subject disable trigger user`.execute(c);
        await sql`update subject set status = 'treated' where study_id = 'VCU-0002'`.execute(c);
        await sql`alter table subject enable trigger user`.execute(c);
      });
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect(await verifyAudit(e.db)).toMatchObject({ ok: true });
      expect((await checkAuditedRows(e.db)).rows).toEqual([
        { table: 'subject', key: 'VCU-0002', problem: 'changed outside the registry' },
      ]);
      // A registry change after the upgrade is recorded with the new hash and matches.
      await e.db.transaction().execute(async (trx) => {
        await sql`update subject set status = 'withdrawn' where study_id = 'VCU-0001'`.execute(trx);
        await appendAudit(trx, {
          at: NOW,
          actor: 'ada.admin',
          action: 'subject.withdraw',
          siteId: 'VCU',
          entity: 'subject',
          entityId: 'VCU-0001',
        });
      });
      const latest = await sql<{ hash: string }>`
        select hash from audit_row where key = 'VCU-0001' order by event_id desc limit 1`.execute(e.db);
      expect(latest.rows[0]!.hash).toMatch(/^v2:/);
      const check = await checkAuditedRows(e.db);
      expect(check.rows).toEqual([
        { table: 'subject', key: 'VCU-0002', problem: 'changed outside the registry' },
      ]);
      expect(check.checked).toBe(3);
    } finally {
      await e.destroy();
    }
  });
});
