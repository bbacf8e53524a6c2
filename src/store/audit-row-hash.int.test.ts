import { createHash } from 'node:crypto';
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

/** The v2 row hash as 0004-faster-row-hash defines it: the text without trailing ',' and ')', UTF-8, sha256. */
function v2(rowText: string): string {
  return `v2:${createHash('sha256')
    .update(rowText.replace(/[,)]+$/u, ''), 'utf8')
    .digest('hex')}`;
}

const ROW_TEXTS = [
  '',
  ',)',
  '(1,VCU,VCU-0001,baseline,pain,1,,,)',
  '(2,OC,"OC-0002","{""a"": ""x,)""}",)',
  '(3,é,日本語,"naïve, ok",,)',
  '(4,"ends in a quoted paren)",,,)',
  '(5,🦴 emoji 👍,),),',
  'no trailing separators',
  'ß)',
  '),),,,))',
];

describe('audit_row_hash_v2 (0021 trims the UTF-8 bytes instead of the text)', () => {
  test.each(ROW_TEXTS)('gives the hash 0004 defined for %j', async (text) => {
    const { rows } = await sql<{ now: string; then: string }>`
      select audit_row_hash_v2(${text}) as now,
        'v2:' || encode(sha256(convert_to(rtrim(${text}::text, ',)'), 'UTF8')), 'hex') as then`.execute(
      d.app!,
    );
    expect(rows[0]!.now).toBe(v2(text));
    expect(rows[0]!.now).toBe(rows[0]!.then);
  });

  test('gives the same hash whatever standard_conforming_strings says', async () => {
    // '\x2c29' read as an escape string would be the bytes ',29' and trim the 2 and 9 too.
    const text = '(6,"a\\\\b",29,),';
    await d.db.connection().execute(async (c) => {
      await sql`set standard_conforming_strings to off`.execute(c);
      const { rows } = await sql<{ h: string }>`select audit_row_hash_v2(${text}) as h`.execute(c);
      await sql`reset standard_conforming_strings`.execute(c);
      expect(rows[0]!.h).toBe(v2(text));
    });
  });
});

describe('audit_row_hash_v2 is inlined into the capture triggers (0022)', () => {
  test('a query that calls it computes its expression in its own plan', async () => {
    // The trigger's query shape: hashes aggregated over rows. Inlined, the plan names sha256; called,
    // it names the function (one SQL-function call per row).
    const { rows } = await sql<{ 'QUERY PLAN': string }>`
      explain (verbose, costs off)
      select array_agg(audit_row_hash_v2(t::text)) from (values (1, 'a'), (2, 'b')) t(n, s)`.execute(d.app!);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/sha256/);
    expect(plan).not.toMatch(/audit_row_hash_v2/);
  });
});
