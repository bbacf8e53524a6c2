import { type Kysely, sql } from 'kysely';

/*
 * In-clinic ePRO (docs/epro.md): while a patient answers on the staff member's tablet, the staff
 * session is locked; every staff page asks for the password again until it is unlocked.
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table web_session add column locked_at timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table web_session drop column locked_at`.execute(db);
}
