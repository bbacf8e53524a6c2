import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';
import { appendAudit } from './audit.js';
import { createKysely } from './pg-connection.js';
import { appRoleUrl } from './roles.js';
import type { Database } from './schema.js';
import { openDatabase } from './supervisor/database.js';

let d: TestDatabase;
let app: Kysely<Database>;

beforeAll(async () => {
  d = await createTestDatabase();
  app = d.app!;
  await appendAudit(app, {
    at: new Date('2026-03-02T09:00:00.000Z'),
    actor: 'ada.admin',
    action: 'site.add',
    siteId: 'VCU',
    entity: 'site',
    entityId: 'VCU',
  });
});
afterAll(async () => {
  await d.destroy();
});

describe('the application role', () => {
  test('is not the owner of the tables, nor a superuser', async () => {
    const { rows } = await sql<{ me: string; owner: string; su: boolean }>`
      select current_user as me, (select tableowner from pg_tables where tablename = 'audit_event') as owner,
             (select rolsuper from pg_roles where rolname = current_user) as su`.execute(app);
    expect(rows[0]!.me).not.toBe(rows[0]!.owner);
    expect(rows[0]!.su).toBe(false);
    expect(d.appUrl).toBe(appRoleUrl(d.url));
  });

  test.each([
    ['UPDATE audit_event', sql`update audit_event set actor = 'mallory'`],
    ['DELETE FROM audit_event', sql`delete from audit_event`],
    ['TRUNCATE audit_event', sql`truncate audit_event`],
    ['UPDATE audit_row', sql`update audit_row set hash = null`],
    ['DELETE FROM audit_row', sql`delete from audit_row`],
    [
      'ALTER TABLE audit_event DISABLE TRIGGER',
      sql`alter table audit_event disable trigger audit_event_no_update_delete`,
    ],
    ['ALTER TABLE audit_event DISABLE TRIGGER ALL', sql`alter table audit_event disable trigger all`],
    ['ALTER TABLE response DISABLE TRIGGER', sql`alter table response disable trigger response_audit_update`],
    ['DROP TRIGGER on response', sql`drop trigger response_audit_update on response`],
    ['SET session_replication_role', sql`set session_replication_role = replica`],
    ['INSERT INTO kysely_migration', sql`insert into kysely_migration (name, timestamp) values ('x', 'y')`],
  ])('is refused %s', async (_name, statement) => {
    await expect(statement.execute(app)).rejects.toMatchObject({ code: '42501' });
  });

  test('reads and appends to the chain, and writes patient tables through their audit triggers', async () => {
    await app.transaction().execute(async (trx) => {
      await trx.insertInto('site').values({ id: 'APMSS', name: 'Atlantic' }).execute();
      await appendAudit(trx, {
        at: new Date('2026-03-02T09:00:01.000Z'),
        actor: 'ada.admin',
        action: 'site.add',
        siteId: 'APMSS',
        entity: 'site',
        entityId: 'APMSS',
      });
    });
    const rows = await app.selectFrom('audit_row').selectAll().execute();
    expect(rows).toMatchObject([{ tbl: 'site', key: 'APMSS' }]);
  });
});

describe('openDatabase', () => {
  test('migrates as the owner and hands out a pool of the application role', async () => {
    const handle = await openDatabase({ databaseUrl: d.url });
    try {
      const { rows } = await sql<{ me: string }>`select current_user as me`.execute(handle.db);
      expect(rows[0]!.me).toBe(new URL(d.appUrl!).username);
    } finally {
      await handle.close();
    }
  });

  test('DATABASE_URL of the application role alone runs on an up-to-date schema, without migrating', async () => {
    const handle = await openDatabase({ databaseUrl: d.appUrl! });
    try {
      const { rows } = await sql<{ me: string }>`select current_user as me`.execute(handle.db);
      expect(rows[0]!.me).toBe(new URL(d.appUrl!).username);
    } finally {
      await handle.close();
    }
    const locks = await sql<{
      n: number;
    }>`select count(*)::int as n from kysely_migration_lock where is_locked = 1`.execute(d.db);
    expect(locks.rows[0]!.n).toBe(0);
  });

  test('with DATABASE_OWNER_URL, DATABASE_URL is used as given and gets its grants from the owner', async () => {
    const target = await createTestDatabase({ migrate: false });
    try {
      // The operator's split: an application role the DBA made (here the derived one, already in the cluster).
      const appUrl = appRoleUrl(target.url)!;
      const handle = await openDatabase({ databaseUrl: appUrl, ownerUrl: target.url });
      try {
        const { rows } = await sql<{ me: string }>`select current_user as me`.execute(handle.db);
        expect(rows[0]!.me).toBe(new URL(appUrl).username);
        await expect(sql`truncate audit_event`.execute(handle.db)).rejects.toMatchObject({ code: '42501' });
        expect(await handle.db.selectFrom('audit_event').selectAll().execute()).toEqual([]);
      } finally {
        await handle.close();
      }
      const owner = createKysely(target.url, { max: 1 });
      try {
        const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
          owner,
        );
        expect(rows.map((r) => r.name)).toContain('0002-row-audit');
      } finally {
        await owner.destroy();
      }
    } finally {
      await target.destroy();
    }
  });
});
