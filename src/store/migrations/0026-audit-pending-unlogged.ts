import { type Kysely, sql } from 'kysely';

/*
 * audit_pending unlogged (issue 6, the import budget): it holds only the rows changed by transactions
 * still running, each emptied by its own transaction's audit append before COMMIT (audit.ts). A
 * crash ends those transactions, so what recovery would restore is never needed, and PostgreSQL
 * empties an unlogged table at recovery instead. Writing and deleting a 13 M-row import's queue
 * (2.6 M keys and hashes) no longer goes through the write-ahead log.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table audit_pending set unlogged`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table audit_pending set logged`.execute(db);
}
