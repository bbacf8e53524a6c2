import { chiSquareTest, fisherExact2x2 } from '../analysis/index.js';
import { proportion } from './analyse-outcomes.js';
import { type Cohort, type CohortSubject, daysBetween } from './cohort.js';
import type { Band, CareGapReport, KpiRow } from './types.js';

/** Fracture liaison KPI bands (CLINICAL.md): < 50% red, 50–80% amber, > 80% green. */
export function band(prop: number | null): Band {
  if (prop === null) return 'none';
  if (prop < 0.5) return 'red';
  if (prop <= 0.8) return 'amber';
  return 'green';
}

interface KpiSpec {
  kpi: string;
  label: string;
  /** Days after the index date before a subject counts in the denominator. */
  afterDay: number;
  met: (s: CohortSubject) => boolean;
}

const KPIS: KpiSpec[] = [
  { kpi: 'dxa_12w', label: 'DXA done within 12 weeks', afterDay: 84, met: (s) => s.care.dxaDone },
  { kpi: 'vitamin_d', label: '25-OH vitamin D measured', afterDay: 84, met: (s) => s.care.vitaminDMeasured },
  { kpi: 'calcium_vitd', label: 'Calcium / vitamin D started', afterDay: 84, met: (s) => s.care.calciumVitD },
  {
    kpi: 'bone_med_recommended',
    label: 'Bone medication recommended',
    afterDay: 84,
    met: (s) => s.care.boneMedRecommended,
  },
  {
    kpi: 'bone_med_16w',
    label: 'Bone medication started within 16 weeks',
    afterDay: 112,
    met: (s) =>
      s.care.boneMedStartDate !== null &&
      s.indexDate !== null &&
      daysBetween(s.indexDate, s.care.boneMedStartDate) <= 112,
  },
  {
    kpi: 'bone_med_52w',
    label: 'Bone medication still taken at 52 weeks',
    afterDay: 364,
    met: (s) => s.care.boneMedPersisting === true,
  },
  { kpi: 'falls_risk', label: 'Falls-risk assessment', afterDay: 84, met: (s) => s.care.fallsRiskAssessed },
  { kpi: 'physical_therapy', label: 'Physical therapy started', afterDay: 84, met: (s) => s.care.ptStarted },
];

function eligible(cohort: Cohort, s: CohortSubject, afterDay: number): boolean {
  if (!s.treated || !s.indexDate) return false;
  if (daysBetween(s.indexDate, cohort.asOf) < afterDay) return false;
  // Those who died or left before the KPI's time point are not counted against the site.
  return !(s.endDate && s.endStatus !== 'completed' && daysBetween(s.indexDate, s.endDate) < afterDay);
}

/**
 * Heterogeneity across sites of one KPI: Fisher's exact test for two sites, chi-square test of the
 * sites × (met, not met) table for more (as R chisq.test); sites with no eligible subject left out.
 */
export function sitesDiffer(bySite: readonly { x: number; n: number }[]): number | null {
  const rows = bySite.filter((s) => s.n > 0).map((s) => [s.x, s.n - s.x]);
  if (rows.length < 2) return null;
  const met = rows.reduce((a, r) => a + r[0]!, 0);
  const notMet = rows.reduce((a, r) => a + r[1]!, 0);
  if (met === 0 || notMet === 0) return null;
  if (rows.length === 2) return fisherExact2x2(rows[0]![0]!, rows[0]![1]!, rows[1]![0]!, rows[1]![1]!).p;
  return chiSquareTest(rows).p;
}

/** Osteoporosis care-gap KPIs per site and overall, each with its band, and the untreated count. */
export function analyseCareGap(cohort: Cohort): CareGapReport {
  const kpis: KpiRow[] = KPIS.map((k) => {
    const denominator = cohort.subjects.filter((s) => eligible(cohort, s, k.afterDay));
    const overall = proportion(denominator.filter(k.met).length, denominator.length);
    return {
      kpi: k.kpi,
      label: k.label,
      overall: { ...overall, band: band(overall.prop) },
      by_site: cohort.sites.map((site) => {
        const own = denominator.filter((s) => s.site === site.id);
        const p = proportion(own.filter(k.met).length, own.length);
        return { ...p, site: site.id, band: band(p.prop) };
      }),
      p_sites: null as number | null,
    };
  });
  for (const k of kpis) k.p_sites = sitesDiffer(k.by_site);
  const untreated = cohort.subjects.filter(
    (s) => eligible(cohort, s, 112) && s.care.boneMedStartDate === null,
  ).length;
  return { kpis, untreated };
}
