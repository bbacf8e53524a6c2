// One scan of cohort_form (what migration 0020 keeps of each form) for the whole extraction, in page
// ranges read side by side: every form's typed scores as one short text line, and the answers the
// cohort reads as JSON arrays, each range as a few rows of about 1 MB of text (a few large strings
// parse far faster than millions of rows), read in place into typed arrays and columns.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.js';
import { AnswerColumns } from './answer-columns.js';
import { tallyLines, VisitTallies } from './form-tally.js';
import { END, JsonArrays, TextInterner } from './json-arrays.js';
import type { Runner } from './snapshot-runner.js';

/** What the extraction reads from one instrument's forms: answer items and scores, at some visits or all. */
export interface FormRead {
  instrument: string;
  items: Set<string>;
  scores: Set<string>;
  /** Only the forms of these visits; null for every visit. */
  visits: Set<string> | null;
}

/** The reads by instrument; `want` adds items (and scores) read at some visits, or at all. */
export class FormReads {
  readonly byInstrument = new Map<string, FormRead>();

  want(instrument: string, items: Iterable<string>, scores: Iterable<string> = [], visits?: string[]): this {
    let read = this.byInstrument.get(instrument);
    if (!read) {
      read = { instrument, items: new Set(), scores: new Set(), visits: visits ? new Set() : null };
      this.byInstrument.set(instrument, read);
    }
    for (const item of items) read.items.add(item);
    for (const score of scores) read.scores.add(score);
    // A read wanted at every visit by any consumer is read at every visit.
    if (!visits) read.visits = null;
    else if (read.visits) for (const v of visits) read.visits.add(v);
    return this;
  }
}

/** A score read beside the answers is keyed `scores.<name>` in its rows (an item may share its name). */
export const scoreKey = (score: string): string => `scores.${score}`;

/** What the scan gives: the tallies per subject and visit, and the answers of each read by instrument. */
export interface ScannedForms {
  tallies: VisitTallies;
  rows: Map<string, AnswerColumns>;
}

/** What cohort_form keeps of one instrument's answers (migration 0020): its items in order, at which visits. */
export interface KeptInstrument {
  /** Items (scores as `scores.<name>`), in their order in cohort_form.read. */
  items: string[];
  /** The visits kept; null: every visit. */
  visits: Set<string> | null;
}

/** What cohort_form keeps, by instrument (cohort_form_items(), the one list). */
export async function keptItems(run: Runner): Promise<Map<string, KeptInstrument>> {
  const { rows } = await run((c) =>
    sql<{ instrument: string; items: string[]; visits: string[] | null }>`
      select instrument, items, visits from cohort_form_items()`.execute(c),
  );
  return new Map(
    rows.map((r) => [r.instrument, { items: r.items, visits: r.visits ? new Set(r.visits) : null }]),
  );
}

/** Whether cohort_form keeps every item and score of `read` at every visit it reads. */
export function keptFor(read: FormRead, kept: KeptInstrument | undefined): boolean {
  if (!kept) return false;
  for (const key of [...read.items, ...[...read.scores].map(scoreKey)])
    if (!kept.items.includes(key)) return false;
  if (kept.visits === null) return true;
  if (read.visits === null) return false;
  for (const v of read.visits) if (!kept.visits.has(v)) return false;
  return true;
}

/** A kept read: its answers (columns of the items of cohort_form.read, in order) and the visits it reads (null: all). */
export interface KeptRead {
  columns: AnswerColumns;
  visits: Set<string> | null;
}

/** A read's forms from `response` as JSON arrays [0, id, study id, visit, ...items, ...scores] (as text). */
function responseRead(run: Runner, read: FormRead): Promise<string | null> {
  const atVisits = read.visits === null ? sql`` : sql` and visit in (${sql.join([...read.visits])})`;
  const values = [
    ...[...read.items].map((item) => sql`answers->>${item}::text`),
    ...[...read.scores].map((score) => sql`scores->>${score}::text`),
  ];
  const tail = values.length ? sql`, ${sql.join(values)}` : sql``;
  return run(async (c) => {
    const { rows } = await sql<{ reads: string | null }>`
      select string_agg(json_build_array(0, id, study_id, visit${tail})::text, ',') as reads
      from response where instrument = ${read.instrument} and status <> 'draft'${atVisits}`.execute(c);
    return rows[0]?.reads ?? null;
  });
}

/** One row of a range's result: the lines and the kept answers of some of its pages. */
interface RangeRow {
  lines: string | null;
  reads: string | null;
}

/** Heap pages per range: a few ranges keep both sides busy (one at a time or two: the same, 2026-12-01). */
const PAGES_PER_RANGE = 8_000;
const MIN_RANGES = 4;
/**
 * Heap pages per row of a range's result (about 1 MB of text): the driver gathers each row in one
 * buffer, so rows of tens of MB would have it grow and copy that much memory again and again.
 */
const PAGES_PER_ROW = 256;
/** Ranges read at once (each on its own connection); this process parses one while others are read. */
const AT_ONCE = 2;

/**
 * Reads every entered form once from cohort_form (its line and its kept answers, kept by the
 * triggers of migration 0020), in ranges of heap pages (TID range scans) read side by side on the
 * snapshot, and tallies them as they arrive. A read whose items cohort_form does not keep is read
 * from `response` (that instrument's forms only). `pages` is cohort_form's size in pages now; the
 * last range is open-ended, so nothing of the snapshot is missed.
 */
