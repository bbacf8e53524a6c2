import { describe, qnorm } from '../index.js';
import type { Cohort } from './cohort.js';
import type { SiteReport, StudyReport } from './types.js';

/**
 * Each site against the pool: mean pain change at week 12 with funnel limits pool ± z·SD/√n
 * (z for 95% and 99.8%), SD the pooled SD of individual changes (Spiegelhalter 2005).
 */
export function analyseSites(cohort: Cohort, completeness: StudyReport['completeness']): SiteReport[] {
  const baseline = cohort.visits[0]!.code;
  const visit = cohort.visits.find((v) => v.code === 'week12') ?? cohort.visits[cohort.visits.length - 1]!;
  const changes = new Map<string, number[]>();
  for (const s of cohort.subjects) {
    const b = s.visits.get(baseline)?.pain;
    const f = s.visits.get(visit.code)?.pain;
    if (!s.treated || b == null || f == null) continue;
    const list = changes.get(s.site) ?? [];
    list.push(f - b);
    changes.set(s.site, list);
  }
  const all = [...changes.values()].flat();
  const pool = describe(all);
  const z95 = qnorm(0.975);
  const z998 = qnorm(0.999);
  return cohort.sites.map((site) => {
    const own = changes.get(site.id) ?? [];
    const d = describe(own);
    const rows = completeness.filter((c) => c.site === site.id);
    const expected = rows.reduce((a, r) => a + r.expected, 0);
    const seen = rows.reduce((a, r) => a + r.seen, 0);
    const se = pool.sd !== null && own.length > 0 ? pool.sd / Math.sqrt(own.length) : null;
    const lim = (z: number, sign: 1 | -1) =>
      se === null || pool.mean === null ? null : pool.mean + sign * z * se;
    const value = d.mean;
    let outside: '95' | '99.8' | null = null;
    const l998 = lim(z998, -1);
    const u998 = lim(z998, 1);
    const l95 = lim(z95, -1);
    const u95 = lim(z95, 1);
    if (value !== null && l998 !== null && u998 !== null && (value < l998 || value > u998)) outside = '99.8';
    else if (value !== null && l95 !== null && u95 !== null && (value < l95 || value > u95)) outside = '95';
    return {
      site: site.id,
      name: site.name,
      n: cohort.subjects.filter((s) => s.site === site.id && s.treated).length,
      completeness: expected ? seen / expected : 0,
      funnel: {
        outcome: `pain change at ${visit.code}`,
        n: own.length,
        value,
        pool: pool.mean,
        lower95: l95,
        upper95: u95,
        lower998: l998,
        upper998: u998,
        outside,
      },
    };
  });
}
