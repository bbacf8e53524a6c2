import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { type Issue, RegistryError } from '../errors.js';
import {
  type CsvEncoding,
  CsvError,
  type CsvRecord,
  type CsvSource,
  escapeControls,
  readCsv,
  showCell,
} from '../exchange/csv.js';
import { TIDY_HEADER, VISIT_INSTRUMENT, VISIT_ITEMS } from '../exchange/tidy.js';
import {
  type Answers,
  getInstrument,
  type InstrumentDef,
  MAX_INT4,
  parseAnswers,
  unstorableText,
  validationContext,
} from '../instruments/index.js';
import { isSiteCode, parseStudyId } from '../protocol/identifiers.js';
import { getVisit, subjectInstrument, visitInstruments } from '../protocol/index.js';
import { type AuditInput, appendAuditBatch, type Database } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission } from './context.js';
import { CopyIn, copyText } from './copy-in.js';
import { type DatedForm, dateOrderIssues, visitDateIssues } from './date-rules.js';
import { checkAnswers, checkPlacement } from './protocol-rules.js';
import { responseColumns } from './response-columns.js';
import { type SubjectState, secondEnds, stateOf, subjectStateAfter } from './subject-state.js';
import { drawDateShift } from './subjects.js';
import { checkVisitRecord, type VisitRecord } from './visits.js';

/**
 * Rows of instrument `visit` (a visit's date and mode, or its missed reason) stage like a form
 * sorting after the visit's forms, and are checked by the visit record's own rules (visits.ts).
 */
const VISIT_ORD = 1_000_000;
const VISIT_RECORD: InstrumentDef = {
  id: VISIT_INSTRUMENT,
  version: '1.0.0',
  title: 'Visit record',
  repeating: false,
  items: VISIT_ITEMS.map((id) => ({ id, label: id, type: 'text' as const })),
} as InstrumentDef;

export interface ImportProblem {
  /** 1-based line in the file (the header is line 1). */
  line: number;
  column: string;
  message: string;
}

export interface ImportSummary {
  rows: number;
  subjects: number;
  responses: number;
  sitesCreated: string[];
  dryRun: boolean;
}

export interface ImportOptions {
  dryRun?: boolean;
  /** Rows checked and written so far, of all rows in the file (known once the file is read). */
  onProgress?: (done: number, total: number) => void;
  /** Problems reported in full (the rest are counted); default 100. */
  maxProblems?: number;
  /** How the file's bytes are text: UTF-8 (default) or Latin-1 when told. */
  encoding?: CsvEncoding;
}

/** Key of the transaction-level advisory lock that lets one import write at a time. */
export const IMPORT_LOCK = 5_349_465_202;

const FETCH = 5000;
/**
 * Fetches sent ahead of the rows being checked. One: the batch's own queries queue behind every
 * fetch sent, so more ahead made the import slower (1 M rows, measured with 3).
 */
const FETCH_AHEAD = 1;
/** Forms written per statement; a batch always ends at a subject boundary. */
const WRITE_BATCH = 5000;

class DryRun extends Error {}

/** The problems of a refused file: the first `max` by line kept, all counted. */
class Problems {
  private list: ImportProblem[] = [];
  count = 0;
  constructor(readonly max: number) {}
  add(line: number, column: string, message: string): void {
    this.count++;
    this.list.push({ line, column, message: escapeControls(message) });
    if (this.list.length >= this.max * 2) this.trim();
  }
  private trim(): void {
    this.list.sort((a, b) => a.line - b.line);
    this.list.length = Math.min(this.list.length, this.max);
  }
  refusal(): RegistryError {
    this.trim();
    const issues: Issue[] = this.list.map((p) => ({
      path: [p.line, p.column],
      code: 'invalid_row',
      message: `line ${p.line}, ${p.column}: ${p.message}`,
    }));
    const more = this.count > this.list.length ? ` (the first ${this.list.length} by line are shown)` : '';
    return new RegistryError(
      'IMPORT_FAILED',
      `import refused, nothing was written: ${this.count} problem${this.count === 1 ? '' : 's'}${more}`,
      issues,
    );
  }
}