export async function scanForms(
  run: Runner,
  reads: FormRead[],
  pages: number,
  codes: readonly string[],
  studyIds: Promise<readonly string[]>,
): Promise<ScannedForms> {
  const ranges = Math.max(MIN_RANGES, Math.ceil(pages / PAGES_PER_RANGE));
  const step = Math.ceil(pages / ranges);
  // A range's rows, in page order: one per PAGES_PER_ROW pages, the last range's last one open-ended.
  const part = (from: number, to: number | null) =>
    sql`select string_agg(line, chr(10)) as lines, string_agg(read, ',') as reads from cohort_form
        where ctid >= ${sql.lit(`(${from},0)`)}::tid${to === null ? sql`` : sql` and ctid < ${sql.lit(`(${to},0)`)}::tid`}`;
  const query = (i: number) =>
    run(async (c: Kysely<Database>) => {
      const [start, end] = [i * step, (i + 1) * step];
      const parts = [];
      for (let from = start; from < end || from === start; from += PAGES_PER_ROW) {
        const to = Math.min(from + PAGES_PER_ROW, end);
        parts.push(part(from, i === ranges - 1 && to === end ? null : to));
      }
      const { rows } = await sql<RangeRow>`${sql.join(parts, sql` union all `)}`.execute(c);
      return rows;
    });
  // At most AT_ONCE ranges in flight; parsed in order as each arrives.
  const pending: Promise<RangeRow[]>[] = [];
  for (let i = 0; i < Math.min(AT_ONCE, ranges); i++) pending.push(query(i));
  const rows = new Map<string, AnswerColumns>();
  let tallies: VisitTallies | undefined;
  // One string per distinct answer text over the whole scan.
  const interner = new TextInterner();
  const keys = new TextInterner();
  let others: Promise<(string | null)[]> = Promise.resolve([]);
  try {
    const kept = await keptItems(run);
    // The subjects' study ids are the strings every form's study id is read as.
    const subjects = await studyIds;
    keys.seed(subjects);
    tallies = new VisitTallies(subjects, codes);
    // Reads kept by cohort_form, by instrument (with the visits they read), and the others.
    const keptReads = new Map<string, KeptRead>();
    const fromResponse: FormRead[] = [];
    for (const r of reads) {
      const k = kept.get(r.instrument);
      if (k && keptFor(r, k)) {
        const columns = new AnswerColumns(k.items);
        rows.set(r.instrument, columns);
        keptReads.set(r.instrument, { columns, visits: r.visits });
      } else {
        rows.set(r.instrument, new AnswerColumns([...r.items, ...[...r.scores].map(scoreKey)]));
        fromResponse.push(r);
      }
    }
    others = Promise.all(fromResponse.map((r) => responseRead(run, r)));
    for (let i = 0; i < ranges; i++) {
      const results = await pending[i]!;
      if (i + AT_ONCE < ranges) pending.push(query(i + AT_ONCE));
      for (const result of results) {
        if (result.lines !== null) tallyLines(tallies, result.lines, keys);
        if (result.reads !== null) addKeptRows(keptReads, result.reads, interner, keys);
      }
    }
    const texts = await others;
    fromResponse.forEach((r, i) => {
      const text = texts[i];
      if (text !== null && text !== undefined) addReadRows([rows.get(r.instrument)!], text, interner, keys);
    });
  } finally {
    for (const p of pending) p.catch(() => {});
    others.catch(() => {});
    studyIds.catch(() => {});
  }
  // In the order the forms were saved, as each consumer expects.
  for (const columns of rows.values()) columns.sortById();
  return { tallies, rows };
}

/**
 * Adds the kept answers of one range (cohort_form.read: [instrument, study id, visit, id, ...values])
 * to the columns of the reads they serve: study id, visit, id and each item kept.
 */
export function addKeptRows(
  reads: Map<string, KeptRead>,
  json: string,
  interner: TextInterner,
  keys: TextInterner = interner,
): void {
  const arrays = new JsonArrays(json, interner, keys);
  while (arrays.open()) {
    const read = reads.get(arrays.value() as string);
    const studyId = arrays.key() as string;
    const visit = arrays.value() as string;
    const id = arrays.value() as number;
    if (!read || (read.visits !== null && !read.visits.has(visit))) arrays.skip();
    else addValues(arrays, read.columns, studyId, visit, id);
  }
}

/** Adds one form to `columns` and reads its values (the rest of the array entered) into them. */
function addValues(arrays: JsonArrays, columns: AnswerColumns, studyId: string, visit: string, id: number) {
  columns.studyIds.push(studyId);
  columns.visits.push(visit);
  columns.ids.push(id);
  const values = columns.values;
  let ended = false;
  for (let j = 0; j < values.length; j++) {
    const v = ended ? END : arrays.value();
    if (v === END) ended = true;
    values[j]!.push(v === END ? undefined : v);
  }
  if (!ended) arrays.skip();
}

/** Adds the JSON arrays [read, id, study id, visit, ...values] of `response` to their reads' columns. */
export function addReadRows(
  columns: AnswerColumns[],
  json: string,
  interner: TextInterner,
  keys: TextInterner = interner,
): void {
  const arrays = new JsonArrays(json, interner, keys);
  while (arrays.open()) {
    const read = columns[arrays.value() as number];
    if (!read) {
      arrays.skip();
      continue;
    }
    const id = arrays.value() as number;
    const studyId = arrays.key() as string;
    const visit = arrays.value() as string;
    addValues(arrays, read, studyId, visit, id);
  }
}
