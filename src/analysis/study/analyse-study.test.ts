import { describe, expect, test } from 'vitest';
import { analyseStudy } from './analyse.js';
import { analyseCareGap } from './analyse-care.js';
import { cessationTimes } from './analyse-opioids.js';
import { analyseOutcome, OUTCOMES, responder } from './analyse-outcomes.js';
import { analyseAdverseEvents, analyseCumulativeIncidence, followUpDays } from './analyse-safety.js';
import { analyseTable1 } from './analyse-table1.js';
import { addDays, cohortOf, subject, visit } from './analyse-test-cohort.js';
import { exactValue } from './cohort.js';

const INDEX = '2025-01-06';

describe('time to opioid cessation (hand-worked)', () => {
  const onOpioids = (drugs: string[]) =>
    visit({ opioid: true, mme: 30, opioidsTaken: drugs, opioidsStopped: [] });
  const off = (stopped: { drug: string; stopDate: string }[] = []) =>
    visit({ opioid: false, mme: 0, opioidsTaken: [], opioidsStopped: stopped });

  test('the event is the latest stop date when every opioid of the previous review is listed with one', () => {
    const s = subject('VCU-0001', {
      visits: new Map([
        ['baseline', onOpioids(['morphine', 'tramadol'])],
        [
          'week2',
          off([
            { drug: 'morphine', stopDate: addDays(INDEX, 4) },
            { drug: 'tramadol', stopDate: addDays(INDEX, 9) },
          ]),
        ],
      ]),
    });
    expect(cessationTimes(cohortOf([s]), [s])).toMatchObject({
      time: [9],
      event: [1],
      left: [9],
      right: [9],
    });
  });

  test('otherwise the event is at the review’s nominal day, interval-censored from the last review on opioids', () => {
    const partly = subject('VCU-0002', {
      visits: new Map([
        ['baseline', onOpioids(['morphine', 'tramadol'])],
        ['week2', off([{ drug: 'morphine', stopDate: addDays(INDEX, 4) }])],
      ]),
    });
    const later = subject('VCU-0003', {
      visits: new Map([
        ['baseline', onOpioids(['morphine'])],
        ['week2', onOpioids(['morphine'])],
        ['week4', onOpioids(['morphine'])],
        ['week12', off()],
      ]),
    });
    const censored = subject('VCU-0004', {
      visits: new Map([
        ['baseline', onOpioids(['morphine'])],
        ['week2', onOpioids(['morphine'])],
        ['week24', onOpioids(['morphine'])],
      ]),
    });
    const neverSeen = subject('VCU-0005', { visits: new Map([['baseline', onOpioids(['morphine'])]]) });
    const c = cohortOf([partly, later, censored, neverSeen]);
    expect(cessationTimes(c, c.subjects)).toEqual({
      time: [14, 84, 168],
      event: [1, 1, 0],
      site: ['VCU', 'VCU', 'VCU'],
      left: [0, 28, 168],
      right: [14, 84, Number.POSITIVE_INFINITY],
    });
  });
});