/** Where a (visit, instrument) pair sorts, and its instrument, resolved once per pair. */
interface Placement {
  visitOrd: number;
  instrOrd: number;
  def: InstrumentDef;
  items: Map<string, number>;
}

/** One form gathered from consecutive staged rows. */
interface Form {
  visit: string;
  def: InstrumentDef;
  instance: number;
  firstLine: number;
  raw: Record<string, string>;
  lines: Record<string, number>;
  answers?: Answers;
  columns?: ReturnType<typeof responseColumns>;
  /** For a visit record (instrument `visit`): the checked record. */
  visitRecord?: VisitRecord;
}

interface SubjectGroup {
  studyId: string;
  site: string;
  firstLine: number;
  forms: Form[];
  /** Visit records (instrument `visit`), kept apart from the forms. */
  visits?: Form[];
}

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

/**
 * Reads the file, checks each row on its own (shape, codes, placement, item) and COPYs the good
 * ones, with their line and sort keys, into `import_row`. Returns the number of data rows.
 */
async function stage(
  deps: RegistryDeps,
  trx: Transaction<Database>,
  source: CsvSource,
  options: ImportOptions,
  problems: Problems,
  hash: ReturnType<typeof createHash>,
  order: StudyOrder,
): Promise<number> {
  await sql`create temp table import_row (
    line bigint not null, study_id text not null, site text not null, visit_ord int not null,
    instr_ord int not null, instance int not null, item_ord int not null, value text not null
  ) on commit drop`.execute(trx);
  const placements = new Map<string, Placement | RegistryError>();
  const place = (visit: string, instrument: string): Placement | RegistryError => {
    const key = `${visit}\u0000${instrument}`;
    let p = placements.get(key);
    if (p === undefined && instrument === VISIT_INSTRUMENT) {
      try {
        getVisit(deps.protocol, visit);
        p = {
          visitOrd: deps.protocol.visits.findIndex((v) => v.code === visit),
          instrOrd: VISIT_ORD,
          def: VISIT_RECORD,
          items: new Map(VISIT_ITEMS.map((item, i) => [item, i])),
        };
      } catch (error) {
        if (!(error instanceof RegistryError)) throw error;
        p = error;
      }
      placements.set(key, p);
    }
    if (p === undefined) {
      try {
        const def = checkPlacement(deps.protocol, visit, instrument, 1);
        p = {
          visitOrd: deps.protocol.visits.findIndex((v) => v.code === visit),
          // The creating form sorts first within its visit, the rest in the protocol's order.
          instrOrd: def.createsSubject ? -1 : visitInstruments(deps.protocol, visit).indexOf(instrument),
          def,
          items: new Map(def.items.map((item, i) => [item.id, i])),
        };
      } catch (error) {
        if (!(error instanceof RegistryError)) throw error;
        p = error;
      }
      // Known pairs are few; unknown ones are remembered only up to a bound, so memory stays flat.
      if (!(p instanceof RegistryError) || placements.size < 1000) placements.set(key, p);
    }
    return p;
  };

  const copy = await CopyIn.start(
    trx,
    'copy import_row (line, study_id, site, visit_ord, instr_ord, instance, item_ord, value) from stdin',
  );
  let rows = 0;
  let header = true;
  try {
    const records = readCsv(source, {
      encoding: options.encoding ?? 'utf8',
      onBytes: (chunk) => hash.update(chunk),
    });
    for await (const batch of records) {
      let text = '';
      for (const record of batch) {
        if (header) {
          checkHeader(record);
          header = false;
          continue;
        }
        rows++;
        const row = checkRow(record, place, problems, order);
        if (row) text += row;
      }
      if (text) await copy.write(text);
    }
  } catch (error) {
    await copy.fail('import stopped');
    if (error instanceof CsvError) {
      if (error.line === 1 && header)
        throw new RegistryError('IMPORT_FAILED', `line 1: ${escapeControls(error.reason)}`);
      problems.add(
        error.line,
        error.field !== null ? (TIDY_HEADER[error.field - 1] ?? `field ${error.field}`) : 'row',
        error.reason,
      );
      throw problems.refusal();
    }
    throw error;
  }
  if (header) {
    await copy.fail('empty file');
    throw new RegistryError(
      'IMPORT_FAILED',
      `the file is empty: a tidy CSV starts with the header ${TIDY_HEADER.join(',')}`,
    );
  }
  await copy.end();
  return rows;
}

