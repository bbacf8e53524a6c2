// Reading a tidy CSV, checking each row on its own and COPYing the good ones into a staging table.
import type { createHash } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import { sql, type Transaction } from 'kysely';
import { RegistryError } from '../errors.js';
import { CsvError, type CsvRecord, escapeControls, showCell } from '../exchange/csv.js';
import { type CsvSource, readCsv } from '../exchange/csv-read.js';
import { SIGNATURE_ITEM, TIDY_HEADER, VISIT_INSTRUMENT, VISIT_ITEMS } from '../exchange/tidy.js';
import { type InstrumentDef, MAX_INT4, unstorableText } from '../instruments/index.js';
import { isSiteCode, parseStudyId } from '../protocol/identifiers.js';
import { getVisit, visitInstruments } from '../protocol/index.js';
import type { Database } from '../store/index.js';
import type { RegistryDeps } from './context.js';
import { CopyIn, copyText } from './copy-in.js';
import { VISIT_ORD, VISIT_RECORD } from './import-form.js';
import type { ImportOptions } from './import-options.js';
import type { Problems } from './import-problems.js';
import { checkPlacement } from './protocol-rules.js';

/** Rows checked between two turns of the event loop. */
const YIELD_ROWS = 500;

/** Where a (visit, instrument) pair sorts, and its instrument, resolved once per pair. */
interface Placement {
  visitOrd: number;
  instrOrd: number;
  def: InstrumentDef;
  items: Map<string, number>;
}

/** Takes one checked row (its line, sort keys and value); a promise when it must be waited for. */
export type RowSink = (
  line: number,
  studyId: string,
  site: string,
  visitOrd: number,
  instrOrd: number,
  instance: number,
  itemOrd: number,
  value: string,
) => Promise<void> | null;

export interface ReadOptions {
  onBytes: (chunk: Uint8Array) => void;
  sink: RowSink;
  /** After each block of records, with the data rows read so far. */
  endBlock?: (rows: number) => Promise<void> | null;
  /** True: the rest of the file is only read (its bytes still reach onBytes). */
  skip?: () => boolean;
}

/**
 * Reads the file and checks each row on its own (shape, codes, placement, item), handing the good
 * ones to `o.sink` with their line and sort keys. Returns the number of data rows.
 */
export async function readRows(
  deps: RegistryDeps,
  source: CsvSource,
  options: ImportOptions,
  problems: Problems,
  order: StudyOrder,
  o: ReadOptions,
): Promise<number> {
  const place = placements(deps);
  const checked = { studyId: '', site: '' };
  const { sink, endBlock, skip } = o;
  let rows = 0;
  let header = true;
  const records = readCsv(source, { encoding: options.encoding ?? 'utf8', onBytes: o.onBytes });
  try {
    for await (const batch of records) {
      if (skip?.()) continue;
      for (const record of batch) {
        if (header) {
          checkHeader(record);
          header = false;
          continue;
        }
        rows++;
        const wait = checkRow(record, place, problems, order, sink, checked);
        if (wait) await wait;
        // A turn of the event loop now and then: the server's replies to the writes sent meanwhile
        // are read, and the next statement sent, while the rest of a large chunk is checked.
        else if (rows % YIELD_ROWS === 0) await setImmediate();
      }
      const wait = endBlock?.(rows);
      if (wait) await wait;
    }
  } catch (error) {
    if (error instanceof CsvError && error.line === 1 && header)
      throw new RegistryError('IMPORT_FAILED', `line 1: ${escapeControls(error.reason)}`);
    throw error;
  }
  if (header) {
    throw new RegistryError(
      'IMPORT_FAILED',
      `the file is empty: a tidy CSV starts with the header ${TIDY_HEADER.join(',')}`,
    );
  }
  return rows;
}

/** A file that is not well-formed CSV: its problem, as the import's refusal. */
export function csvRefusal(error: CsvError, problems: Problems): RegistryError {
  problems.add(
    error.line,
    error.field !== null ? (TIDY_HEADER[error.field - 1] ?? `field ${error.field}`) : 'row',
    error.reason,
  );
  return problems.refusal();
}

