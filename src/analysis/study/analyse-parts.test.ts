import { describe, expect, test } from 'vitest';
import { analyseCareGap } from './analyse-care.js';
import { analyseCompleteness, analyseFlow } from './analyse-flow.js';
import { analyseOpioids, cessationTimes } from './analyse-opioids.js';
import { analyseAdverseEvents, analyseSeverity } from './analyse-safety.js';
import { analyseSites } from './analyse-sites.js';
import { analyseTable1 } from './analyse-table1.js';
import { addDays, cohortOf, subject, visit } from './analyse-test-cohort.js';
import type { CohortSubject } from './cohort.js';

const INDEX = '2025-01-06';

describe('participant flow and completeness (hand-worked, week 2: day 14, window days 11–17)', () => {
  // Report date day 19 after the index: week 2's window (days 11–17) has closed, week 4's (21–35) has not.
  const asOf = addDays(INDEX, 19);
  const subjects = [
    subject('VCU-0001', { visits: new Map([['week2', visit({ pain: 3 })]]) }),
    subject('VCU-0002'),
    subject('VCU-0003', { indexDate: addDays(INDEX, 14) }),
    subject('VCU-0004', { endStatus: 'withdrawn', endReason: 'moved away', endDate: addDays(INDEX, 4) }),
    subject('VCU-0005', { treated: false, indexDate: null }),
  ];
  const cohort = cohortOf(subjects, asOf);

  test('seen, missed, left before the visit, not yet due: each treated subject in one box', () => {
    const flow = analyseFlow(cohort);
    expect(flow).toMatchObject({ screened: 5, treated: 4, withdrawn: 1, ongoing: 4 });
    expect(flow.by_visit.find((v) => v.visit === 'week2')).toMatchObject({
      expected: 2,
      seen: 1,
      missed: 1,
      left_study: 1,
      not_yet_due: 1,
    });
    expect(flow.by_visit.find((v) => v.visit === 'week4')).toMatchObject({ expected: 0, not_yet_due: 4 });
    expect(flow.reasons).toEqual([{ status: 'withdrawn', reason: 'moved away', n: 1 }]);
  });

  test('completeness counts seen / expected with the flow’s “expected”', () => {
    expect(analyseCompleteness(cohort).find((r) => r.visit === 'week2')).toEqual({
      site: 'VCU',
      visit: 'week2',
      expected: 2,
      seen: 1,
      pct: 0.5,
      out_of_window: 0,
    });
  });

  test('a visit is due the day after its window’s last day (the window is open through it), as the worklist’s missed', () => {
    const one = [subject('VCU-0001')];
    const on = (day: number) =>
      analyseFlow(cohortOf(one, addDays(INDEX, day))).by_visit.find((v) => v.visit === 'week2')!;
    expect(on(17)).toMatchObject({ expected: 0, not_yet_due: 1 });
    expect(on(18)).toMatchObject({ expected: 1, missed: 1 });
  });
});

describe('Table 1 (hand-worked)', () => {
  test('continuous as mean and median with missing counted; categorical as n (%) of those with data', () => {
    const rows = analyseTable1(
      cohortOf([
        subject('VCU-0001', { age: 70, sex: 'female' }),
        subject('VCU-0002', { age: 80, sex: 'female' }),
        subject('OC-0001', { age: null, sex: 'male' }),
        subject('OC-0002', { age: 99, sex: 'male', treated: false }),
      ]),
    );
    const age = rows.find((r) => r.variable === 'age')!;
    expect(age.overall).toMatchObject({ n: 2, missing: 1, mean: 75, median: 75 });
    expect(age.by_site.OC).toMatchObject({ n: 0, missing: 1 });
    const sex = rows.find((r) => r.variable === 'sex')!;
    expect(sex.overall).toEqual({
      n: 3,
      missing: 0,
      levels: [
        { level: 'female', n: 2, pct: (100 * 2) / 3 },
        { level: 'male', n: 1, pct: 100 / 3 },
      ],
    });
  });
});

describe('opioid use (hand-worked)', () => {
  test('any opioid among those reviewed, McNemar pairs against baseline', () => {
    const on = (base: boolean, week2: boolean, id: string) =>
      subject(id, {
        visits: new Map([
          ['baseline', visit({ opioid: base, mme: base ? 30 : 0 })],
          ['week2', visit({ opioid: week2, mme: week2 ? 15 : 0 })],
        ]),
      });
    const report = analyseOpioids(
      cohortOf([on(true, false, 'VCU-0001'), on(true, true, 'VCU-0002'), on(false, true, 'VCU-0003')]),
    );
    const week2 = report.by_visit.find((v) => v.visit === 'week2')!;
    expect(week2.n).toBe(3);
    expect(week2.any_opioid).toMatchObject({ x: 2, n: 3 });
    expect(week2.mcnemar).toMatchObject({ n_pairs: 3, b: 1, c: 1 });
    expect(week2.mme_median).toBe(15);
    expect(report.by_visit.find((v) => v.visit === 'baseline')!.any_opioid).toMatchObject({ x: 2, n: 3 });
  });
});

