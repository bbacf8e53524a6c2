import { sql } from 'kysely';
import { afterEach, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';
import { RegistryError } from '../errors.js';
import { type AuditInput, appendAudit, appendAuditBatch } from './audit.js';
import { GENESIS_HASH, hashAuditEvent } from './audit-hash.js';
import { verifyAudit } from './audit-verify.js';

const opened: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((d) => d.destroy()));
});

async function freshDb(): Promise<TestDatabase> {
  const d = await createTestDatabase();
  opened.push(d);
  return d;
}

function event(n: number, extra: Partial<AuditInput> = {}): AuditInput {
  return {
    at: new Date(Date.UTC(2026, 2, 2, 9, 0, 0, n)),
    actor: 'cora.vcu',
    action: 'response.record',
    siteId: 'VCU',
    entity: 'response',
    entityId: String(n),
    after: { n, answers: { pain_now: n % 11 } },
    ...extra,
  };
}

async function chainOf(d: TestDatabase, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) await appendAudit(d.db, event(i));
}

async function withTriggersOff(d: TestDatabase, statement: ReturnType<typeof sql>): Promise<void> {
  await d.db.connection().execute(async (c) => {
    await sql`alter table audit_event disable trigger all`.execute(c);
    await statement.execute(c);
    await sql`alter table audit_event enable trigger all`.execute(c);
  });
}

