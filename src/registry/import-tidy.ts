// The public entry of a tidy CSV import: one transaction that reads, walks, writes and audits.
import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { RegistryError } from '../errors.js';
import { CsvError, escapeControls } from '../exchange/csv.js';
import type { CsvSource } from '../exchange/csv-read.js';
import type { Database } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission } from './context.js';
import { HeldRows } from './import-held.js';
import type { ImportOptions, ImportSummary } from './import-options.js';
import { Problems } from './import-problems.js';
import { Replay } from './import-replay.js';
import { readRows, StudyOrder, stage } from './import-stage.js';
import { FormWalk, walkStaged } from './import-walk.js';
import { SubjectRepeated, Writer } from './import-writer.js';

export type { ImportOptions, ImportProblem, ImportSummary } from './import-options.js';

/** Key of the transaction-level advisory lock that lets one import write at a time. */
export const IMPORT_LOCK = 5_349_465_202;

class DryRun extends Error {}

/**
 * Imports a tidy CSV all-or-nothing, in bounded memory at any size. Inside one transaction the
 * rows are checked one by one as they stream in and walked subject by subject, form by form (visit
 * order), each form validated and scored with the same rules as the use cases and written in
 * batches; the audit events come last. A file that gives each subject's rows together is walked
 * as it is read; any other is read again from a kept copy, COPYed into a temporary staging table
 * and walked from there in study order. Any problem rolls everything back, and the problems name line, column and reason.
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
  const now = deps.clock();
  // The import's statements are simple: compiling them (JIT) costs more than it saves.
  await sql`set local jit = off`.execute(trx);
  const replay = await Replay.start(source);
  try {
    const direct = await importInOrder(deps, actor, trx, source, options, problems, now, replay);
    if (direct) return direct;
    // A subject in two runs (or a malformed file): everything done so far is undone, and the kept
    // copy is staged and walked in study order, so the outcome and its problems are those of one reading.
    problems.clear();
    return await importStaged(deps, actor, trx, replay.again(), options, problems, now);
  } finally {
    await replay.close();
  }
}

/** Most rows of one subject held in memory; a file with more is staged instead. */
const MAX_SUBJECT_ROWS = 100_000;

/**
 * A file that gives each subject's rows together, as the registry's export and most systems'
 * exports do, is walked as it is read, with no staging: each subject's rows are put in study order
 * in memory, and each batch of subjects is validated and written while the next is read. Returns
 * null, with nothing left of what it did, when a subject's rows come in two runs (or too many) or
 * the file is not well-formed CSV: the file is then read again and staged.
 */
async function importInOrder(
  deps: RegistryDeps,
  actor: Actor,
  trx: Transaction<Database>,
  source: CsvSource,
  options: ImportOptions,
  problems: Problems,
  now: Date,
  replay: Replay,
): Promise<ImportSummary | null> {
  await sql`savepoint import_in_order`.execute(trx);
  const hash = createHash('sha256');
  const writer = new Writer(deps, actor, trx, now, problems);
  await writer.init(true);
  const walk = new FormWalk(deps, problems, writer, now);
  let outOfOrder = false;
  // Two sets of columns: the rows of the next subject arrive while the last one's are walked.
  let held = new HeldRows();
  let spare = new HeldRows();
  let heldId = '';
  // The subject's rows in walk order (as the staged walk sorts them), handed to the walk.
  const release = async (): Promise<void> => {
    const rows = held;
    const studyId = heldId;
    held = spare;
    spare = rows;
    const order = rows.walkOrder();
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      const wait = walk.row(
        rows.line[i]!,
        studyId,
        rows.site[i]!,
        rows.visitOrd[i]!,
        rows.instrOrd[i]!,
        rows.instance[i]!,
        rows.itemOrd[i]!,
        rows.value[i]!,
      );
      if (wait) await wait;
    }
    rows.clear();
  };
  let rows: number;
  try {
    rows = await readRows(deps, source, options, problems, new StudyOrder(), {
      onBytes: (chunk) => {
        hash.update(chunk);
        replay.keep(chunk);
      },
      sink: (line, studyId, site, visitOrd, instrOrd, instance, itemOrd, value) => {
        if (outOfOrder) return null;
        let wait: Promise<void> | null = null;
        if (studyId !== heldId) {
          if (held.length > 0) wait = release();
          heldId = studyId;
        }
        if (held.length >= MAX_SUBJECT_ROWS) outOfOrder = true;
        else held.push(line, site, visitOrd, instrOrd, instance, itemOrd, value);
        return wait;
      },
      // The number of rows is known only at the end: progress counts up to the rows read so far.
      endBlock: (read) => {
        if (!outOfOrder) options.onProgress?.(read, read);
        return null;
      },
      // Out of order, the rest is only read: kept for the second reading.
      skip: () => outOfOrder,
    });
    if (!outOfOrder) {
      await release();
      await walk.end();
      await writer.flushAll();
    }
  } catch (error) {
    if (!(error instanceof CsvError || error instanceof SubjectRepeated)) {
      // A query that failed because the forms' COPY had failed first: report the COPY's error.
      await writer.settle();
      throw error;
    }
    outOfOrder = true;
  }
  if (outOfOrder) {
    await writer.settle().catch(() => {});
    await sql`rollback to savepoint import_in_order`.execute(trx);
    return null;
  }
  return finishImport(writer, hash.digest('hex'), rows!);
}

/** Any file: staged, walked in study order from the staging table, written and audited. */
async function importStaged(
  deps: RegistryDeps,
  actor: Actor,
  trx: Transaction<Database>,
  source: CsvSource,
  options: ImportOptions,
  problems: Problems,
  now: Date,
): Promise<ImportSummary> {
  const hash = createHash('sha256');
  const order = new StudyOrder();
  const rows = await stage(deps, trx, source, options, problems, hash, order);
  const writer = new Writer(deps, actor, trx, now, problems);
  await writer.init();
  try {
    await walkStaged(trx, rows, new FormWalk(deps, problems, writer, now), options, order.sorted);
  } catch (error) {
    // A query that failed because the forms' COPY had failed first: report the COPY's error.
    await writer.settle();
    throw error;
  }
  return finishImport(writer, hash.digest('hex'), rows);
}

async function finishImport(writer: Writer, sha256: string, rows: number): Promise<ImportSummary> {
  try {
    await writer.finish(sha256, rows);
  } catch (error) {
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