function checkHeader(record: CsvRecord): void {
  const got = record.fields.join(',');
  if (got !== TIDY_HEADER.join(',')) {
    throw new RegistryError(
      'IMPORT_FAILED',
      `line ${record.line}: the header must be exactly ${TIDY_HEADER.join(',')} (got ${showCell(got, 120)})`,
    );
  }
}

/** Checks one data row on its own; returns its COPY line, or null after reporting its problem. */
function checkRow(
  record: CsvRecord,
  place: (visit: string, instrument: string) => Placement | RegistryError,
  problems: Problems,
  order: StudyOrder,
): string | null {
  const { line, fields } = record;
  if (fields.length !== TIDY_HEADER.length) {
    problems.add(line, 'row', `expected ${TIDY_HEADER.length} columns, found ${fields.length}`);
    return null;
  }
  const [studyId, site, visit, instrument, instanceText, item, value] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const id = parseStudyId(studyId);
  if (!id.ok && id.code === 'invalid_study_id') {
    problems.add(line, 'study_id', `${showCell(studyId)} is not a study id like VCU-0007`);
    return null;
  }
  if (!isSiteCode(site)) {
    problems.add(line, 'site', `${showCell(site)} is not a site code (2–12 capital letters or digits)`);
    return null;
  }
  if (!studyId.startsWith(`${site}-`)) {
    problems.add(
      line,
      'study_id',
      `${studyId} does not belong to site ${site} (study ids start with their site code)`,
    );
    return null;
  }
  // One spelling per subject: VCU-0040, never VCU-00040 beside it; the number fits the database.
  if (!id.ok) {
    problems.add(line, 'study_id', id.message);
    return null;
  }
  if (!/^[1-9]\d{0,9}$/.test(instanceText) || Number(instanceText) > MAX_INT4) {
    problems.add(line, 'instance', `${showCell(instanceText)} is not a whole number from 1 to ${MAX_INT4}`);
    return null;
  }
  const instance = Number(instanceText);
  const p = place(visit, instrument);
  if (p instanceof RegistryError) {
    problems.add(line, p.code === 'UNKNOWN_VISIT' ? 'visit' : 'instrument', p.message);
    return null;
  }
  if (!p.def.repeating && instance !== 1) {
    problems.add(
      line,
      'instance',
      `instrument ${instrument} is not repeating, so instance must be 1 (got ${instance})`,
    );
    return null;
  }
  const itemOrd = p.items.get(item);
  if (itemOrd === undefined) {
    problems.add(line, 'item', `${instrument} has no item ${showCell(item)}`);
    return null;
  }
  // The other cells matched a pattern or a known code above; a value the database cannot hold
  // (NUL) would break the staging COPY, so it is refused here with the value rules' own words.
  const unstorable = unstorableText(value);
  if (unstorable !== undefined) {
    problems.add(line, 'value', unstorable);
    return null;
  }
  order.see(studyId, p.visitOrd, p.instrOrd, instance, itemOrd);
  return `${line}\t${studyId}\t${site}\t${p.visitOrd}\t${p.instrOrd}\t${instance}\t${itemOrd}\t${copyText(value)}\n`;
}

/**
 * Whether the staged rows came in the walk's order (study id in C order, visit, form, instance,
 * item; lines ascending): a file exported by the registry does, and then the walk needs no sort.
 */
class StudyOrder {
  sorted = true;
  private studyId = '';
  private keys = [0, 0, 0, 0];
  see(studyId: string, visitOrd: number, instrOrd: number, instance: number, itemOrd: number): void {
    if (!this.sorted) return;
    const k = this.keys;
    if (studyId !== this.studyId) {
      // Study ids are ASCII (parseStudyId), so UTF-16 order is C order.
      if (studyId < this.studyId) this.sorted = false;
      this.studyId = studyId;
    } else if (
      visitOrd !== k[0]
        ? visitOrd < k[0]!
        : instrOrd !== k[1]
          ? instrOrd < k[1]!
          : instance !== k[2]
            ? instance < k[2]!
            : itemOrd <= k[3]!
    ) {
      // A repeated item (equal keys) is left to the sort too: the walk names it with both lines.
      this.sorted = false;
    }
    k[0] = visitOrd;
    k[1] = instrOrd;
    k[2] = instance;
    k[3] = itemOrd;
  }
}

