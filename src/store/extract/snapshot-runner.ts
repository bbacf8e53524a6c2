// Runs the extraction's queries side by side on pooled connections, all on one transaction's snapshot.
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../schema.js';

export type Runner = <T>(query: (c: Kysely<Database>) => Promise<T>) => Promise<T>;

/**
 * Runs queries on other pooled connections inside the snapshot of `trx` (pg_export_snapshot /
 * SET TRANSACTION SNAPSHOT), so they see exactly what `trx` sees and may run concurrently.
 */
export async function snapshotRunner(db: Kysely<Database>, trx: Transaction<Database>): Promise<Runner> {
  const { rows } = await sql<{ id: string }>`select pg_export_snapshot() as id`.execute(trx);
  const snapshot = rows[0]!.id;
  return (query) =>
    db.connection().execute(async (c) => {
      await sql`begin isolation level repeatable read read only`.execute(c);
      try {
        await sql`set transaction snapshot ${sql.lit(snapshot)}`.execute(c);
        // The queries already run side by side: parallel workers of each would only contend for the
        // same cores; enough memory keeps each sort and aggregate off disk.
        await sql`set local max_parallel_workers_per_gather = 0`.execute(c);
        await sql`set local work_mem = '64MB'`.execute(c);
        const result = await query(c);
        await sql`commit`.execute(c);
        return result;
      } catch (error) {
        await sql`rollback`.execute(c);
        throw error;
      }
    });
}
