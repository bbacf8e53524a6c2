import { type Kysely, sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';
import { type AuditInput, appendAuditBatch } from './audit.js';
import { verifyAudit } from './audit-verify.js';
import type { Database } from './schema.js';

let d: TestDatabase;
beforeAll(async () => {
  d = await createTestDatabase();
});
afterAll(async () => {
  await d.destroy();
});

function event(n: number): AuditInput {
  return {
    at: new Date(Date.UTC(2026, 2, 2, 9, 0, 0, n)),
    actor: 'cora.vcu',
    action: 'site.create',
    siteId: null,
    entity: 'site',
    entityId: String(n),
  };
}

/** Scans of audit_pending (sequential or by index) this transaction has started so far. */
async function queueScans(trx: Transaction<Database>): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select coalesce(sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)), 0)::int as n
    from pg_stat_xact_user_tables where relname = 'audit_pending'`.execute(trx);
  return rows[0]!.n;
}

/** As the registry writes: the application role. */
function app(): Kysely<Database> {
  return d.app!;
}

describe('appending the events of a transaction that changed rows', () => {
  test('the queue of changed rows is read once to file and digest them, then emptied', async () => {
    const db = app();
    const out = await db.transaction().execute(async (trx) => {
      await sql`insert into site (id, name) values ('VCU', 'VCU'), ('OC', 'OC'), ('APMSS', 'APMSS')`.execute(
        trx,
      );
      const before = await queueScans(trx);
      const appended = await appendAuditBatch(trx, [event(1), event(2), event(3)]);
      // One pass files the rows under the last event and digests them; one statement empties the queue.
      expect((await queueScans(trx)) - before).toBe(2);
      return appended;
    });
    const ids = out.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const rows = await db.selectFrom('audit_row').select(['event_id', 'tbl', 'key']).orderBy('key').execute();
    expect(rows).toEqual(['APMSS', 'OC', 'VCU'].map((key) => ({ event_id: ids[2], tbl: 'site', key })));
    const pending = await sql<{ n: number }>`select count(*)::int as n from audit_pending`.execute(db);
    expect(pending.rows[0]!.n).toBe(0);
    expect(await verifyAudit(db)).toMatchObject({ ok: true, count: 3, lastId: ids[2] });
  });

  test('events appended after a batch continue its ids and its chain', async () => {
    const db = app();
    const first = await appendAuditBatch(db, [event(4), event(5)]);
    const next = await appendAuditBatch(db, [event(6)]);
    expect(next[0]!.id).toBeGreaterThan(first[1]!.id);
    const stored = await db
      .selectFrom('audit_event')
      .select(['id', 'prev_hash', 'hash'])
      .where('id', '>=', first[0]!.id)
      .orderBy('id')
      .execute();
    expect(stored.map((e) => e.prev_hash).slice(1)).toEqual(stored.map((e) => e.hash).slice(0, -1));
    expect(stored.map((e) => ({ id: e.id, hash: e.hash }))).toEqual([...first, ...next]);
    expect(await verifyAudit(db)).toMatchObject({ ok: true, lastId: next[0]!.id });
  });
});