interface StagedRow {
  line: string;
  study_id: string;
  site: string;
  visit_ord: number;
  instr_ord: number;
  instance: number;
  item_ord: number;
  value: string;
}

/**
 * Walks the staged rows with a server-side cursor in (study id, visit, form, instance, item) order:
 * one subject's rows at a time in memory, each form validated and scored as it completes.
 */
async function walk(
  deps: RegistryDeps,
  trx: Transaction<Database>,
  total: number,
  problems: Problems,
  writer: Writer,
  options: ImportOptions,
  now: Date,
  sorted: boolean,
): Promise<void> {
  const visits = deps.protocol.visits.map((v) => ({
    code: v.code,
    instruments: visitInstruments(deps.protocol, v.code).map((id) => getInstrument(id)),
  }));
  const context = validationContext(deps.protocol.rules, now);
  const creating = subjectInstrument(deps.protocol);
  // Room for the sort in the server (not in this process), so 13 M rows sort in fewer passes.
  await sql`set local work_mem = '64MB'`.execute(trx);
  // The walk's sort and the batch statements are simple: compiling them (JIT) costs more than it saves.
  await sql`set local jit = off`.execute(trx);
  // Rows staged in walk order are read as COPY appended them (a temporary table read from its first
  // page); the walk checks that order row by row below, so a wrong assumption stops the import.
  await sql`declare import_walk no scroll cursor for
    select line, study_id, site, visit_ord, instr_ord, instance, item_ord, value from import_row
    ${sorted ? sql`` : sql`order by study_id collate "C", visit_ord, instr_ord, instance, item_ord, line`}`.execute(
    trx,
  );
  let subject: SubjectGroup | null = null;
  let form: Form | null = null;
  let formKey = '';
  let done = 0;
  let lastLine = 0;

  const endForm = () => {
    if (!form || !subject) return;
    if (form.def === VISIT_RECORD) {
      const raw = form.raw;
      const checked = checkVisitRecord(
        { date: raw.date, mode: raw.mode, missedReason: raw.missed_reason },
        now.toISOString().slice(0, 10),
      );
      if (checked.ok) form.visitRecord = checked.record;
      else reportIssues(problems, form, checked.issues);
      subject.visits ??= [];
      subject.visits.push(form);
      form = null;
      return;
    }
    const parsed = parseAnswers(form.def, form.raw, context);
    if (!parsed.ok) {
      reportIssues(problems, form, parsed.issues);
    } else {
      try {
        const checked = checkAnswers(
          deps.protocol,
          form.def,
          parsed.answers,
          false,
          { studyId: subject.studyId, siteId: subject.site },
          now,
        );
        form.answers = checked.answers;
        form.columns = responseColumns(form.def, checked.answers, checked.scored);
      } catch (error) {
        if (!(error instanceof RegistryError)) throw error;
        reportIssues(
          problems,
          form,
          error.issues.length > 0 ? error.issues : [{ path: [], code: error.code, message: error.message }],
        );
      }
    }
    subject.forms.push(form);
    form = null;
  };

  const fetchNext = () => {
    const next = sql<StagedRow>`fetch forward ${sql.lit(FETCH)} from import_walk`.execute(trx);
    next.catch(() => {}); // awaited below; never an unhandled rejection if the walk stops first
    return next;
  };
  // Fetches queue on the connection with the writes: the server reads the next rows while these
  // are checked.
  const pending = Array.from({ length: FETCH_AHEAD }, fetchNext);
  for (;;) {
    const { rows } = await pending.shift()!;
    if (rows.length === 0) break;
    pending.push(fetchNext());
    for (const row of rows) {
      const line = Number(row.line);
      if (sorted) {
        // Unsorted, the rows of one form or subject could be split: never walk them so.
        if (line <= lastLine) throw new RegistryError('INTERNAL', 'the staged rows were read out of order');
        lastLine = line;
      }
      if (!subject || subject.studyId !== row.study_id) {
        endForm();
        if (subject) await writer.add(subject, creating);
        subject = { studyId: row.study_id, site: row.site, firstLine: line, forms: [] };
        formKey = '';
      } else if (row.site !== subject.site) {
        problems.add(
          line,
          'site',
          `${row.study_id} is at site ${subject.site} on line ${subject.firstLine}, not ${row.site}`,
        );
        continue;
      }
      const key = `${row.visit_ord}\u0000${row.instr_ord}\u0000${row.instance}`;
      const visit = visits[row.visit_ord]!;
      const def =
        row.instr_ord === -1
          ? creating.def
          : row.instr_ord === VISIT_ORD
            ? VISIT_RECORD
            : visit.instruments[row.instr_ord]!;
      const item = def.items[row.item_ord]!.id;
      if (key !== formKey) {
        endForm();
        form = { visit: visit.code, def, instance: row.instance, firstLine: line, raw: {}, lines: {} };
        formKey = key;
      }
      const f = form!;
      if (item in f.raw) {
        problems.add(
          line,
          'item',
          `${item} of ${def.id} at ${visit.code} for ${row.study_id} is already given on line ${f.lines[item]}`,
        );
        continue;
      }
      f.raw[item] = row.value;
      f.lines[item] = line;
      if (line < f.firstLine) f.firstLine = line;
    }
    done += rows.length;
    options.onProgress?.(done, total);
  }
  endForm();
  if (subject) await writer.add(subject, creating);
  await sql`close import_walk`.execute(trx);
}

