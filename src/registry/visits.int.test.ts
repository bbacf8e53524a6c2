import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  APMSS_COORDINATOR,
  createTestRegistry,
  rejects,
  VCU_COORDINATOR,
} from '../../test/helpers/registry.js';
import { analyseStudy } from '../analysis/study/index.js';
import { formatDay, parseDay } from '../schedule/index.js';
import { checkAuditedRows, extractCohort, verifyAudit } from '../store/index.js';
import { loadDemo, recordResponse, SYSTEM_ACTOR } from './index.js';
import { recordVisit } from './visits.js';

const DAY = '2026-03-02';
const plus = (date: string, days: number) => formatDay(parseDay(date, 'date') + days);

describe('visits have dates: a coordinator records when and how a visit took place, or that it was missed', () => {
  let registry: Awaited<ReturnType<typeof createTestRegistry>>;
  let studyId: string;
  let indexDate: string;
  beforeAll(async () => {
    registry = await createTestRegistry(`${DAY}T09:00:00.000Z`);
    await loadDemo(registry.deps, SYSTEM_ACTOR, { subjects: 40, seed: 3 });
    // A VCU subject seen at week 2 (a pain form there).
    const { rows } = await sql<{ study_id: string; index_date: string }>`
      select s.study_id, s.index_date::text as index_date from subject s
      where s.site_id = 'VCU' and exists (
        select from response r where r.study_id = s.study_id and r.visit = 'week2' and r.instrument = 'pain')
      order by s.study_id limit 1`.execute(registry.deps.db);
    studyId = rows[0]!.study_id;
    indexDate = rows[0]!.index_date;
  });
  afterAll(() => registry.destroy());

  const week2 = async () => {
    const cohort = await extractCohort(registry.deps.db, registry.deps.protocol, DAY);
    const report = analyseStudy(cohort, `${DAY}T09:00:00.000Z`);
    return {
      subject: cohort.subjects.find((s) => s.studyId === studyId)!.visits.get('week2'),
      flow: report.flow.by_visit.find((v) => v.visit === 'week2')!,
      completeness: report.completeness.find((c) => c.site === 'VCU' && c.visit === 'week2')!,
    };
  };

  test('without visit dates nothing is out of window (nominal days)', async () => {
    const w = await week2();
    expect(w.subject?.date).toBeUndefined();
    expect(w.flow.out_of_window).toBe(0);
    expect(w.completeness.out_of_window).toBe(0);
  });

  test('a week 2 visit done on day 25 (window days 11–17) is late: out of window in flow and completeness', async () => {
    const date = plus(indexDate, 25);
    await recordVisit(registry.deps, VCU_COORDINATOR, { studyId, visit: 'week2', date, mode: 'clinic' });
    const w = await week2();
    expect(w.subject?.date).toBe(date);
    expect(w.flow.out_of_window).toBe(1);
    expect(w.completeness.out_of_window).toBe(1);
  });

  test('recording it again as missed replaces the row (version 2); each change is an audit event', async () => {
    const saved = await recordVisit(registry.deps, VCU_COORDINATOR, {
      studyId,
      visit: 'week2',
      missedReason: 'patient in hospital',
    });
    expect(saved.version).toBe(2);
    const row = await registry.deps.db
      .selectFrom('visit')
      .selectAll()
      .where('study_id', '=', studyId)
      .execute();
    expect(row).toMatchObject([
      { visit: 'week2', visit_date: null, mode: null, missed_reason: 'patient in hospital' },
    ]);
    const events = await registry.deps.db
      .selectFrom('audit_event')
      .select(['action', 'entity_id'])
      .where('action', '=', 'visit.record')
      .execute();
    expect(events).toHaveLength(2);
    expect((await week2()).flow.out_of_window).toBe(0);
    expect(await verifyAudit(registry.deps.db)).toMatchObject({ ok: true });
    expect(await checkAuditedRows(registry.deps.db)).toMatchObject({ total: 0, rows: [] });
  });

  test('a stop date is checked against the visit’s recorded date: after it is refused, both ways', async () => {
    await recordVisit(registry.deps, VCU_COORDINATOR, {
      studyId,
      visit: 'week4',
      date: '2026-02-20',
      mode: 'clinic',
    });
    const drug = { drug: 'acetaminophen', strength: 500, unit: 'mg', route: 'oral', doses_per_day: 3 };
    const late = await rejects(
      recordResponse(registry.deps, VCU_COORDINATOR, {
        studyId,
        visit: 'week4',
        instrument: 'analgesic',
        instance: 9,
        answers: { ...drug, stop_date: '2026-02-25' },
      }),
    );
    expect(late).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'analgesic stop_date 2026-02-25 is after the date of the week4 visit (2026-02-20)',
    });
    await recordResponse(registry.deps, VCU_COORDINATOR, {
      studyId,
      visit: 'week4',
      instrument: 'analgesic',
      instance: 9,
      answers: { ...drug, stop_date: '2026-02-18' },
    });
    const earlier = await rejects(
      recordVisit(registry.deps, VCU_COORDINATOR, {
        studyId,
        visit: 'week4',
        date: '2026-02-15',
        mode: 'clinic',
      }),
    );
    expect(earlier.message).toBe(
      'analgesic stop_date 2026-02-18 is after the date of the week4 visit (2026-02-15)',
    );
  });

  test('refused: another site’s subject, a future date, done and missed at once, an unknown visit or mode', async () => {
    const other = await rejects(
      recordVisit(registry.deps, APMSS_COORDINATOR, { studyId, visit: 'week2', date: DAY, mode: 'phone' }),
    );
    expect(other).toMatchObject({ code: 'SUBJECT_NOT_FOUND' });
    const future = await rejects(
      recordVisit(registry.deps, VCU_COORDINATOR, {
        studyId,
        visit: 'week4',
        date: '2026-03-03',
        mode: 'phone',
      }),
    );
    expect(future).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'visit date 2026-03-03 is in the future (today is 2026-03-02)',
    });
    const both = await rejects(
      recordVisit(registry.deps, VCU_COORDINATOR, {
        studyId,
        visit: 'week4',
        date: DAY,
        mode: 'phone',
        missedReason: 'x',
      }),
    );
    expect(both.issues[0]!.message).toMatch(/either done \(date and mode\) or missed \(reason\), not both/);
    const noMode = await rejects(
      recordVisit(registry.deps, VCU_COORDINATOR, { studyId, visit: 'week4', date: DAY }),
    );
    expect(noMode.issues[0]!.path).toEqual(['mode']);
    expect(
      await rejects(
        recordVisit(registry.deps, VCU_COORDINATOR, { studyId, visit: 'week8', missedReason: 'x' }),
      ),
    ).toMatchObject({ code: 'UNKNOWN_VISIT' });
    const badMode = await rejects(
      recordVisit(registry.deps, VCU_COORDINATOR, {
        studyId,
        visit: 'week4',
        date: DAY,
        mode: 'fax' as 'phone',
      }),
    );
    expect(badMode.message).toBe('mode must be clinic, phone or epro (got fax)');
  });
});
