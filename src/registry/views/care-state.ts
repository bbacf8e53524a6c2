import { analyseCareGap, untreatedSubjects } from '../../analysis/study/analyse-care.js';
import { analyseCompleteness } from '../../analysis/study/analyse-flow.js';
import type { CareGapReport, StudyReport } from '../../analysis/study/types.js';
import type { StudyDefinition } from '../../protocol/index.js';
import type { RegistryDeps } from '../context.js';
import { careCohort } from './care-facts.js';
import { cached, type ViewCache } from './view-cache.js';

/** What the study report's own analyses say about some sites' subjects on one day. */
export interface CareState {
  care: CareGapReport;
  completeness: StudyReport['completeness'];
  /** The care gap's untreated subjects (`untreatedSubjects`). */
  untreated: { studyId: string; site: string; indexDate: string }[];
}

/**
 * The care-gap KPIs, follow-up completeness and untreated subjects of some sites (null: all) as of
 * a day, from the analysis functions the study report calls; kept in `cache` while the registry is
 * unchanged.
 */
export function careState(
  deps: RegistryDeps,
  sites: readonly string[] | null,
  asOf: string,
  definition: StudyDefinition,
  cache?: ViewCache,
): Promise<CareState> {
  const key = `care|${sites?.join(',') ?? '*'}|${asOf}|${deps.protocol.id}@${deps.protocol.version}`;
  return cached(cache, deps.db, key, async () => {
    const cohort = await careCohort(deps.db, deps.protocol, sites, asOf, definition);
    return {
      care: analyseCareGap(cohort),
      completeness: analyseCompleteness(cohort),
      untreated: untreatedSubjects(cohort).map((s) => ({
        studyId: s.studyId,
        site: s.site,
        indexDate: s.indexDate!,
      })),
    };
  });
}