function reportIssues(problems: Problems, form: Form, issues: readonly Issue[]): void {
  for (const issue of issues) {
    const item = String(issue.path[0] ?? '');
    const line = form.lines[item];
    problems.add(line ?? form.firstLine, line !== undefined ? 'value' : 'item', issue.message);
  }
}

interface PendingSubject extends SubjectGroup {
  creatingLine: number | null;
}

/**
 * Writes subjects and their forms in batches that end at subject boundaries: checks each batch
 * against the registry (subject exists, at which site, forms already recorded, date order), then
 * inserts with one statement per table. Writing stops at the first problem; checking goes on.
 */
class Writer {
  newSubjects = 0;
  responses = 0;
  private batch: PendingSubject[] = [];
  private batchForms = 0;
  private knownSites = new Set<string>();
  private createdSites = new Set<string>();
  private topSeq = new Map<string, number>();
  private auditRows = 0;
  private inflight: Promise<void> = Promise.resolve();
  private failure: unknown;
  private readonly today: string;

  constructor(
    private readonly deps: RegistryDeps,
    private readonly actor: Actor,
    private readonly trx: Transaction<Database>,
    private readonly now: Date,
    private readonly problems: Problems,
  ) {
    this.today = now.toISOString().slice(0, 10);
  }

  async init(): Promise<void> {
    for (const s of await this.trx.selectFrom('site').select('id').execute()) this.knownSites.add(s.id);
    await sql`create temp table import_audit (
      n bigint generated always as identity, study_id text not null, site text not null,
      existing boolean not null, responses int not null, status text
    ) on commit drop`.execute(this.trx);
  }

  sitesCreated(): string[] {
    return [...this.createdSites].sort();
  }

  async add(subject: SubjectGroup, creating: { visit: string; def: InstrumentDef }): Promise<void> {
    const c = subject.forms.find(
      (f) => f.def === creating.def && f.visit === creating.visit && f.instance === 1,
    );
    this.batch.push({ ...subject, creatingLine: c ? c.firstLine : null });
    this.batchForms += subject.forms.length;
    if (this.batchForms >= WRITE_BATCH) await this.flush();
  }

