import { type Kysely, sql } from 'kysely';

/*
 * audit_row_hash_v2 declared STABLE, as its body is (convert_to depends on the server's encoding):
 * PostgreSQL inlines a one-expression SQL function into the query that calls it only when the body
 * is no more volatile than the declaration, so as IMMUTABLE it was called once per audited row
 * through the SQL-function executor (set up and torn down each time: 7% of the server's CPU in an
 * import). Inlined, the capture triggers compute the same expression in their own plan: the same
 * hashes, about a quarter less work per row hashed (issue 6, the import budget).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter function audit_row_hash_v2(text) stable`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter function audit_row_hash_v2(text) immutable`.execute(db);
}
