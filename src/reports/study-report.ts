import type { Kysely } from 'kysely';
import type { Protocol } from '../protocol/index.js';
import type { Database } from '../store/index.js';
import { analyseStudy } from './analyse.js';
import { extractCohort } from './extract-cohort.js';
import type { StudyReport } from './types.js';

/** Reads the registry (one snapshot) and runs the whole study analysis. */
export async function buildStudyReport(
  db: Kysely<Database>,
  protocol: Protocol,
  now: Date,
): Promise<StudyReport> {
  const cohort = await extractCohort(db, protocol, now.toISOString().slice(0, 10));
  return analyseStudy(cohort, now.toISOString());
}