  async finish(sha256: string, rows: number): Promise<void> {
    await this.flush();
    await this.settle();
    if (this.problems.count > 0) return;
    // Keep each site's study id sequence past the highest imported number.
    for (const [site, top] of this.topSeq) {
      await this.trx
        .updateTable('site_sequence')
        .set((eb) => ({ last_seq: eb.fn('greatest', [eb.ref('last_seq'), eb.val(top)]) }))
        .where('site_id', '=', site)
        .execute();
    }
    // Audit last, so the chain's lock is held only from here to COMMIT.
    for (let after = 0; after < this.auditRows; after += 5000) {
      const { rows: batch } = await sql<{
        study_id: string;
        site: string;
        existing: boolean;
        responses: number;
        status: string | null;
      }>`select study_id, site, existing, responses, status from import_audit where n > ${after} order by n limit 5000`.execute(
        this.trx,
      );
      await appendAuditBatch(
        this.trx,
        batch.map((r) => ({
          at: this.now,
          actor: this.actor.username,
          action: r.existing ? 'subject.import_responses' : 'subject.import',
          siteId: r.site,
          entity: 'subject',
          entityId: r.study_id,
          after: { responses: r.responses, status: r.status, file_sha256: sha256 },
        })),
      );
    }
    const event: AuditInput = {
      at: this.now,
      actor: this.actor.username,
      action: 'import.tidy',
      siteId: null,
      entity: 'import',
      entityId: sha256.slice(0, 16),
      after: { rows, responses: this.responses, subjects: this.newSubjects, file_sha256: sha256 },
    };
    await appendAuditBatch(this.trx, [event]);
  }

