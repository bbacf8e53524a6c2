import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestRegistry, VCU_COORDINATOR } from '../../test/helpers/registry.js';
import { createSite, enrolSubject, recordResponse, SYSTEM_ACTOR } from './index.js';

/*
 * "A visit is seen by its forms: an entered form other than end of study or an adverse event"
 * (docs/database.md, "One rule: a visit seen by its forms") is written in SQL twice, in two functions
 * migrations define: subject_progress_refresh (0015, replacing 0006's) for the staff pages, and
 * cohort_form_line (0020) whose kind 'n' the extract reads (form-tally.ts). This pins that they agree.
 */

describe('a visit seen by its forms: the staff pages and the extract agree', () => {
  let registry: Awaited<ReturnType<typeof createTestRegistry>>;
  let studyId: string;
  beforeAll(async () => {
    registry = await createTestRegistry('2026-03-02T09:00:00.000Z');
    const deps = registry.deps;
    await createSite(deps, SYSTEM_ACTOR, { id: 'VCU', name: 'VCU spine center' });
    ({ studyId } = await enrolSubject(deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: { sex: 'female', birth_year: 1948, consent_date: '2026-01-20', index_date: '2026-01-22' },
    }));
    registry.setTime('2026-02-20T09:00:00.000Z');
    const form = (visit: string, instrument: string, answers: Record<string, unknown>) =>
      recordResponse(deps, VCU_COORDINATOR, { studyId, visit, instrument, answers });
    await form('week2', 'pain', { scale: 'nrs', score: 4 });
    // An adverse event alone at week 4: the subject was not seen there.
    await form('week4', 'adverse_event', {
      term: 'other',
      term_other: 'fall at home',
      onset_date: '2026-02-18',
      reported_by: 'clinician',
    });
    // A draft pain form at week 12: not entered, so not seen.
    await recordResponse(deps, VCU_COORDINATOR, {
      studyId,
      visit: 'week12',
      instrument: 'pain',
      answers: { scale: 'nrs' },
      status: 'draft',
    });
  });
  afterAll(() => registry.destroy());

  test('an adverse event alone or a draft does not make a visit seen, in subject_progress and in the extract', async () => {
    const { db } = registry.deps;
    const progress = await db
      .selectFrom('subject_progress')
      .select('seen')
      .where('study_id', '=', studyId)
      .executeTakeFirstOrThrow();
    expect(progress.seen).toContain('week2');
    expect(progress.seen).not.toContain('week4');
    expect(progress.seen).not.toContain('week12');
    const kinds = await sql<{ visit: string; kind: string }>`
      select distinct r.visit, split_part(cohort_form_line(r), chr(31), 3) as kind
      from response r where r.study_id = ${studyId} and r.status <> 'draft'`.execute(db);
    expect(kinds.rows).toContainEqual({ visit: 'week4', kind: 'n' });
    const seenByExtract = [...new Set(kinds.rows.filter((k) => k.kind !== 'n').map((k) => k.visit))].sort();
    expect(seenByExtract).toEqual([...progress.seen].sort());
  });
});
