import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestRegistry } from '../../../test/helpers/registry.js';
import { loadDemo, recordResponse, SYSTEM_ACTOR } from '../../registry/index.js';

const DAY = '2026-03-02';

describe('cohort_form: the narrow copy of each entered form the extraction reads, kept by triggers on response', () => {
  let registry: Awaited<ReturnType<typeof createTestRegistry>>;
  beforeAll(async () => {
    registry = await createTestRegistry(`${DAY}T09:00:00.000Z`);
    await loadDemo(registry.deps, SYSTEM_ACTOR, { subjects: 12, seed: 5 });
  });
  afterAll(() => registry.destroy());

  /** cohort_form as it is, and as it would be built again from every entered form of response now. */
  const kept = async () => {
    const { rows } = await sql<{ id: string; line: string; read: string | null }>`
      select f.id::text as id, f.line, f.read from cohort_form f order by f.id`.execute(registry.deps.db);
    return rows;
  };
  const rebuilt = async () => {
    const { rows } = await sql<{ id: string; line: string; read: string | null }>`
      select r.id::text, cohort_form_line(r) as line, cohort_form_read(r) as read
      from response r where r.status <> 'draft' order by r.id`.execute(registry.deps.db);
    return rows;
  };

  test('after the demo load every entered form has its row, as built from response', async () => {
    const rows = await kept();
    expect(rows.length).toBeGreaterThan(100);
    expect(rows).toEqual(await rebuilt());
  });

  test('a use case write, an update of many forms, a draft, its completion and a delete keep it equal', async () => {
    const studyId = (
      await registry.deps.db.selectFrom('subject').select('study_id').executeTakeFirstOrThrow()
    ).study_id;
    await recordResponse(registry.deps, SYSTEM_ACTOR, {
      studyId,
      visit: 'week2',
      instrument: 'analgesic',
      instance: 9,
      answers: { drug: 'oxycodone', strength: 10, unit: 'mg', doses_per_day: 2, stop_date: DAY },
    });
    expect(await kept()).toEqual(await rebuilt());
    // One statement over many forms (as a migration or an import would): new pain scores.
    await sql`update response set pain_nrs = pain_nrs + 0.5 where pain_nrs is not null`.execute(
      registry.deps.db,
    );
    // A form back to draft leaves the copy; completed again it returns.
    const form = await registry.deps.db
      .selectFrom('response')
      .select('id')
      .where('instrument', '=', 'procedure')
      .executeTakeFirstOrThrow();
    await sql`update response set status = 'draft' where id = ${form.id}`.execute(registry.deps.db);
    expect((await kept()).some((r) => r.id === String(form.id))).toBe(false);
    expect(await kept()).toEqual(await rebuilt());
    await sql`update response set status = 'complete' where id = ${form.id}`.execute(registry.deps.db);
    expect(await kept()).toEqual(await rebuilt());
    // A deleted form (one with nothing referring to it) leaves no row.
    const gone = await sql<{ id: string }>`
      delete from response r where r.id = (
        select max(x.id) from response x where x.instrument = 'pain'
          and not exists (select from signature g where g.response_id = x.id)
          and not exists (select from query q where q.response_id = x.id)
          and not exists (select from sdv d where d.response_id = x.id))
      returning r.id::text`.execute(registry.deps.db);
    expect(gone.rows).toHaveLength(1);
    expect((await kept()).some((r) => r.id === gone.rows[0]!.id)).toBe(false);
    expect(await kept()).toEqual(await rebuilt());
  });

  test('a line holds the typed scores; a read holds the kept answers in cohort_form_items() order', async () => {
    const { rows } = await sql<{ line: string; read: string | null; instrument: string; id: string }>`
      select f.line, f.read, r.instrument, r.id::text from cohort_form f join response r using (id)
      where r.instrument in ('analgesic', 'enrollment') order by r.id`.execute(registry.deps.db);
    // The oxycodone listed with a stop date above: what it is, MME, opioid, drug, stop date, instance.
    const stopped = rows.find((r) => r.instrument === 'analgesic' && r.line.includes(`\x1fs${DAY}`))!;
    expect(stopped.line.split('\x1f').slice(2)).toEqual(['a', 'm3000', 'q1', 'doxycodone', `s${DAY}`, 'i9']);
    expect(stopped.read).toBeNull();
    const enrollment = rows.find((r) => r.instrument === 'enrollment')!;
    const items = await sql<{ items: string[] }>`
      select items from cohort_form_items() where instrument = 'enrollment'`.execute(registry.deps.db);
    const read = JSON.parse(enrollment.read!) as unknown[];
    expect(read.slice(0, 1)).toEqual(['enrollment']);
    expect(read[3]).toBe(Number(enrollment.id));
    expect(read).toHaveLength(4 + items.rows[0]!.items.length);
  });
});