describe('time to opioid cessation counts days from the review date when one is recorded', () => {
  test('off opioids at week 2: the event is on its visit date (day 20), or on its nominal day 14 without one', () => {
    const stopped = (date: string | null = null) =>
      subject('VCU-0001', {
        visits: new Map([
          ['baseline', visit({ opioid: true, mme: 30, opioidsTaken: ['oxycodone'], opioidsStopped: [] })],
          ['week2', visit({ opioid: false, mme: 0, opioidsTaken: [], opioidsStopped: [], date })],
        ]),
      });
    const times = (s: CohortSubject) => cessationTimes(cohortOf([s]), [s]);
    expect(times(stopped())).toMatchObject({ time: [14], event: [1], left: [0], right: [14] });
    expect(times(stopped(addDays(INDEX, 20)))).toMatchObject({
      time: [20],
      event: [1],
      left: [0],
      right: [20],
    });
  });
});

describe('safety (hand-worked)', () => {
  test('subjects with an event per term and per grade among treated subjects', () => {
    const cohort = cohortOf([
      subject('VCU-0001', {
        adverseEvents: [
          { term: 'cement_leak', grade: 2, serious: false, sirClass: 'minor', onsetDate: INDEX },
          { term: 'cement_leak', grade: 1, serious: false, sirClass: 'minor', onsetDate: addDays(INDEX, 10) },
        ],
      }),
      subject('VCU-0002'),
    ]);
    const leak = analyseAdverseEvents(cohort).find((r) => r.event === 'cement_leak')!;
    expect(leak).toMatchObject({ count: 1, rate: 0.5, events: 2 });
    expect(analyseAdverseEvents(cohort).find((r) => r.event === 'serious')).toMatchObject({ count: 0 });
    expect(analyseSeverity(cohort).map((g) => g.count)).toEqual([1, 1, 0, 0, 0]);
  });
});

describe('sites (hand-worked)', () => {
  test('each site’s mean pain change at week 12 against the pool', () => {
    const change = (id: string, from: number, to: number) =>
      subject(id, {
        visits: new Map([
          ['baseline', visit({ pain: from })],
          ['week12', visit({ pain: to })],
        ]),
      });
    const cohort = cohortOf([change('VCU-0001', 8, 4), change('VCU-0002', 8, 2), change('OC-0001', 7, 5)]);
    const sites = analyseSites(cohort, analyseCompleteness(cohort));
    expect(sites.map((s) => [s.site, s.n, s.funnel.n, s.funnel.value, s.funnel.pool])).toEqual([
      ['OC', 1, 1, -2, -4],
      ['VCU', 2, 2, -5, -4],
    ]);
  });
});

describe('each care-gap KPI definition (hand-worked; index + limit is the last day that counts)', () => {
  const at = (days: number) => addDays(INDEX, days);
  const base = subject('X-0').care;
  type Care = CohortSubject['care'];
  const cases: [string, Partial<Care>, Partial<Care>][] = [
    ['dxa_12w', { dxaDone: true, dxaDate: at(84) }, { dxaDone: true, dxaDate: at(85) }],
    ['vitamin_d', { vitaminDMeasured: true }, {}],
    ['calcium_vitd', { calciumVitD: true }, {}],
    ['bone_med_recommended', { boneMedRecommended: true }, {}],
    [
      'bone_med_16w',
      { boneMedRecorded: true, boneMedStartDate: at(112) },
      { boneMedRecorded: true, boneMedStartDate: at(113) },
    ],
    [
      'bone_med_52w',
      { boneMedRecorded: true, boneMedPersisting: true },
      { boneMedRecorded: true, boneMedPersisting: false },
    ],
    ['falls_risk', { fallsRiskAssessed: true }, {}],
    ['physical_therapy', { ptStarted: true, ptStartDate: at(84) }, { ptStarted: true, ptStartDate: at(85) }],
  ];
  test.each(cases)('%s: met by one, not by the other', (kpi, meets, misses) => {
    const subjects = [
      subject('VCU-0001', { care: { ...base, ...meets } }),
      subject('VCU-0002', { care: { ...base, ...misses } }),
      // No care recorded: in every denominator except persistence (no bone medication recorded).
      subject('VCU-0003'),
      // Not yet past any limit: in no denominator.
      subject('VCU-0004', { indexDate: addDays('2026-03-02', -20), care: { ...base, ...meets } }),
    ];
    const row = analyseCareGap(cohortOf(subjects)).kpis.find((k) => k.kpi === kpi)!;
    expect(row.overall).toMatchObject({ x: 1, n: kpi === 'bone_med_52w' ? 2 : 3 });
  });

  test('untreated: past 16 weeks with no bone medication recorded on any form, whatever its start date', () => {
    const subjects = [
      subject('VCU-0001'),
      subject('VCU-0002', { care: { ...base, boneMedRecorded: true, boneMedStartDate: null } }),
      subject('VCU-0003', { indexDate: addDays('2026-03-02', -100) }),
    ];
    expect(analyseCareGap(cohortOf(subjects)).untreated).toBe(1);
  });
});
