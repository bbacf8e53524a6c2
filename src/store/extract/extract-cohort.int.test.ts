import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestRegistry } from '../../../test/helpers/registry.js';
import { analyseStudy } from '../../analysis/study/analyse.js';
import { cessationTimes } from '../../analysis/study/analyse-opioids.js';
import { addDays } from '../../analysis/study/analyse-test-cohort.js';
import { SACROPLASTY_STUDY } from '../../protocol/index.js';
import { enrolSubject, loadDemo, recordResponse, SYSTEM_ACTOR } from '../../registry/index.js';
import { readAuditHead } from '../audit-verify.js';
import { extractCohort } from './extract-cohort.js';

const DAY = '2026-03-02';

describe('extraction: a listed analgesic with a stop date has stopped by that review', () => {
  let registry: Awaited<ReturnType<typeof createTestRegistry>>;
  beforeAll(async () => {
    registry = await createTestRegistry(`${DAY}T09:00:00.000Z`);
    await loadDemo(registry.deps, SYSTEM_ACTOR, { subjects: 40, seed: 3 });
  });
  afterAll(() => registry.destroy());

  const nextInstance = async (studyId: string, visit: string) => {
    const row = await sql<{ n: number | null }>`
      select max(instance) as n from response
      where study_id = ${studyId} and visit = ${visit} and instrument = 'analgesic'`.execute(
      registry.deps.db,
    );
    return (row.rows[0]?.n ?? 0) + 1;
  };
  const add = async (studyId: string, visit: string, answers: Record<string, unknown>) =>
    recordResponse(registry.deps, SYSTEM_ACTOR, {
      studyId,
      visit,
      instrument: 'analgesic',
      instance: await nextInstance(studyId, visit),
      answers,
    });

  test('opioid use, MME and time to cessation follow stop dates; an opioid without a factor leaves MME missing', async () => {
    const before = await extractCohort(registry.deps.db, registry.deps.protocol, DAY);
    const treated = before.subjects.filter((s) => s.treated && s.indexDate !== null);
    // A subject off opioids at week 2 gets an oxycodone listed there with a stop date: still off, MME 0.
    const off = treated.find(
      (s) => s.visits.get('week2')?.opioid === false && s.visits.get('week2')?.mme === 0,
    )!;
    await add(off.studyId, 'week2', {
      drug: 'oxycodone',
      strength: 10,
      unit: 'mg',
      doses_per_day: 3,
      stop_date: addDays(off.indexDate!, 3),
    });
    // A subject seen at week 4 gets buprenorphine (no MME factor): on opioids, MME missing (not 0).
    const bup = treated.find((s) => s !== off && s.visits.get('week4')?.opioid != null)!;
    await add(bup.studyId, 'week4', { drug: 'buprenorphine', strength: 5, unit: 'mcg_per_hr' });
    // A baseline opioid user who is off opioids at week 2: every baseline opioid is listed there with a
    // stop date, so cessation is at the latest stop date (day 5), not at the review's day 14.
    const stopper = treated.find(
      (s) =>
        s !== off &&
        s !== bup &&
        s.visits.get('baseline')?.opioid === true &&
        s.visits.get('week2')?.opioid === false,
    )!;
    const drugs = stopper.visits.get('baseline')!.opioidsTaken!;
    expect(drugs.length).toBeGreaterThan(0);
    for (const [i, drug] of drugs.entries()) {
      await add(stopper.studyId, 'week2', {
        drug,
        strength: 10,
        unit: drug === 'fentanyl_transdermal' ? 'mcg_per_hr' : 'mg',
        ...(drug === 'fentanyl_transdermal' ? {} : { doses_per_day: 2 }),
        stop_date: addDays(stopper.indexDate!, 2 + 3 * i),
      });
    }
    const after = await extractCohort(registry.deps.db, registry.deps.protocol, DAY);
    const get = (id: string) => after.subjects.find((s) => s.studyId === id)!;
    expect(get(off.studyId).visits.get('week2')).toMatchObject({ opioid: false, mme: 0 });
    expect(get(bup.studyId).visits.get('week4')).toMatchObject({ opioid: true, mme: null });
    const c = cessationTimes(after, [get(stopper.studyId)]);
    expect(c.time).toEqual([2 + 3 * (drugs.length - 1)]);
    expect(c.event).toEqual([1]);
    // Exact in the Turnbull analysis: left = right.
    expect(c.left).toEqual(c.time);
    expect(c.right).toEqual(c.time);
    // The report runs on it.
    expect(analyseStudy(after, `${DAY}T09:00:00.000Z`).opioids.by_visit.length).toBeGreaterThan(3);
  });

  test('symptom duration is the eligibility form’s own score: (screening − onset) / 7 to 0.1 week when the onset date is given', async () => {
    const { studyId } = await enrolSubject(registry.deps, SYSTEM_ACTOR, {
      siteId: 'VCU',
      answers: { sex: 'female', birth_year: 1944, consent_date: '2026-02-20', index_date: '2026-02-25' },
    });
    await recordResponse(registry.deps, SYSTEM_ACTOR, {
      studyId,
      visit: 'baseline',
      instrument: 'eligibility',
      answers: {
        age60_or_osteoporosis: true,
        screening_date: '2026-02-19',
        symptom_onset_date: '2026-01-08',
        etiology: 'osteoporotic',
        eligible: true,
      },
    });
    const cohort = await extractCohort(registry.deps.db, registry.deps.protocol, DAY);
    // 42 days / 7 = 6.0 weeks; `symptom_duration_weeks` is not filled when the onset date is known.
    expect(cohort.subjects.find((s) => s.studyId === studyId)!.symptomWeeks).toBe(6);
  });

  test('free text travels intact through the one scan of the forms; an end-of-study form alone does not make its visit seen', async () => {
    const { studyId } = await enrolSubject(registry.deps, SYSTEM_ACTOR, {
      siteId: 'VCU',
      answers: { sex: 'male', birth_year: 1950, consent_date: '2026-02-20', index_date: '2026-02-25' },
    });
    const reason = 'moved away,\n"far" \t to the coast; 100% sure\\';
    await recordResponse(registry.deps, SYSTEM_ACTOR, {
      studyId,
      visit: 'week52',
      instrument: 'end_of_study',
      answers: { status: 'withdrawn', date: '2026-02-27', reason },
    });
    const cohort = await extractCohort(registry.deps.db, registry.deps.protocol, DAY);
    const subject = cohort.subjects.find((s) => s.studyId === studyId)!;
    expect(subject).toMatchObject({ endStatus: 'withdrawn', endDate: '2026-02-27', endReason: reason });
    expect(subject.visits.has('week52')).toBe(false);
  });

  test('an outcome added to the study definition is read from its score and analysed: satisfaction at week 52', async () => {
    const withSatisfaction = {
      ...SACROPLASTY_STUDY,
      outcomes: [
        ...SACROPLASTY_STUDY.outcomes,
        {
          key: 'satisfaction',
          label: 'Satisfaction (1–5)',
          unit: 'points',
          instrument: 'satisfaction',
          score: 'satisfaction_score',
          exact: { kind: 'grid', per: 1 },
          mcid: null,
        } as const,
      ],
    };
    // The demo cohort records satisfaction at week 52; nothing else reads that score.
    const { rows } = await sql<{ n: number; mean: number }>`
      select count(*)::int as n, avg((scores->>'satisfaction_score')::float8) as mean
      from response where instrument = 'satisfaction' and status <> 'draft'`.execute(registry.deps.db);
    const cohort = await extractCohort(registry.deps.db, registry.deps.protocol, DAY, withSatisfaction);
    const report = analyseStudy(cohort, `${DAY}T09:00:00.000Z`);
    expect(Object.keys(report.outcomes)).toEqual(['pain', 'odi', 'mme', 'satisfaction']);
    const week52 = report.outcomes.satisfaction!.by_visit.find((v) => v.visit === 'week52')!;
    expect(rows[0]!.n).toBeGreaterThanOrEqual(2);
    expect(week52.n).toBe(rows[0]!.n);
    expect(week52.mean).toBeCloseTo(rows[0]!.mean, 12);
  });

  test('a KPI added to the study definition is read from its item and counted: discharged the same day', async () => {
    const withDischarge = {
      ...SACROPLASTY_STUDY,
      kpis: [
        ...SACROPLASTY_STUDY.kpis,
        {
          kpi: 'same_day_discharge',
          label: 'Discharged the same day',
          instrument: 'procedure',
          item: 'same_day_discharge',
          rule: 'yes',
          limit: { weeks: 0 },
          denominator: 'eligible',
        } as const,
      ],
    };
    const cohort = await extractCohort(registry.deps.db, registry.deps.protocol, DAY, withDischarge);
    const added = analyseStudy(cohort, `${DAY}T09:00:00.000Z`).care_gap.kpis.find(
      (k) => k.kpi === 'same_day_discharge',
    )!;
    const { rows } = await sql<{ n: number; x: number }>`
      select count(*)::int as n, count(*) filter (where r.answers->>'same_day_discharge' = 'true')::int as x
      from response r join subject s using (study_id)
      where r.instrument = 'procedure' and r.status <> 'draft' and s.index_date <= ${DAY}::date`.execute(
      registry.deps.db,
    );
    expect(rows[0]!.x).toBeGreaterThan(0);
    expect(added.overall).toMatchObject({ x: rows[0]!.x, n: rows[0]!.n });
  });

  test('a Table 1 variable added to the study definition is read from its item: same-day discharge', async () => {
    const withDischarge = {
      ...SACROPLASTY_STUDY,
      table1: [
        ...SACROPLASTY_STUDY.table1,
        {
          variable: 'same_day_discharge',
          label: 'Discharged the same day',
          kind: 'categorical',
          source: { answer: 'procedure.same_day_discharge' },
        } as const,
      ],
    };
    const cohort = await extractCohort(registry.deps.db, registry.deps.protocol, DAY, withDischarge);
    const row = analyseStudy(cohort, `${DAY}T09:00:00.000Z`).table1.find(
      (r) => r.variable === 'same_day_discharge',
    )!;
    const { rows } = await sql<{ level: string; n: number }>`
      select case when answers->>'same_day_discharge' = 'true' then 'yes' else 'no' end as level,
             count(*)::int as n
      from response where instrument = 'procedure' and status <> 'draft'
        and answers->>'same_day_discharge' is not null
      group by 1 order by 2 desc`.execute(registry.deps.db);
    expect(row.kind).toBe('categorical');
    expect('levels' in row.overall && row.overall.levels.map((l) => [l.level, l.n])).toEqual(
      rows.map((r) => [r.level, r.n]),
    );
  });

  test('the cohort carries the audit chain head of its snapshot, as `audit verify` prints it', async () => {
    const head = await readAuditHead(registry.deps.db);
    const cohort = await extractCohort(registry.deps.db, registry.deps.protocol, DAY);
    expect(cohort.auditHead).toEqual(head);
    expect(head.count).toBeGreaterThan(0);
    expect(analyseStudy(cohort, `${DAY}T09:00:00.000Z`).meta.audit_head).toEqual(head);
  });
});
