// Migrations 0025 and 0026: cheaper checks and queue for every audited write, refusing what they refused.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';

let d: TestDatabase;
beforeAll(async () => {
  d = await createTestDatabase();
});
afterAll(async () => {
  await d.destroy();
});

const GOOD = 'ab'.repeat(32);
const BAD = {
  uppercase: 'AB'.repeat(32),
  'not hex': `${'a'.repeat(63)}g`,
  'too short': 'a'.repeat(63),
  'too long': 'a'.repeat(65),
  'a trailing newline': `${'a'.repeat(63)}\n`,
  // 64 bytes, 63 characters.
  'a multibyte character': `${'a'.repeat(62)}é`,
  empty: '',
};

/** Inserts an event with `column` set to `value` as the owner (no app-level checks); its SQLSTATE or 'ok'. */
async function insertEvent(column: 'hash' | 'prev_hash' | 'rows_digest', value: string): Promise<string> {
  const values = { hash: GOOD, prev_hash: GOOD, rows_digest: null as string | null, [column]: value };
  return d.db
    .transaction()
    .execute(async (trx) => {
      await sql`insert into audit_event (at, actor, action, entity, entity_id, prev_hash, hash, rows_digest)
        values (now(), 'x', 'test', 'test', '1', ${values.prev_hash}, ${values.hash}, ${values.rows_digest})`.execute(
        trx,
      );
      throw new Error('rolled back');
    })
    .catch((e: { code?: string; constraint?: string; message: string }) =>
      e.message === 'rolled back' ? 'ok' : `${e.code} ${e.constraint}`,
    );
}

describe('sha256 columns hold 64 lowercase hex digits (0025)', () => {
  test.each(['hash', 'prev_hash', 'rows_digest'] as const)('audit_event.%s', async (column) => {
    expect(await insertEvent(column, GOOD)).toBe('ok');
    for (const [what, value] of Object.entries(BAD)) {
      expect([what, await insertEvent(column, value)]).toEqual([what, `23514 audit_event_${column}_check`]);
    }
  });

  test('no check on those columns uses a bounded repeat any more, and each still exists', async () => {
    const { rows } = await sql<{ name: string; def: string }>`
      select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
      where contype = 'c' and conname in ('audit_event_hash_check', 'audit_event_prev_hash_check',
        'audit_event_rows_digest_check', 'signature_content_sha256_check', 'epro_link_hash_check',
        'epro_session_id_hash_check', 'web_session_id_hash_check')
      order by conname`.execute(d.db);
    expect(rows).toHaveLength(7);
    for (const r of rows)
      expect([r.name, r.def]).toEqual([r.name, expect.stringContaining("!~ '[^0-9a-f]'")]);
  });
});

test('the queue of changed rows is unlogged (0026), the audit trail itself logged', async () => {
  const { rows } = await sql<{ relname: string; relpersistence: string }>`
    select relname, relpersistence from pg_class
    where relname in ('audit_pending', 'audit_row', 'audit_event') order by relname`.execute(d.db);
  expect(rows).toEqual([
    { relname: 'audit_event', relpersistence: 'p' },
    { relname: 'audit_pending', relpersistence: 'u' },
    { relname: 'audit_row', relpersistence: 'p' },
  ]);
});