describe('audit chain', () => {
  test('starts from the genesis hash and each event links to the one before', async () => {
    const d = await freshDb();
    const first = await appendAudit(d.db, event(1, { before: { status: 'enrolled' }, reason: 'typo' }));
    const second = await appendAudit(d.db, event(2));
    const rows = await d.db.selectFrom('audit_event').selectAll().orderBy('id').execute();
    expect(rows.map((r) => r.prev_hash)).toEqual([GENESIS_HASH, first.hash]);
    expect(rows.map((r) => r.hash)).toEqual([first.hash, second.hash]);
    expect(typeof rows[0]!.id).toBe('number');
    expect(first.hash).toBe(
      hashAuditEvent(GENESIS_HASH, {
        at: '2026-03-02T09:00:00.001Z',
        actor: 'cora.vcu',
        action: 'response.record',
        site_id: 'VCU',
        entity: 'response',
        entity_id: '1',
        before: { status: 'enrolled' },
        after: { n: 1, answers: { pain_now: 1 } },
        reason: 'typo',
      }),
    );
    expect(await verifyAudit(d.db)).toEqual({ ok: true, count: 2, head: second.hash, lastId: second.id });
  });

  test('verifies payloads that jsonb normalises (key order, 1.0, -0, nesting, unicode, null site)', async () => {
    const d = await freshDb();
    await appendAudit(d.db, {
      ...event(1),
      siteId: null,
      before: { z: 1.0, a: -0, m: [3, { y: 'ü€😀', b: null }], big: 1e21, small: 5e-324, t: 0.1 + 0.2 },
      after: [1, 'two', { k: undefined, d: new Date(Date.UTC(2026, 0, 1)) }],
    });
    const result = await verifyAudit(d.db);
    expect(result.ok).toBe(true);
  });

  test('an empty chain verifies with the genesis head', async () => {
    const d = await freshDb();
    expect(await verifyAudit(d.db)).toEqual({ ok: true, count: 0, head: GENESIS_HASH, lastId: null });
  });

  test.each([
    ['update', sql`update audit_event set actor = 'mallory' where id = 1`],
    ['delete', sql`delete from audit_event where id = 1`],
    ['delete nothing', sql`delete from audit_event where false`],
    ['truncate', sql`truncate audit_event`],
  ])('the database refuses %s on audit_event', async (_name, statement) => {
    const d = await freshDb();
    await chainOf(d, 2);
    await expect(statement.execute(d.db)).rejects.toThrow(/append-only/);
    expect(await verifyAudit(d.db)).toMatchObject({ ok: true, count: 2 });
  });

  test.each([
    ['a changed field', sql`update audit_event set actor = 'mallory' where id = 3`, 3, 2, 'hash mismatch'],
    [
      'a changed payload',
      sql`update audit_event set after = '{"n": 30}' where id = 3`,
      3,
      2,
      'hash mismatch',
    ],
    [
      'a time moved by one microsecond',
      sql`update audit_event set at = at + interval '1 microsecond' where id = 3`,
      3,
      2,
      'hash mismatch',
    ],
    ['a deleted event', sql`delete from audit_event where id = 3`, 4, 2, 'prev_hash does not link'],
    ['a deleted first event', sql`delete from audit_event where id = 1`, 2, 0, 'prev_hash does not link'],
    [
      'a forged event with a made-up hash',
      sql`insert into audit_event (at, actor, action, entity, entity_id, prev_hash, hash)
          select now(), 'mallory', 'x', 'x', 'x', hash, repeat('a', 64) from audit_event where id = 5`,
      6,
      5,
      'hash mismatch',
    ],
    [
      'a forged event that does not link',
      sql`insert into audit_event (at, actor, action, entity, entity_id, prev_hash, hash)
          values (now(), 'mallory', 'x', 'x', 'x', repeat('b', 64), repeat('c', 64))`,
      6,
      5,
      'prev_hash does not link',
    ],
  ])('detects %s (triggers disabled by the owner)', async (_name, statement, brokenAt, count, reason) => {
    const d = await freshDb();
    await chainOf(d, 5);
    await withTriggersOff(d, statement);
    expect(await verifyAudit(d.db)).toEqual({ ok: false, count, brokenAt, reason });
  });

  test('detects a rewritten event whose own hash was recomputed: the next one no longer links', async () => {
    const d = await freshDb();
    await chainOf(d, 4);
    const row = await d.db
      .selectFrom('audit_event')
      .selectAll()
      .where('id', '=', 2)
      .executeTakeFirstOrThrow();
    const forged = hashAuditEvent(row.prev_hash, {
      at: row.at.toISOString(),
      actor: 'mallory',
      action: row.action,
      site_id: row.site_id,
      entity: row.entity,
      entity_id: row.entity_id,
      before: row.before,
      after: row.after,
      reason: row.reason,
    });
    await withTriggersOff(d, sql`update audit_event set actor = 'mallory', hash = ${forged} where id = 2`);
    expect(await verifyAudit(d.db)).toEqual({
      ok: false,
      count: 2,
      brokenAt: 3,
      reason: 'prev_hash does not link',
    });
  });

  test('32 concurrent transactions keep one total chain order', async () => {
    const d = await freshDb();
    await Promise.all(
      Array.from({ length: 32 }, (_, t) =>
        d.db.transaction().execute(async (trx) => {
          for (let i = 0; i < 5; i++) await appendAudit(trx, event(t * 100 + i, { actor: `user${t}` }));
        }),
      ),
    );
    const result = await verifyAudit(d.db);
    expect(result).toMatchObject({ ok: true, count: 160 });
    const links = await d.db.selectFrom('audit_event').select(['prev_hash']).execute();
    expect(new Set(links.map((r) => r.prev_hash)).size).toBe(160); // no fork: every hash is followed once
  });

  test('a rolled-back transaction leaves no event and the chain continues from the last committed one', async () => {
    const d = await freshDb();
    await chainOf(d, 2);
    await expect(
      d.db.transaction().execute(async (trx) => {
        await appendAudit(trx, event(3));
        throw new Error('use case failed');
      }),
    ).rejects.toThrow('use case failed');
    await appendAudit(d.db, event(4));
    expect(await verifyAudit(d.db)).toMatchObject({ ok: true, count: 3 });
  });

  test('refuses to append inside a REPEATABLE READ transaction (its snapshot could fork the chain)', async () => {
    const d = await freshDb();
    const attempt = d.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute((trx) => appendAudit(trx, event(1)));
    await expect(attempt).rejects.toBeInstanceOf(RegistryError);
  });

  test('a batch of 12,000 events is chained in order and verified in pages, with progress', async () => {
    const d = await freshDb();
    await appendAudit(d.db, event(0));
    const written = await appendAuditBatch(
      d.db,
      Array.from({ length: 12_000 }, (_, i) => event(i + 1)),
    );
    expect(written).toHaveLength(12_000);
    expect(written.every((w, i) => i === 0 || w.id > written[i - 1]!.id)).toBe(true);
    const progress: number[] = [];
    const result = await verifyAudit(d.db, (verified) => progress.push(verified));
    expect(result).toEqual({
      ok: true,
      count: 12_001,
      head: written.at(-1)!.hash,
      lastId: written.at(-1)!.id,
    });
    expect(progress).toEqual([5_000, 10_000, 12_001]);
  });
});