/**
 * Reads the file, checks each row on its own and COPYs the good ones, with their line and sort
 * keys, into `import_row`. Returns the number of data rows.
 */
export async function stage(
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
  const copy = await CopyIn.start(
    trx,
    'copy import_row (line, study_id, site, visit_ord, instr_ord, instance, item_ord, value) from stdin',
  );
  let text = '';
  let rows: number;
  try {
    rows = await readRows(deps, source, options, problems, order, {
      onBytes: (chunk) => hash.update(chunk),
      sink: (line, studyId, site, visitOrd, instrOrd, instance, itemOrd, value) => {
        text += `${line}\t${studyId}\t${site}\t${visitOrd}\t${instrOrd}\t${instance}\t${itemOrd}\t${copyText(value)}\n`;
        return null;
      },
      endBlock: () => {
        if (!text) return null;
        const sent = copy.write(text);
        text = '';
        return sent;
      },
    });
  } catch (error) {
    await copy.fail('import stopped');
    if (error instanceof CsvError) throw csvRefusal(error, problems);
    throw error;
  }
  await copy.end();
  return rows;
}

/** Resolves (visit, instrument) pairs to where they sort and their instrument, once per pair. */
function placements(deps: RegistryDeps): (visit: string, instrument: string) => Placement | RegistryError {
  const placements = new Map<string, Placement | RegistryError>();
  // A form's rows come together: the last pair is asked again most of the time.
  let last: { visit: string; instrument: string; p: Placement | RegistryError } | null = null;
  return (visit, instrument) => {
    if (last && last.visit === visit && last.instrument === instrument) return last.p;
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
    last = { visit, instrument, p };
    return p;
  };
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

/** Checks one data row on its own; hands it to the sink, or reports its problem. */
function checkRow(
  record: CsvRecord,
  place: (visit: string, instrument: string) => Placement | RegistryError,
  problems: Problems,
  order: StudyOrder,
  sink: RowSink,
  checked: { studyId: string; site: string },
): Promise<void> | null {
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
  // A subject's rows come together: its study id and site, checked on its first row, are not checked again.
  if (studyId !== checked.studyId || site !== checked.site) {
    if (!checkSubjectCells(line, studyId, site, problems)) return null;
    checked.studyId = studyId;
    checked.site = site;
  }
  if (instanceText !== '1' && (!/^[1-9]\d{0,9}$/.test(instanceText) || Number(instanceText) > MAX_INT4)) {
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
  // The export's signature rows: a signature is never imported (see SIGNATURE_ITEM).
  if (item === SIGNATURE_ITEM) return null;
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
  return sink(line, studyId, site, p.visitOrd, p.instrOrd, instance, itemOrd, value);
}

/** The study id and site cells of a row: well-formed, and the id belongs to the site. */
function checkSubjectCells(line: number, studyId: string, site: string, problems: Problems): boolean {
  const id = parseStudyId(studyId);
  if (!id.ok && id.code === 'invalid_study_id') {
    problems.add(line, 'study_id', `${showCell(studyId)} is not a study id like VCU-0007`);
    return false;
  }
  if (!isSiteCode(site)) {
    problems.add(line, 'site', `${showCell(site)} is not a site code (2–12 capital letters or digits)`);
    return false;
  }
  if (!studyId.startsWith(`${site}-`)) {
    problems.add(
      line,
      'study_id',
      `${studyId} does not belong to site ${site} (study ids start with their site code)`,
    );
    return false;
  }
  // One spelling per subject: VCU-0040, never VCU-00040 beside it; the number fits the database.
  if (!id.ok) {
    problems.add(line, 'study_id', id.message);
    return false;
  }
  return true;
}

/**
 * Whether the staged rows came in the walk's order (study id in C order, visit, form, instance,
 * item; lines ascending): a file exported by the registry does, and then the walk needs no sort.
 */
export class StudyOrder {
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
