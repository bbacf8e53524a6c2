// What every form written pays for: the indexes of response, each with the reads it serves.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';

let d: TestDatabase;
beforeAll(async () => {
  d = await createTestDatabase();
});
afterAll(async () => {
  await d.destroy();
});

test('response keeps the indexes its reads use, and no index on the site alone (0024)', async () => {
  const { rows } = await sql<{ name: string }>`
    select indexname as name from pg_indexes where tablename = 'response' order by indexname`.execute(d.db);
  expect(rows.map((r) => r.name)).toEqual([
    // The day each subject left, by instrument and site (next due, care views).
    'response_collected_idx',
    // Drafts of a site.
    'response_draft_idx',
    // Forms of an instrument (care views, cohort, site cohort).
    'response_instrument_visit_idx',
    'response_pkey',
    // Forms of a subject, and the key of a form.
    'response_study_id_visit_instrument_instance_key',
    // Unsigned procedures and adverse events (dashboard, worklist).
    'response_unsigned_idx',
    'response_unsigned_order_idx',
  ]);
});
