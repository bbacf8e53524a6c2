import { type Kysely, sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';
import { type AuditInput, appendAuditBatch, appendAuditStream } from './audit.js';
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

describe('appending events read in chunks (appendAuditStream)', () => {
  test('12 events read 5 at a time: in order, one chain, the changed rows filed under the last', async () => {
    const db = app();
    await db.transaction().execute(async (trx) => {
      await sql`create temp table source (n int primary key, entity_id text) on commit drop`.execute(trx);
      await sql`insert into source select n, 'S' || n from generate_series(1, 12) n`.execute(trx);
      await sql`insert into site (id, name) values ('NEW1', 'NEW1')`.execute(trx);
      const reads: number[] = [];
      await appendAuditStream(trx, {
        count: 12,
        read: (after) => {
          reads.push(after);
          const q = sql`select entity_id from source where n > ${after} order by n limit 5`.compile(trx);
          return { sql: q.sql, parameters: q.parameters };
        },
        events: (rows, after) =>
          rows.map(([entityId], i) => ({ ...event(100 + after + i), entityId: entityId! })),
      });
      expect(reads).toEqual([0, 5, 10]);
    });
    const stored = await db
      .selectFrom('audit_event')
      .select(['id', 'entity_id', 'prev_hash', 'hash', 'rows_digest'])
      .where('action', '=', 'site.create')
      .where('entity_id', 'like', 'S%')
      .orderBy('id')
      .execute();
    expect(stored.map((e) => e.entity_id)).toEqual(Array.from({ length: 12 }, (_, i) => `S${i + 1}`));
    expect(stored.map((e) => Number(e.id) - Number(stored[0]!.id))).toEqual([...Array(12).keys()]);
    expect(stored.map((e) => e.prev_hash).slice(1)).toEqual(stored.map((e) => e.hash).slice(0, -1));
    expect(stored.map((e) => e.rows_digest !== null)).toEqual([...Array(11).fill(false), true]);
    const filed = await db.selectFrom('audit_row').select(['event_id']).where('key', '=', 'NEW1').execute();
    expect(filed.map((r) => Number(r.event_id))).toEqual([Number(stored[11]!.id)]);
    expect(await verifyAudit(db)).toMatchObject({ ok: true, lastId: Number(stored[11]!.id) });
  });

  test('a source that gives fewer events than it counted is refused, and nothing is appended', async () => {
    const db = app();
    const before = await sql<{ n: number }>`select count(*)::int as n from audit_event`.execute(db);
    const outcome = await db
      .transaction()
      .execute(async (trx) =>
        appendAuditStream(trx, {
          count: 3,
          read: () => ({ sql: 'select 1 where false', parameters: [] }),
          events: () => [],
        }),
      )
      .catch((e: { code?: string }) => e.code);
    expect(outcome).toBe('INTERNAL');
    const after = await sql<{ n: number }>`select count(*)::int as n from audit_event`.execute(db);
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });
});
