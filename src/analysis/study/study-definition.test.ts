import { describe, expect, test } from 'vitest';
import { SACROPLASTY_SIF, SACROPLASTY_STUDY, type StudyDefinition } from '../../protocol/index.js';
import { analyseStudy } from './analyse.js';
import { addDays, cohortOf, subject, visit } from './analyse-test-cohort.js';
import { kpiDaysOf } from './cohort-visits.js';

/** The reference definition plus a toy outcome: a 0–100 score recorded on the pain form. */
const WITH_TOY: StudyDefinition = {
  ...SACROPLASTY_STUDY,
  outcomes: [
    ...SACROPLASTY_STUDY.outcomes,
    {
      key: 'toy',
      label: 'Toy health score (0–100)',
      unit: 'points',
      instrument: 'pain',
      score: 'toy_score',
      exact: { kind: 'grid', per: 1 },
      mcid: 7,
    },
  ],
};

describe('the study definition drives the analysis', () => {
  test('an outcome added to the definition alone appears in the report: by visit, change, responders, model', () => {
    const subjects = [60, 70, 50, 80, 65, 55].map((base, i) =>
      subject(`VCU-000${i + 1}`, {
        visits: new Map([
          ['baseline', visit({ pain: 7, scores: { toy: base } })],
          ['week2', visit({ pain: 5, scores: { toy: base - 7 - i } })],
          ['week12', visit({ pain: 3, scores: { toy: base - 30 - (i % 2) } })],
        ]),
      }),
    );
    const report = analyseStudy(cohortOf(subjects, '2026-03-02', WITH_TOY), '2026-03-02T09:00:00Z');
    expect(Object.keys(report.outcomes)).toEqual(['pain', 'odi', 'mme', 'toy']);
    const toy = report.outcomes.toy!;
    expect(toy.label).toBe('Toy health score (0–100)');
    expect(toy.mcid).toBe(7);
    // Collected wherever the pain form is: baseline, 30 minutes and every week visit.
    expect(toy.by_visit.map((v) => v.visit)).toEqual([
      'baseline',
      'post30min',
      'week2',
      'week4',
      'week12',
      'week24',
      'week52',
    ]);
    expect(toy.by_visit[0]).toMatchObject({ n: 6, mean: 63.333333333333336 });
    const week2 = toy.change.find((c) => c.visit === 'week2')!;
    // Changes −7 … −12: every subject improved by at least the MCID of 7 points.
    expect(week2).toMatchObject({ n_pairs: 6, mean_change: -9.5 });
    expect(week2.responders_mcid).toMatchObject({ x: 6, n: 6 });
    // A 30-point fall from 50–80 is 37.5–60%: all at 30%, those starting at 60 or below at 50%.
    const week12 = toy.change.find((c) => c.visit === 'week12')!;
    expect(week12.responders_30pct).toMatchObject({ x: 6, n: 6 });
    expect(week12.responders_50pct).toMatchObject({ x: 3, n: 6 });
    expect(toy.lmm).not.toBeNull();
    // The reference outcomes are untouched by the addition.
    const plain = analyseStudy(cohortOf(subjects), '2026-03-02T09:00:00Z');
    expect(report.outcomes.pain).toEqual(plain.outcomes.pain);
    expect(Object.keys(plain.outcomes)).toEqual(['pain', 'odi', 'mme']);
  });

  test('KPI day limits come from the definition under the protocol: 12 and 52 weeks from its visits, 16 weeks given', () => {
    expect(kpiDaysOf(SACROPLASTY_SIF)).toEqual({
      kpis: {
        dxa_12w: 84,
        vitamin_d: 84,
        calcium_vitd: 84,
        bone_med_recommended: 84,
        bone_med_16w: 112,
        bone_med_52w: 364,
        falls_risk: 84,
        physical_therapy: 84,
      },
      untreated: 112,
    });
    // A protocol whose first osteoporosis-care follow-up is at week 8 moves every 12-week limit.
    const week8 = {
      ...SACROPLASTY_SIF,
      visits: SACROPLASTY_SIF.visits.map((v) => (v.code === 'week12' ? { ...v, offset: { days: 56 } } : v)),
    };
    expect(kpiDaysOf(week8).kpis.dxa_12w).toBe(56);
  });

  test('a KPI changed in the definition changes the report: DXA within 8 weeks', () => {
    const dxaOn = (day: number) =>
      subject(`VCU-00${day}`, {
        indexDate: '2025-01-06',
        care: { ...subject('X').care, dxaDone: true, dxaDate: addDays('2025-01-06', day) },
      });
    const subjects = [dxaOn(50), dxaOn(70)];
    const eightWeeks: StudyDefinition = {
      ...SACROPLASTY_STUDY,
      kpis: SACROPLASTY_STUDY.kpis.map((k) =>
        k.kpi === 'dxa_12w' ? { ...k, kpi: 'dxa_8w', label: 'DXA within 8 weeks', limit: { weeks: 8 } } : k,
      ),
    };
    const kpi = (d?: StudyDefinition) =>
      analyseStudy(cohortOf(subjects, '2026-03-02', d), '2026-03-02T09:00:00Z').care_gap.kpis[0]!;
    expect(kpi().overall).toMatchObject({ x: 2, n: 2 });
    expect(kpi(eightWeeks)).toMatchObject({ kpi: 'dxa_8w', label: 'DXA within 8 weeks' });
    expect(kpi(eightWeeks).overall).toMatchObject({ x: 1, n: 2 });
  });
});