  private async flush(): Promise<void> {
    await this.settle();
    const batch = this.batch;
    this.batch = [];
    this.batchForms = 0;
    if (batch.length === 0) return;
    const trx = this.trx;
    const ids = batch.map((s) => s.studyId);
    // New sites first (the subject rows refer to them), then lock the sequences of every site in
    // the batch: an enrolment at the same site waits for this import instead of taking its numbers.
    const sites = [...new Set(batch.map((s) => s.site))].sort();
    const newSites = sites.filter((s) => !this.knownSites.has(s));
    if (newSites.length > 0 && this.problems.count === 0) {
      await sql`insert into site (id, name) select s, s from unnest(${newSites}::text[]) s on conflict do nothing`.execute(
        trx,
      );
      for (const s of newSites) {
        this.knownSites.add(s);
        this.createdSites.add(s);
      }
    }
    if (this.problems.count === 0) {
      await sql`insert into site_sequence (site_id, last_seq) select s, 0 from unnest(${sites}::text[]) s on conflict do nothing`.execute(
        trx,
      );
      await sql`select site_id from site_sequence where site_id = any(${sites}::text[]) order by site_id for update`.execute(
        trx,
      );
    }
    const existing = new Map<string, { site_id: string; state: SubjectState; version: number }>();
    const rows = await trx
      .selectFrom('subject')
      .select(['study_id', 'site_id', 'status', 'index_date', 'enrolled_on', 'version'])
      .where('study_id', '=', sql<string>`any(${ids}::text[])`)
      .orderBy('study_id')
      .forUpdate()
      .execute();
    for (const r of rows)
      existing.set(r.study_id, { site_id: r.site_id, state: stateOf(r), version: r.version });
    const stored = new Map<string, { form: DatedForm; draft: boolean }[]>();
    if (existing.size > 0) {
      const forms = await trx
        .selectFrom('response')
        .select(['study_id', 'visit', 'instrument', 'instance', 'status', 'answers'])
        .where('study_id', '=', sql<string>`any(${[...existing.keys()]}::text[])`)
        .execute();
      for (const f of forms) {
        const list = stored.get(f.study_id) ?? [];
        const answers = (typeof f.answers === 'string' ? JSON.parse(f.answers) : f.answers) as Answers;
        list.push({
          form: { instrument: f.instrument, visit: f.visit, instance: f.instance, answers },
          draft: f.status === 'draft',
        });
        stored.set(f.study_id, list);
      }
    }

    // Visits already recorded for these subjects, with their dates (null: missed).
    const recordedVisits = new Map<string, string | null>();
    if (existing.size > 0) {
      const stored = await trx
        .selectFrom('visit')
        .select(['study_id', 'visit', sql<string | null>`visit_date::text`.as('date')])
        .where('study_id', '=', sql<string>`any(${[...existing.keys()]}::text[])`)
        .execute();
      for (const v of stored) recordedVisits.set(`${v.study_id}\u0000${v.visit}`, v.date);
    }
    const visitRows: { subject: PendingSubject; form: Form }[] = [];
    const subjectRows: Record<string, unknown>[] = [];
    const updates: { studyId: string; state: SubjectState; version: number }[] = [];
    const responseRows: { subject: PendingSubject; form: Form }[] = [];
    const audit: {
      study_id: string;
      site: string;
      existing: boolean;
      responses: number;
      status: string | null;
    }[] = [];
    for (const s of batch) {
      const inDb = existing.get(s.studyId);
      if (inDb && inDb.site_id !== s.site) {
        this.problems.add(
          s.firstLine,
          'site',
          `${s.studyId} is registered at site ${inDb.site_id}, not ${s.site}`,
        );
        continue;
      }
      if (inDb && s.creatingLine !== null) {
        this.problems.add(s.creatingLine, 'study_id', `${s.studyId} is already enrolled`);
      }
      if (!inDb && s.creatingLine === null) {
        const { visit, def } = subjectInstrument(this.deps.protocol);
        this.problems.add(
          s.firstLine,
          'study_id',
          `${s.studyId} is not in the registry and the file has no ${def.id} form for it at ${visit}`,
        );
        continue;
      }
      const db = stored.get(s.studyId) ?? [];
      for (const f of s.forms) {
        if (
          db.some(
            ({ form: d }) => d.visit === f.visit && d.instrument === f.def.id && d.instance === f.instance,
          )
        ) {
          this.problems.add(
            f.firstLine,
            'instrument',
            `${f.def.id} at ${f.visit} is already recorded for ${s.studyId}`,
          );
        }
      }
      // A subject leaves the study once, whichever visits its end-of-study forms are at.
      const ends = secondEnds(
        s.studyId,
        db.map((d) => d.form),
        s.forms.map((f) => ({ instrument: f.def.id, visit: f.visit })),
      );
      s.forms.forEach((f, i) => {
        const why = ends[i];
        if (why) this.problems.add(f.firstLine, 'instrument', why);
      });
      // Dates in an impossible order beside the subject's other complete forms, in the file or stored.
      const complete: DatedForm[] = [
        ...db.filter((d) => !d.draft).map((d) => d.form),
        ...s.forms.filter((f) => f.answers).map((f) => dated(f)),
      ];
      // A visit's date, from the file or stored, bounds the dates its forms may give (stop dates).
      const visitDate = (visit: string) =>
        s.visits?.find((v) => v.visit === visit)?.visitRecord?.date ??
        recordedVisits.get(`${s.studyId}\u0000${visit}`);
      for (const f of s.forms) {
        if (!f.answers) continue;
        reportIssues(this.problems, f, dateOrderIssues(dated(f), complete));
        reportIssues(this.problems, f, visitDateIssues(dated(f), visitDate(f.visit)));
      }
      if (this.problems.count > 0) continue;
      // The subject as if its forms were entered one by one, in study order.
      let state: SubjectState | null = inDb ? inDb.state : null;
      for (const f of s.forms) state = subjectStateAfter(state, f.def, f.answers!, this.today);
      if (!inDb) {
        const seq = Number(s.studyId.slice(s.site.length + 1));
        this.topSeq.set(s.site, Math.max(this.topSeq.get(s.site) ?? 0, seq));
        subjectRows.push({
          study_id: s.studyId,
          site_id: s.site,
          seq,
          ...state!,
          date_shift_days: drawDateShift(this.deps.random),
        });
        this.newSubjects++;
      } else if (
        state!.status !== inDb.state.status ||
        state!.index_date !== inDb.state.index_date ||
        state!.enrolled_on !== inDb.state.enrolled_on
      ) {
        updates.push({ studyId: s.studyId, state: state!, version: inDb.version });
      }
      for (const form of s.forms) responseRows.push({ subject: s, form });
      for (const form of s.visits ?? []) {
        if (recordedVisits.has(`${s.studyId}\u0000${form.visit}`)) {
          this.problems.add(
            form.firstLine,
            'instrument',
            `the ${form.visit} visit of ${s.studyId} is already recorded`,
          );
        } else {
          visitRows.push({ subject: s, form });
        }
      }
      audit.push({
        study_id: s.studyId,
        site: s.site,
        existing: Boolean(inDb),
        responses: s.forms.length,
        status: state!.status,
      });
    }
    if (this.problems.count > 0) return;
    await this.writeSubjects(subjectRows);
    for (const u of updates) {
      await trx
        .updateTable('subject')
        .set({ ...u.state, version: u.version + 1, updated_at: this.now })
        .where('study_id', '=', u.studyId)
        .execute();
    }
    await sql`insert into import_audit (study_id, site, existing, responses, status)
      select * from unnest(${audit.map((a) => a.study_id)}::text[], ${audit.map((a) => a.site)}::text[],
        ${audit.map((a) => a.existing)}::boolean[], ${audit.map((a) => a.responses)}::int[], ${audit.map((a) => a.status)}::text[])`.execute(
      trx,
    );
    this.auditRows += audit.length;
    if (this.problems.count > 0) return;
    if (visitRows.length > 0) {
      const col = <T>(f: (r: (typeof visitRows)[number]) => T) => visitRows.map(f);
      await sql`insert into visit (site_id, study_id, visit, visit_date, mode, missed_reason, entered_by, created_at, updated_at)
        select v.*, ${this.actor.username}, ${this.now}::timestamptz, ${this.now}::timestamptz
        from unnest(${col((r) => r.subject.site)}::text[], ${col((r) => r.subject.studyId)}::text[],
          ${col((r) => r.form.visit)}::text[], ${col((r) => r.form.visitRecord!.date)}::date[],
          ${col((r) => r.form.visitRecord!.mode)}::text[], ${col((r) => r.form.visitRecord!.missedReason)}::text[]) v`.execute(
        trx,
      );
    }
    // The forms' COPY runs in the server while this process validates the next subjects: the
    // transaction's queries queue behind it, and its outcome is collected at the next flush.
    this.inflight = this.writeResponses(responseRows).catch((error: unknown) => {
      this.failure ??= error;
    });
  }

