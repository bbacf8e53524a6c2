import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compareWithR, type RResult } from '../../test/helpers/compare-r.js';
import { createTestRegistry } from '../../test/helpers/registry.js';
import { loadDemo, SYSTEM_ACTOR } from '../registry/index.js';
import { analyseStudy } from './analyse.js';
import { cessationCsv, outcomesCsv } from './analysis-data.js';
import type { Cohort } from './cohort.js';
import { extractCohort } from './extract-cohort.js';
import type { StudyReport } from './types.js';

// Fixture made by scripts/r/make-report-fixture.ts: the same demo cohort analysed by R (bench/report.R).
const FIXTURE = path.resolve(import.meta.dirname, '../../test/fixtures/r/report-demo');
const DAY = '2026-03-02';

describe('the study report of the demo cohort agrees with R (stats, lme4, survival)', () => {
  let registry: Awaited<ReturnType<typeof createTestRegistry>>;
  let cohort: Cohort;
  let report: StudyReport;
  const r = JSON.parse(readFileSync(path.join(FIXTURE, 'r-output.json'), 'utf8')) as RResult;

  beforeAll(async () => {
    registry = await createTestRegistry(`${DAY}T09:00:00.000Z`);
    await loadDemo(registry.deps, SYSTEM_ACTOR, { subjects: 150, seed: 1 });
    cohort = await extractCohort(registry.deps.db, registry.deps.protocol, DAY);
    report = analyseStudy(cohort, `${DAY}T09:00:00.000Z`);
  });
  afterAll(() => registry.destroy());

  test('the registry hands the analysis exactly the data R analysed', () => {
    expect(outcomesCsv(cohort)).toBe(readFileSync(path.join(FIXTURE, 'outcomes.csv'), 'utf8'));
    expect(cessationCsv(cohort)).toBe(readFileSync(path.join(FIXTURE, 'cessation.csv'), 'utf8'));
  });

  test('every statistic R gives matches to 1e-6 relative', () => {
    const result = compareWithR(report, r);
    expect(result.compared).toBeGreaterThan(300);
    expect(result.maxRel, `worst: ${result.worst}`).toBeLessThan(1e-6);
  });

  test('the JSON has every key of the contract', () => {
    for (const key of ['pain', 'odi', 'mme'] as const) {
      const o = report.outcomes[key];
      expect(Object.keys(o.by_visit[0]!)).toEqual(
        expect.arrayContaining(['visit', 'n', 'mean', 'sd', 'ci_low', 'ci_high', 'median', 'q1', 'q3']),
      );
      expect(Object.keys(o.change[0]!)).toEqual(
        expect.arrayContaining([
          'visit',
          'n_pairs',
          'mean_change',
          'ci_low',
          'ci_high',
          't',
          'p_t',
          'wilcoxon_v',
          'p_wilcoxon',
          'responders_mcid',
          'responders_30pct',
        ]),
      );
      expect(Object.keys(o.lmm!)).toEqual(
        expect.arrayContaining(['fixed', 'sd_subject', 'sd_residual', 'reml_criterion']),
      );
      expect(Object.keys(o.lmm!.fixed[0]!)).toEqual(expect.arrayContaining(['term', 'estimate', 'se', 'p']));
    }
    const km = report.time_to_event.opioid_cessation;
    expect(Object.keys(km.km[0]!)).toEqual(
      expect.arrayContaining(['day', 'surv', 'lower', 'upper', 'n_risk']),
    );
    expect(Object.keys(km)).toEqual(expect.arrayContaining(['median_days', 'logrank_site']));
    expect(Object.keys(km.logrank_site)).toEqual(['chisq', 'df', 'p']);
    expect(Object.keys(report.adverse_events[0]!)).toEqual(
      expect.arrayContaining(['event', 'count', 'rate', 'ci_low', 'ci_high']),
    );
    expect(report.care_gap.kpis.length).toBeGreaterThan(5);
    expect(report.flow.treated).toBeGreaterThan(100);
    expect(report.sites.map((s) => s.site)).toEqual(['APMSS', 'OC', 'VCU']);
  });

  test('the cohort looks like the published series: pain about 7.5–8 falling to 1–2 by week 52, most untreated for osteoporosis', () => {
    const pain = report.outcomes.pain.by_visit;
    expect(pain[0]!.mean!).toBeGreaterThan(7.3);
    expect(pain[0]!.mean!).toBeLessThan(8.3);
    expect(pain.at(-1)!.mean!).toBeGreaterThan(0.8);
    expect(pain.at(-1)!.mean!).toBeLessThan(2.2);
    const started = report.care_gap.kpis.find((k) => k.kpi === 'bone_med_16w')!;
    expect(started.overall.prop!).toBeLessThan(0.5);
    // Retention: seen among treated subjects whose visit window has closed, falling over time.
    const retention = report.flow.by_visit.map((v) => v.seen / (report.flow.treated - v.not_yet_due));
    expect(retention.at(-1)!).toBeLessThan(retention[2]! - 0.1);
  });
});
