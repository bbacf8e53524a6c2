import { chiSquareTest, fisherExactRx2 } from '../index.js';
import { proportion } from './analyse-outcomes.js';
import { type Cohort, type CohortSubject, daysBetween, type KpiDays } from './cohort.js';
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
  /** Which of the protocol's KPI day limits applies: the time point a subject must have passed. */
  limit: keyof KpiDays;
  /** Among the eligible subjects, who counts in the denominator (all when absent). */
  among?: (s: CohortSubject) => boolean;
  met: (s: CohortSubject, days: KpiDays) => boolean;
}

/** A date no later than index + `limit` days (no lower bound: a DXA before the fracture counts). */
const within = (s: CohortSubject, date: string | null | undefined, limit: number) =>
  date != null && s.indexDate !== null && daysBetween(s.indexDate, date) <= limit;

/** A bone medication recorded on any form, whatever its start date: the rule for "untreated" too. */
const boneMedRecorded = (s: CohortSubject) => s.care.boneMedRecorded ?? s.care.boneMedStartDate !== null;

/** The fracture-liaison day limits when the cohort carries none (12, 16 and 52 weeks). */
export const DEFAULT_KPI_DAYS: KpiDays = { assessment: 84, boneMedStart: 112, persistence: 364 };

export const KPIS: KpiSpec[] = [
  {
    kpi: 'dxa_12w',
    label: 'DXA done within 12 weeks',
    limit: 'assessment',
    met: (s, d) => within(s, s.care.dxaDate, d.assessment),
  },
  {
    kpi: 'vitamin_d',
    label: '25-OH vitamin D measured',
    limit: 'assessment',
    met: (s) => s.care.vitaminDMeasured,
  },
  {
    kpi: 'calcium_vitd',
    label: 'Calcium / vitamin D started',
    limit: 'assessment',
    met: (s) => s.care.calciumVitD,
  },
  {
    kpi: 'bone_med_recommended',
    label: 'Bone medication recommended',
    limit: 'assessment',
    met: (s) => s.care.boneMedRecommended,
  },
  {
    kpi: 'bone_med_16w',
    label: 'Bone medication started within 16 weeks',
    limit: 'boneMedStart',
    met: (s, d) => within(s, s.care.boneMedStartDate, d.boneMedStart),
  },
  {
    kpi: 'bone_med_52w',
    label: 'Bone medication still taken at 52 weeks',
    limit: 'persistence',
    among: boneMedRecorded,
    met: (s) => s.care.boneMedPersisting === true,
  },
  {
    kpi: 'falls_risk',
    label: 'Falls-risk assessment',
    limit: 'assessment',
    met: (s) => s.care.fallsRiskAssessed,
  },
  {
    kpi: 'physical_therapy',
    label: 'Physical therapy started',
    limit: 'assessment',
    met: (s, d) => within(s, s.care.ptStartDate, d.assessment),
  },
];

function eligible(cohort: Cohort, s: CohortSubject, afterDay: number): boolean {
  if (!s.treated || !s.indexDate) return false;
  if (daysBetween(s.indexDate, cohort.asOf) < afterDay) return false;
  // Those who died or left before the KPI's time point are not counted against the site.
  return !(s.endDate && s.endStatus !== 'completed' && daysBetween(s.indexDate, s.endDate) < afterDay);
}

/**
 * Heterogeneity across sites of one KPI on the sites × (met, not met) table, sites with no
 * eligible subject dropped first: Pearson's chi-square without continuity correction when every
 * expected count is at least 5 (compared exactly: row total × column total ≥ 5 × N), otherwise
 * Fisher's exact test (r × 2, as R fisher.test). Everybody or nobody meeting it: p = 1. Null with
 * fewer than two sites, or when the exact test would enumerate more than 10^8 tables.
 */
export function sitesDiffer(bySite: readonly { x: number; n: number }[]): number | null {
  const rows = bySite.filter((s) => s.n > 0).map((s) => [s.x, s.n - s.x] as const);
  if (rows.length < 2) return null;
  const met = rows.reduce((a, r) => a + r[0], 0);
  const notMet = rows.reduce((a, r) => a + r[1], 0);
  if (met === 0 || notMet === 0) return 1;
  const total = met + notMet;
  const large = rows.every((r) => (r[0] + r[1]) * Math.min(met, notMet) >= 5 * total);
  if (large)
    return chiSquareTest(
      rows.map((r) => [r[0], r[1]]),
      { correct: false },
    ).p;
  return fisherExactRx2(rows.map((r) => [r[0], r[1]]));
}

/** Osteoporosis care-gap KPIs per site and overall, each with its band, and the untreated count. */
export function analyseCareGap(cohort: Cohort): CareGapReport {
  const days = cohort.kpiDays ?? DEFAULT_KPI_DAYS;
  const kpis: KpiRow[] = KPIS.map((k) => {
    const denominator = cohort.subjects.filter(
      (s) => eligible(cohort, s, days[k.limit]) && (k.among?.(s) ?? true),
    );
    const met = (s: CohortSubject) => k.met(s, days);
    const overall = proportion(denominator.filter(met).length, denominator.length);
    return {
      kpi: k.kpi,
      label: k.label,
      overall: { ...overall, band: band(overall.prop) },
      by_site: cohort.sites.map((site) => {
        const own = denominator.filter((s) => s.site === site.id);
        const p = proportion(own.filter(met).length, own.length);
        return { ...p, site: site.id, band: band(p.prop) };
      }),
      p_sites: null as number | null,
    };
  });
  for (const k of kpis) k.p_sites = sitesDiffer(k.by_site);
  // Untreated: past the start limit with no bone medication recorded on any form.
  const untreated = cohort.subjects.filter(
    (s) => eligible(cohort, s, days.boneMedStart) && !boneMedRecorded(s),
  ).length;
  return { kpis, untreated };
}
