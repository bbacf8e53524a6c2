import { sql } from 'kysely';
import type { Band, StudyReport } from '../../analysis/study/types.js';
import { SACROPLASTY_STUDY, type StudyDefinition } from '../../protocol/index.js';
import { dayOf, formatDay } from '../../schedule/index.js';
import type { Actor, RegistryDeps } from '../context.js';
import { changedSubjects } from './care-state.js';
import { siteCare } from './care-tally.js';
import { readableSites, readSubjectFacts } from './subject-facts.js';
import type { ViewCache } from './view-cache.js';
import { visitCells } from './visit-cells.js';
import { SIGNED_INSTRUMENTS } from './worklists.js';

/** Past this many changed subjects a write is followed by a whole count of the overdue visits. */
const MAX_CHANGED = 200;

export interface SiteDashboard {
  siteId: string;
  siteName: string;
  /** Subjects enrolled (past screening) by month of enrolment, and the running total. */
  enrolment: { month: string; enrolled: number; cumulative: number }[];
  /** Follow-up completeness by visit: seen / expected, as the study report counts them. */
  completeness: StudyReport['completeness'];
  /** Care-gap KPIs of the site with the report's bands (< 50% red, 50–80% amber, > 80% green). */
  kpis: { kpi: string; label: string; x: number; n: number; prop: number | null; band: Band }[];
  /** Patients with no bone medication past its start limit (the care-gap worklist's count). */
  untreated: number;
  openQueries: number;
  /** Entered procedures and adverse events not signed (the worklist's). */
  unsignedForms: number;
  overdueVisits: number;
}

/**
 * The dashboard of each of the actor's sites (issue 8 §3.1): enrolment over time, follow-up
 * completeness by visit and the care-gap KPIs (the study report's own analyses per subject, summed
 * per site from the care tally in PostgreSQL: care-tally.ts), open queries, unsigned forms and
 * overdue visits (the schedule's `overdue`, kept in `cache` while the registry is unchanged).
 */
export async function siteDashboards(
  deps: RegistryDeps,
  actor: Actor,
  options: { definition?: StudyDefinition; cache?: ViewCache } = {},
): Promise<SiteDashboard[]> {
  const sites = readableSites(actor);
  const definition = options.definition ?? SACROPLASTY_STUDY;
  const now = deps.clock();
  const asOf = formatDay(dayOf(now));
  const [care, siteList, overdueCounts, enrolment, openQueries, unsigned] = await Promise.all([
    siteCare(deps, sites, asOf, definition),
    deps.db
      .selectFrom('site')
      .select(['id', 'name'])
      .orderBy('id')
      .$if(sites !== null, (q) => q.where('id', 'in', sites!))
      .execute(),
    overdueBySite(deps, sites, now, asOf, options.cache),
    deps.db
      .selectFrom('subject')
      .select([
        'site_id',
        sql<string>`to_char(enrolled_on, 'YYYY-MM')`.as('month'),
        sql<number>`count(*)::int`.as('n'),
      ])
      .where('status', '!=', 'screened')
      .groupBy(['site_id', sql`to_char(enrolled_on, 'YYYY-MM')`])
      .orderBy('site_id')
      .orderBy(sql`to_char(enrolled_on, 'YYYY-MM')`)
      .$if(sites !== null, (q) => q.where('site_id', 'in', sites!))
      .execute(),
    deps.db
      .selectFrom('query')
      .select(['site_id', sql<number>`count(*)::int`.as('n')])
      .where('status', '=', 'open')
      .groupBy('site_id')
      .$if(sites !== null, (q) => q.where('site_id', 'in', sites!))
      .execute(),
    deps.db
      .selectFrom('response')
      .select(['site_id', sql<number>`count(*)::int`.as('n')])
      .where('instrument', 'in', SIGNED_INSTRUMENTS)
      .where('status', '!=', 'draft')
      .where('signed_at', 'is', null)
      .groupBy('site_id')
      .$if(sites !== null, (q) => q.where('site_id', 'in', sites!))
      .execute(),
  ]);
  const overdue = new Map(overdueCounts);
  const count = (rows: { site_id: string; n: number }[], site: string) =>
    rows.find((r) => r.site_id === site)?.n ?? 0;
  return siteList.map((site) => {
    const own = care(site.id);
    let cumulative = 0;
    return {
      siteId: site.id,
      siteName: site.name,
      enrolment: enrolment
        .filter((r) => r.site_id === site.id)
        .map((r) => {
          cumulative += r.n;
          return { month: r.month, enrolled: r.n, cumulative };
        }),
      completeness: own.completeness,
      kpis: own.kpis,
      untreated: own.untreated,
      openQueries: count(openQueries, site.id),
      unsignedForms: count(unsigned, site.id),
      overdueVisits: overdue.get(site.id) ?? 0,
    };
  });
}

/**
 * Overdue visits (the schedule's `overdue`) per site, among the subjects whose schedule may hold an
 * overdue visit today; kept in `cache` while the registry is unchanged, and after a write brought up to
 * date by reading again only the subjects it changed (as `careState`).
 */
async function overdueBySite(
  deps: RegistryDeps,
  sites: readonly string[] | null,
  now: Date,
  asOf: string,
  cache: ViewCache | undefined,
): Promise<[string, number][]> {
  const key = `overdue|${sites?.join(',') ?? '*'}|${asOf}|${deps.protocol.id}@${deps.protocol.version}`;
  // Each subject's overdue visits, those with none left out.
  const count = async (studyIds?: readonly string[]) => {
    // Open queries only mark collected visits (visitCells), never an overdue one: not read.
    const facts = await readSubjectFacts(deps.db, sites, studyIds, {
      protocol: deps.protocol,
      today: asOf,
      aheadDays: 0,
      overdueOnly: true,
    });
    const bySubject = new Map<string, { site: string; n: number }>();
    for (const f of facts) {
      const n = visitCells(deps.protocol, f, now).filter((c) => c.state === 'overdue').length;
      if (n > 0) bySubject.set(f.studyId, { site: f.siteId, n });
    }
    return bySubject;
  };
  const bySubject = cache
    ? await cache.getUpdated(
        deps.db,
        key,
        () => count(),
        async (previous, since, head) => {
          const changed = await changedSubjects(deps.db, since, head);
          if (changed === null || changed.length > MAX_CHANGED) return null;
          if (changed.length === 0) return previous;
          const next = new Map(previous);
          for (const id of changed) next.delete(id);
          for (const [id, own] of await count(changed)) next.set(id, own);
          return next;
        },
      )
    : await count();
  const overdue = new Map<string, number>();
  for (const { site, n } of bySubject.values()) overdue.set(site, (overdue.get(site) ?? 0) + n);
  return [...overdue];
}