describe('responders and change from baseline on exact values', () => {
  test('thresholds met exactly count: ODI 66 → 56 (10 points), pain 9.2 → 7.2 (2 points), ODI 30/45 → 21/45 (30%)', () => {
    // ODI as the form scores it: sum / (5 × answered) × 100. In floating point 66 − 56 = 9.999999999999993
    // and 9.2 − 7.2 = 1.9999999999999991, both below the MCID.
    const odi = (sum: number, answered: number) => (sum / (5 * answered)) * 100;
    expect(odi(33, 10) - odi(28, 10) >= 10).toBe(false);
    expect(9.2 - 7.2 >= 2).toBe(false);
    expect(responder(exactValue('odi', odi(33, 10)), exactValue('odi', odi(28, 10)), 10).mcid).toBe(true);
    expect(responder(exactValue('pain', 9.2), exactValue('pain', 7.2), 2).mcid).toBe(true);
    // ODI scored 30 of 45 (9 sections) = 66.67% and 21 of 45 = 46.67%: exactly 30% better.
    const b = odi(30, 9);
    const f = odi(21, 9);
    expect((b - f) / b >= 0.3).toBe(false);
    expect(exactValue('odi', b)).toEqual({ num: 200, den: 3 });
    const r = responder(exactValue('odi', b), exactValue('odi', f), 10);
    expect(r).toMatchObject({ mcid: true, pct30: true, pct50: false });
    // Equal changes are equal doubles, so Wilcoxon sees a tie.
    expect(responder(exactValue('pain', 9.2), exactValue('pain', 7.2), 2).change).toBe(
      responder(exactValue('pain', 6.1), exactValue('pain', 4.1), 2).change,
    );
  });

  test('the 30-minute visit is a follow-up: in change, tests, responders and Holm over all six', () => {
    const subjects = [7, 8, 9, 6, 8, 7].map((base, i) =>
      subject(`VCU-000${i + 1}`, {
        visits: new Map([
          ['baseline', visit({ pain: base })],
          ['post30min', visit({ pain: base - 4 + (i % 3) })],
          ['week2', visit({ pain: base - 3 - (i % 3) })],
          ['week4', visit({ pain: base - 3 + (i % 2) })],
          ['week12', visit({ pain: base - 2 - (i % 2) })],
          ['week24', visit({ pain: 2 + (i % 3) })],
          ['week52', visit({ pain: 1 + (i % 2) })],
        ]),
      }),
    );
    const o = analyseOutcome(cohortOf(subjects), OUTCOMES.pain);
    expect(o.change.map((c) => c.visit)).toEqual([
      'post30min',
      'week2',
      'week4',
      'week12',
      'week24',
      'week52',
    ]);
    const first = o.change[0]!;
    expect(first.n_pairs).toBe(6);
    expect(first.responders_mcid.x).toBe(6);
    // Holm over six p-values: the smallest is multiplied by 6.
    const smallest = Math.min(...o.change.map((c) => c.p_t!));
    const row = o.change.find((c) => c.p_t === smallest)!;
    expect(row.p_t_holm).toBeCloseTo(Math.min(1, 6 * smallest), 15);
  });

  test('ITT responders count every subject expected at the visit with a baseline value; a missing follow-up is a non-responder', () => {
    const seen = subject('VCU-0001', {
      visits: new Map([
        ['baseline', visit({ pain: 8, mme: 30 })],
        ['week2', visit({ pain: 4, mme: 0 })],
      ]),
    });
    const missed = subject('VCU-0002', { visits: new Map([['baseline', visit({ pain: 8, mme: 0 })]]) });
    const zero = subject('VCU-0003', {
      visits: new Map([
        ['baseline', visit({ pain: 0 })],
        ['week2', visit({ pain: 0 })],
      ]),
    });
    const c = cohortOf([seen, missed, zero]);
    const week2 = analyseOutcome(c, OUTCOMES.pain).change.find((r) => r.visit === 'week2')!;
    expect(week2.responders_mcid).toMatchObject({ x: 1, n: 2 });
    expect(week2.responders_mcid_itt).toMatchObject({ x: 1, n: 3 });
    // 30%: only baselines above 0 count.
    expect(week2.responders_30pct_itt).toMatchObject({ x: 1, n: 2 });
    const mme = analyseOutcome(c, OUTCOMES.mme).change.find((r) => r.visit === 'week2')!;
    expect(mme.responders_mcid_itt).toEqual({ x: 0, n: 0, prop: null, ci_low: null, ci_high: null });
  });
});

