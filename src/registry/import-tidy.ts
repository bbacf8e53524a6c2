// The public entry of a tidy CSV import: one transaction that stages, walks, writes and audits.
import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { RegistryError } from '../errors.js';
import { type CsvSource, escapeControls } from '../exchange/csv.js';
import type { Database } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission } from './context.js';
import type { ImportOptions, ImportSummary } from './import-options.js';
import { Problems } from './import-problems.js';
import { StudyOrder, stage } from './import-stage.js';
import { walk } from './import-walk.js';
import { Writer } from './import-writer.js';

export type { ImportOptions, ImportProblem, ImportSummary } from './import-options.js';

/** Key of the transaction-level advisory lock that lets one import write at a time. */
export const IMPORT_LOCK = 5_349_465_202;

class DryRun extends Error {}

/**
 * Imports a tidy CSV all-or-nothing, in bounded memory at any size. Inside one transaction: the
 * rows are checked one by one as they stream in and COPYed into a temporary staging table; a
 * cursor then walks it subject by subject, form by form (visit order), validating and scoring each
 * form with the same rules as the use cases and writing in batches; the audit events come last.
 * Any problem rolls everything back, and the problems name line, column and reason.
 */
export async function importTidy(
  deps: RegistryDeps,
  actor: Actor,
  source: CsvSource,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  requirePermission(actor, 'data.import');
  const problems = new Problems(options.maxProblems ?? 100);
  const dryRun = options.dryRun ?? false;
  let summary: ImportSummary | undefined;
  try {
    await deps.db.transaction().execute(async (trx) => {
      // One import writes at a time: a second waits here, then sees the first one's subjects.
      if (!dryRun) await sql`select pg_advisory_xact_lock(${sql.lit(IMPORT_LOCK)}::bigint)`.execute(trx);
      summary = await runImport(deps, actor, trx, source, options, problems);
      if (problems.count > 0) throw problems.refusal();
      if (dryRun) throw new DryRun();
    });
  } catch (error) {
    if (error instanceof DryRun && summary) return { ...summary, dryRun: true };
    throw translateDatabaseError(error);
  }
  return summary!;
}

/** A write another session made meanwhile is a conflict to retry, never an internal error. */
function translateDatabaseError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === '23505' || code === '40P01' || code === '40001') {
    const detail = String((error as { detail?: unknown }).detail ?? '');
    return new RegistryError(
      'IMPORT_FAILED',
      `import refused, nothing was written: another session wrote the same records meanwhile${detail ? ` (${escapeControls(detail)})` : ''}; run the import again`,
    );
  }
  return error;
}

async function runImport(
  deps: RegistryDeps,
  actor: Actor,
  trx: Transaction<Database>,
  source: CsvSource,
  options: ImportOptions,
  problems: Problems,
): Promise<ImportSummary> {
  const hash = createHash('sha256');
  const now = deps.clock();
  const order = new StudyOrder();
  const rows = await stage(deps, trx, source, options, problems, hash, order);
  const sha256 = hash.digest('hex');
  const writer = new Writer(deps, actor, trx, now, problems);
  await writer.init();
  try {
    await walk(deps, trx, rows, problems, writer, options, now, order.sorted);
    await writer.finish(sha256, rows);
  } catch (error) {
    // A query that failed because the forms' COPY had failed first: report the COPY's error.
    await writer.settle();
    throw error;
  }
  return {
    rows,
    subjects: writer.newSubjects,
    responses: writer.responses,
    sitesCreated: writer.sitesCreated(),
    dryRun: false,
  };
}