  /** Waits for the forms being written; throws what went wrong there first, if anything did. */
  async settle(): Promise<void> {
    await this.inflight;
    if (this.failure !== undefined) throw this.failure;
  }

  private async writeSubjects(rows: Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    const col = (k: string) => rows.map((r) => r[k] as string | number | null);
    const p = this.deps.protocol;
    await sql`insert into subject (study_id, site_id, seq, status, enrolled_on, index_date, date_shift_days,
        protocol_id, protocol_version, created_at, updated_at)
      select s.*, ${p.id}, ${p.version}, ${this.now}::timestamptz, ${this.now}::timestamptz
      from unnest(${col('study_id')}::text[], ${col('site_id')}::text[], ${col('seq')}::int[], ${col('status')}::text[],
        ${col('enrolled_on')}::date[], ${col('index_date')}::date[], ${col('date_shift_days')}::int[]) s`.execute(
      this.trx,
    );
  }

  /** The batch's forms with one COPY: no parameter arrays to build and parse, one trigger run. */
  private async writeResponses(list: { subject: PendingSubject; form: Form }[]): Promise<void> {
    if (list.length === 0) return;
    const fixed = [
      this.deps.protocol.version,
      'complete',
      '1',
      this.actor.username,
      'staff',
      this.now.toISOString(),
      this.now.toISOString(),
    ]
      .map(copyText)
      .join('\t');
    const copy = await CopyIn.start(
      this.trx,
      `copy "response" (site_id, study_id, visit, instrument, instance, instrument_version, answers, scores,
        pain_nrs, odi_pct, mme_day, opioid_any, collected_on,
        protocol_version, status, version, entered_by, entered_by_kind, created_at, updated_at) from stdin`,
    );
    try {
      for (const { subject, form } of list) {
        const c = form.columns!;
        const fields = [
          subject.site,
          subject.studyId,
          form.visit,
          form.def.id,
          form.instance,
          form.def.version,
          c.answers,
          c.scores,
          c.pain_nrs ?? null,
          c.odi_pct ?? null,
          c.mme_day ?? null,
          c.opioid_any === null || c.opioid_any === undefined ? null : c.opioid_any ? 't' : 'f',
          c.collected_on ?? null,
        ];
        await copy.write(`${fields.map(copyText).join('\t')}\t${fixed}\n`);
      }
    } catch (error) {
      await copy.fail('import stopped');
      throw error;
    }
    await copy.end();
    this.responses += list.length;
  }
}

function dated(f: Form): DatedForm {
  return { instrument: f.def.id, visit: f.visit, instance: f.instance, answers: f.answers! };
}