describe('care-gap KPIs (hand-worked)', () => {
  const care = (over: Partial<ReturnType<typeof subject>['care']>) => ({ ...subject('X-0').care, ...over });

  test('DXA and physical therapy count only when dated no later than index + 84 days; persistence among those with a bone medication', () => {
    const subjects = [
      subject('VCU-0001', {
        care: care({
          dxaDone: true,
          dxaDate: addDays(INDEX, 84),
          ptStarted: true,
          ptStartDate: addDays(INDEX, -3),
        }),
      }),
      subject('VCU-0002', {
        care: care({
          dxaDone: true,
          dxaDate: addDays(INDEX, 330),
          ptStarted: true,
          ptStartDate: addDays(INDEX, 85),
        }),
      }),
      subject('VCU-0003', {
        care: care({ dxaDone: true, dxaDate: null, boneMedRecorded: true, boneMedPersisting: true }),
      }),
      subject('VCU-0004', { care: care({ boneMedRecorded: true, boneMedStartDate: addDays(INDEX, 112) }) }),
    ];
    const report = analyseCareGap(cohortOf(subjects));
    const kpi = (k: string) => report.kpis.find((x) => x.kpi === k)!.overall;
    expect(kpi('dxa_12w')).toMatchObject({ x: 1, n: 4 });
    expect(kpi('physical_therapy')).toMatchObject({ x: 1, n: 4 });
    expect(kpi('bone_med_16w')).toMatchObject({ x: 1, n: 4 });
    // Still taken at 52 weeks: among the two with a bone medication recorded, whatever its start date.
    expect(kpi('bone_med_52w')).toMatchObject({ x: 1, n: 2 });
    // Untreated: no bone medication on any form (VCU-0003's has no start date but is recorded).
    expect(report.untreated).toBe(2);
  });
});

describe('adverse events over time (hand-worked)', () => {
  test('person-years run from the procedure to the earliest of end of study, report date and index + 406; every event in follow-up counts', () => {
    const a = subject('VCU-0001', {
      adverseEvents: [
        { term: 'cement_leak', grade: 1, serious: false, sirClass: 'minor', onsetDate: INDEX },
        { term: 'cement_leak', grade: 3, serious: true, sirClass: 'major', onsetDate: addDays(INDEX, 20) },
        // After the end of follow-up (index + 406): not counted in the rate.
        { term: 'cement_leak', grade: 1, serious: false, sirClass: 'minor', onsetDate: addDays(INDEX, 407) },
      ],
    });
    const b = subject('VCU-0002', { endStatus: 'withdrawn', endDate: addDays(INDEX, 100) });
    const c = cohortOf([a, b], '2026-12-31');
    expect(followUpDays(c, a)).toBe(406);
    expect(followUpDays(c, b)).toBe(100);
    const any = analyseAdverseEvents(c).find((r) => r.event === 'any')!;
    expect(any.person_years).toBeCloseTo(506 / 365.25, 14);
    expect(any.rate_per_100py).toBeCloseTo((100 * 2) / (506 / 365.25), 10);
    // R: poisson.test(2, 506 / 365.25 / 100)$conf.int
    expect(any.rate_ci_low).toBeCloseTo(17.4835847802734, 10);
    expect(any.rate_ci_high).toBeCloseTo(521.5053696909438, 9);
    // Cumulative incidence of any AE: 1 − KM; first events at day 0; one of two subjects.
    const ci = analyseCumulativeIncidence(c);
    expect(ci.find((r) => r.event === 'any' && r.day === 30)!.incidence).toBeCloseTo(0.5, 14);
    expect(ci.find((r) => r.event === 'serious' && r.day === 30)!.incidence).toBeCloseTo(0.5, 14);
    // Beyond the longest time on the curve (day 100: the first serious event is at day 20): null.
    expect(ci.find((r) => r.event === 'serious' && r.day === 365)!.incidence).toBeNull();
  });
});

describe('Table 1 and the mixed model', () => {
  test('the pain scale is shown overall and by site', () => {
    const rows = analyseTable1(
      cohortOf([
        subject('APMSS-0001', { painScale: 'vas' }),
        subject('VCU-0001', { painScale: 'nrs' }),
        subject('VCU-0002', { painScale: 'nrs' }),
      ]),
    );
    const scale = rows.find((r) => r.variable === 'pain_scale')!;
    expect(scale.kind).toBe('categorical');
    expect(scale.by_site.APMSS).toMatchObject({ levels: [{ level: 'vas', n: 1 }] });
    expect(scale.by_site.VCU).toMatchObject({ levels: [{ level: 'nrs', n: 2 }] });
  });

  test('a model that cannot be fitted is reported with its reason', () => {
    const one = subject('VCU-0001', {
      visits: new Map([
        ['baseline', visit({ pain: 8 })],
        ['week2', visit({ pain: 3 })],
      ]),
    });
    const report = analyseStudy(cohortOf([one]), '2026-03-02T09:00:00.000Z');
    expect(report.outcomes.pain.lmm).toEqual({ missing_reason: expect.stringMatching(/^not fitted: /) });
  });
});
