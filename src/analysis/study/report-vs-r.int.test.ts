import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FIXTURE_DAY, FIXTURE_DIR, loadFixtureCohort } from '../../../scripts/r/report-fixture-cohort.js';
import { compareWithR, type RResult } from '../../../test/helpers/compare-r.js';
import { createTestRegistry } from '../../../test/helpers/registry.js';
import { extractCohort } from '../../store/index.js';
import { analyseStudy } from './analyse.js';
import {
  aeEventsCsv,
  aeFollowUpCsv,
  cessationCsv,
  expectedCsv,
  kpiCsv,
  opioidsCsv,
  outcomesCsv,
} from './analysis-data.js';
import type { Cohort } from './cohort.js';
import type { StudyReport } from './types.js';

// Fixture made by scripts/r/make-report-fixture.ts: the committed fixture cohort (cohort.csv, once
// made by the demo generator) analysed by R (bench/report.R).
const FIXTURE = FIXTURE_DIR;
const DAY = FIXTURE_DAY;

describe('the study report of the fixture cohort agrees with R (stats, lme4, lmerTest, survival)', () => {
  let registry: Awaited<ReturnType<typeof createTestRegistry>>;
  let cohort: Cohort;
  let report: StudyReport;
  const r = JSON.parse(readFileSync(path.join(FIXTURE, 'r-output.json'), 'utf8')) as RResult;

  beforeAll(async () => {
    registry = await createTestRegistry(`${DAY}T09:00:00.000Z`);
    await loadFixtureCohort(registry.deps);
    cohort = await extractCohort(registry.deps.db, registry.deps.protocol, DAY);
    report = analyseStudy(cohort, `${DAY}T09:00:00.000Z`);
  });
  afterAll(() => registry.destroy());

  test('the registry hands the analysis exactly the data R analysed', () => {
    const files = {
      'outcomes.csv': outcomesCsv,
      'cessation.csv': cessationCsv,
      'expected.csv': expectedCsv,
      'ae.csv': aeFollowUpCsv,
      'ae-events.csv': aeEventsCsv,
      'kpi.csv': kpiCsv,
      'opioids.csv': opioidsCsv,
    };
    for (const [name, make] of Object.entries(files)) {
      expect(make(cohort), name).toBe(readFileSync(path.join(FIXTURE, name), 'utf8'));
    }
  });

  test('every statistic R gives is in the report and matches to 1e-6 relative (Turnbull 2e-4)', () => {
    const result = compareWithR(report, r);
    expect(result.missing).toEqual([]);
    expect(result.compared).toBeGreaterThan(500);
    expect(result.maxRel, `worst: ${result.worst}`).toBeLessThan(1e-6);
    expect(result.maxTurnbull, `worst: ${result.worstTurnbull}`).toBeLessThan(2e-4);
    console.log(
      `compared ${result.compared} numbers with R: max rel ${result.maxRel.toExponential(2)} (${result.worst}), Turnbull ${result.maxTurnbull.toExponential(2)}`,
    );
  });

  test('a statistic R gives that the report lacks, or gives as null, fails the comparison', () => {
    const broken = structuredClone(report);
    const pain = broken.outcomes.pain;
    delete (pain.change[0] as Partial<(typeof pain.change)[number]>).p_t;
    pain.change[1]!.responders_mcid_itt.ci_low = null;
    const lmm = pain.lmm as Extract<typeof pain.lmm, { fixed: unknown }>;
    lmm.fixed[1]!.term = 'visit_renamed';
    broken.time_to_event.opioid_cessation.turnbull = [];
    const result = compareWithR(broken, r);
    expect(result.missing).toEqual(
      expect.arrayContaining([
        expect.stringContaining('outcomes.pain.change[visit=post30min].p_t'),
        expect.stringContaining('outcomes.pain.change[visit=week2].responders_mcid_itt.ci_low'),
        expect.stringContaining('outcomes.pain.lmm.fixed[term=visitpost30min]'),
        expect.stringContaining('turnbull[day=7]'),
      ]),
    );
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
      const lmm = o.lmm as Extract<typeof o.lmm, { fixed: unknown }>;
      expect(Object.keys(lmm.fixed[0]!)).toEqual(['term', 'estimate', 'se', 'df', 't', 'p']);
      expect(o.change.map((c) => c.visit)[0]).toBe(key === 'pain' ? 'post30min' : 'week2');
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
