// Statements sent at once (extended protocol pipelining, COPY data included) on a real PostgreSQL:
// results in order, a failure stops the rest, and the transaction keeps its other statements' order.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';
import { type PipelineStep, sendPipelined } from './pipelined.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await t.destroy();
});

const step = (text: string, parameters: unknown[] = [], copy?: string): PipelineStep =>
  copy === undefined
    ? { sql: text, parameters }
    : { sql: text, parameters, copyData: Buffer.from(copy, 'utf8') };

describe('sendPipelined', () => {
  test('runs each step in order, with its parameters, COPY data and rows', async () => {
    const rows = await t.db.transaction().execute(async (trx) => {
      await sql`create temp table p (n int, word text, tags text[]) on commit drop`.execute(trx);
      const p = sendPipelined(trx, [
        step('insert into p select n, $1, $2::text[] from generate_series(1, $3::int) n', [
          'one',
          ['a', 'b,c', null],
          3,
        ]),
        step('copy p (n, word) from stdin', [], '10\tten\n11\t\\N\n'),
        step("select count(*)::text, string_agg(coalesce(word, '-'), ',' order by n) from p"),
        step('select tags from p where n = 1'),
      ]);
      await p.done;
      return Promise.all(p.steps);
    });
    expect(rows[0]).toEqual([]);
    expect(rows[2]).toEqual([['5', 'one,one,one,ten,-']]);
    expect(rows[3]).toEqual([['{a,"b,c",NULL}']]);
  });

  test('a failing step: the steps after it are not run, its error is the one given', async () => {
    await t.db.schema
      .createTable('kept')
      .addColumn('n', 'integer', (c) => c.primaryKey())
      .execute();
    const outcome = await t.db
      .transaction()
      .execute(async (trx) => {
        const p = sendPipelined(trx, [
          step('insert into kept values (1)'),
          step('insert into kept values (1)'),
          step('copy kept (n) from stdin', [], '2\n3\n'),
          step('insert into kept values (4)'),
        ]);
        const settled = await Promise.allSettled(p.steps);
        await p.done;
        return settled;
      })
      .catch((error: { code?: string }) => error);
    expect((outcome as { code?: string }).code).toBe('23505');
    const after = await sql<{ n: number }>`select n from kept`.execute(t.db);
    expect(after.rows).toEqual([]);
  });

  test('a COPY that fails mid-data: its data and the steps after it are skipped; the connection is usable', async () => {
    let seen: { steps: string[]; done: unknown } | undefined;
    const outcome = await t.db
      .transaction()
      .execute(async (trx) => {
        await sql`create temp table q (n int) on commit drop`.execute(trx);
        const p = sendPipelined(trx, [
          step('copy q (n) from stdin', [], '1\nnot a number\n3\n'),
          step('select 1'),
        ]);
        const steps = await Promise.allSettled(p.steps);
        const done = await p.done.then(
          () => 'done',
          (e: { code?: string }) => e.code,
        );
        seen = { steps: steps.map((s) => s.status), done };
      })
      .then(
        () => 'committed',
        (e: Error) => e.name,
      );
    expect(seen).toEqual({ steps: ['rejected', 'rejected'], done: '22P02' });
    // The transaction is failed: it can only be rolled back.
    expect(outcome).toBe('AbortedTransactionError');
    // The next transaction on the pool runs as usual.
    expect((await sql<{ x: number }>`select 2 as x`.execute(t.db)).rows).toEqual([{ x: 2 }]);
  });

  test("keeps its place among the transaction's other statements", async () => {
    const seen = await t.db.transaction().execute(async (trx) => {
      await sql`create temp table r (n int) on commit drop`.execute(trx);
      const before = sql`insert into r values (1)`.execute(trx);
      const p = sendPipelined(trx, [step('insert into r values (2)'), step('select count(*)::text from r')]);
      const after = sql<{ c: string }>`select count(*)::text as c from r`.execute(trx);
      await before;
      await p.done;
      return { inPipeline: (await p.steps[1]!)[0]![0], after: (await after).rows[0]!.c };
    });
    expect(seen).toEqual({ inPipeline: '2', after: '2' });
  });
});
