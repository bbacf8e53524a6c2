import { type KpiDefinition, SACROPLASTY_STUDY } from '../../protocol/index.js';
import { reachedDay } from '../../schedule/index.js';
import { chiSquareTest, fisherExactRx2 } from '../index.js';
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

/** A date no later than index + `limit` days (no lower bound: a DXA before the fracture counts). */
const within = (s: CohortSubject, date: string | null | undefined, limit: number) =>
  date != null && s.indexDate !== null && daysBetween(s.indexDate, date) <= limit;

/** A bone medication recorded on any form, whatever its start date: the rule for "untreated" too. */
const boneMedRecorded = (s: CohortSubject) => s.care.boneMedRecorded ?? s.care.boneMedStartDate !== null;

/** Whether a subject meets a KPI of the study definition by its rule, within its day limit. */
export function meetsKpi(k: KpiDefinition, s: CohortSubject, limit: number): boolean {
  const fact = s.kpiFacts?.[`${k.instrument}.${k.item}`];
  if (!fact) return false;
  switch (k.rule) {
    case 'dated-within':
      return within(s, k.dateItem === undefined ? null : fact.dates[k.dateItem], limit);
    case 'recorded':
      return fact.recorded;
    case 'yes':
      return fact.yes;
    case 'last-yes':
      return fact.lastYes;
  }
}

function eligible(cohort: Cohort, s: CohortSubject, afterDay: number | null): boolean {
  // A limit the protocol cannot place (no visit collecting the form) leaves nobody eligible.
  if (afterDay === null || !s.treated || !s.indexDate) return false;
  if (!reachedDay(s.indexDate, cohort.asOf, afterDay)) return false;
  // Those who died or left before the KPI's time point are not counted against the site.
  return !(s.endDate && s.endStatus !== 'completed' && !reachedDay(s.indexDate, s.endDate, afterDay));
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
  const definition = cohort.definition ?? SACROPLASTY_STUDY;
  const kpis: KpiRow[] = definition.kpis.map((k) => {
    const limit = cohort.kpiDays.kpis[k.kpi] ?? null;
    const among = k.denominator === 'bone-med-recorded' ? boneMedRecorded : () => true;
    const denominator = cohort.subjects.filter((s) => eligible(cohort, s, limit) && among(s));
    const met = (s: CohortSubject) => limit !== null && meetsKpi(k, s, limit);
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
  return { kpis, untreated: untreatedSubjects(cohort).length };
}

/**
 * The care gap's untreated subjects (the staff worklist, and the report's count): treated, past
 * the bone medication's start limit without having left before it, with no bone medication
 * recorded on any form.
 */
export function untreatedSubjects(cohort: Cohort): CohortSubject[] {
  return cohort.subjects.filter((s) => eligible(cohort, s, cohort.kpiDays.untreated) && !boneMedRecorded(s));
}
