import { type Kysely, sql } from 'kysely';
import { analyseCareGap, untreatedSubjects } from '../../analysis/study/analyse-care.js';
import { analyseCompleteness } from '../../analysis/study/analyse-flow.js';
import type { Cohort } from '../../analysis/study/cohort.js';
import type { CareGapReport, StudyReport } from '../../analysis/study/types.js';
import type { StudyDefinition } from '../../protocol/index.js';
import type { Database } from '../../store/index.js';
import type { RegistryDeps } from '../context.js';
import { careCohort } from './care-facts.js';
import type { ViewCache } from './view-cache.js';

/** What the study report's own analyses say about some sites' subjects on one day. */
export interface CareState {
  care: CareGapReport;
  completeness: StudyReport['completeness'];
  /** The care gap's untreated subjects (`untreatedSubjects`). */
  untreated: { studyId: string; site: string; indexDate: string }[];
}

/** Past this many changed subjects a write is followed by a whole read (it is then as fast). */
const MAX_CHANGED = 200;

/**
 * The care-gap KPIs, follow-up completeness and untreated subjects of some sites (null: all) as of
 * a day, from the analysis functions the study report calls; kept in `cache` while the registry is
 * unchanged, and after a write brought up to date by reading again only the subjects it changed.
 */
export async function careState(
  deps: RegistryDeps,
  sites: readonly string[] | null,
  asOf: string,
  definition: StudyDefinition,
  cache?: ViewCache,
): Promise<CareState> {
  const key = `care|${sites?.join(',') ?? '*'}|${asOf}|${deps.protocol.id}@${deps.protocol.version}`;
  const compute = async () => analysed(await careCohort(deps.db, deps.protocol, sites, asOf, definition));
  if (!cache) return (await compute()).state;
  const kept = await cache.getUpdated(deps.db, key, compute, async (previous, since, head) => {
    const changed = await changedSubjects(deps.db, since, head);
    if (changed === null || changed.length > MAX_CHANGED) return null;
    if (changed.length === 0) return previous;
    const fresh = await careCohort(deps.db, deps.protocol, sites, asOf, definition, changed);
    const read = new Map(fresh.subjects.map((s) => [s.studyId, s]));
    const known = new Set(previous.cohort.subjects.map((s) => s.studyId));
    // A subject new to these sites, or gone from them, changes the order: read everything again.
    for (const id of changed) if (read.has(id) !== known.has(id)) return null;
    return analysed({
      ...previous.cohort,
      subjects: previous.cohort.subjects.map((s) => read.get(s.studyId) ?? s),
    });
  });
  return kept.state;
}

function analysed(cohort: Cohort): { cohort: Cohort; state: CareState } {
  return {
    cohort,
    state: {
      care: analyseCareGap(cohort),
      completeness: analyseCompleteness(cohort),
      untreated: untreatedSubjects(cohort).map((s) => ({
        studyId: s.studyId,
        site: s.site,
        indexDate: s.indexDate!,
      })),
    },
  };
}

/** Audited tables whose rows the care cohort never reads (and which derive nothing it reads). */
const UNREAD_TABLES = new Set(['app_user', 'subject_identity', 'query', 'query_message', 'signature', 'sdv']);

/**
 * The study ids whose subject, forms or visits the audit events after `since` up to `head` changed
 * (their audit rows); null when that cannot be told (a site changed, a row is gone, another table).
 */
export async function changedSubjects(
  db: Kysely<Database>,
  since: number,
  head: number,
): Promise<string[] | null> {
  const rows = await db
    .selectFrom('audit_row')
    .select(['tbl', 'key'])
    .distinct()
    .where('event_id', '>', since)
    .where('event_id', '<=', head)
    .execute();
  const ids = new Set<string>();
  const byTable = new Map<string, string[]>();
  for (const r of rows) {
    if (UNREAD_TABLES.has(r.tbl)) continue;
    if (r.tbl === 'subject') ids.add(r.key);
    else if (r.tbl === 'response' || r.tbl === 'visit')
      byTable.set(r.tbl, [...(byTable.get(r.tbl) ?? []), r.key]);
    else return null;
  }
  for (const [table, keys] of byTable) {
    if (keys.length > MAX_CHANGED) return null;
    const { rows: found } = await sql<{ study_id: string }>`select study_id from ${sql.table(table)}
      where id = any(${keys.map(Number)}::bigint[])`.execute(db);
    if (found.length !== keys.length) return null;
    for (const f of found) ids.add(f.study_id);
  }
  return [...ids];
}
