// One scan of cohort_form (what migration 0020 keeps of each form) for the whole extraction, in page
// ranges read side by side: every form's typed scores as one short text line, and the answers the
// cohort reads as JSON, each range as one text value (a few large strings parse far faster than
// millions of rows).
import { type Kysely, sql } from 'kysely';
import { addDose, listedStopped } from '../../analysis/study/visit-mme.js';
import type { Database } from '../schema.js';
import type { Row } from './answer-text.js';
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

/** The typed scores of one subject at one visit, over its forms there (as `perVisit` aggregated them). */
export interface VisitTally {
  /** Any form other than end of study or an adverse event: the visit is seen. */
  seen: boolean;
  pain: number | null;
  odi: number | null;
  /** Sum of daily MME in exact hundredths over the analgesics still taken. */
  mmeHundredths: number | null;
  /** An opioid still taken has no MME (no conversion factor). */
  mmeUnknown: boolean;
  opioid: boolean | null;
  /** [instance, drug] of the opioids still taken (null: none). */
  taken: [number, string | null][] | null;
  /** [instance, drug, stop date] of the opioids listed with a stop date (null: none). */
  stopped: [number, string, string][] | null;
}

/** What the scan gives: the tallies per subject and visit, and the rows of each read by instrument. */
export interface ScannedForms {
  tallies: Map<string, Map<string, VisitTally>>;
  rows: Map<string, Row[]>;
}

const US = '\x1f';

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

/** A kept read: its rows, the visits it reads (null: all), and the item names of cohort_form.read's values. */
export interface KeptRead {
  rows: Row[];
  visits: Set<string> | null;
  items: string[];
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

/** Heap pages per range: a range's text stays a few tens of MB, and a few ranges keep both sides busy. */
const PAGES_PER_RANGE = 8_000;
const MIN_RANGES = 4;
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
): Promise<ScannedForms> {
  const ranges = Math.max(MIN_RANGES, Math.ceil(pages / PAGES_PER_RANGE));
  const step = Math.ceil(pages / ranges);
  const query = (i: number) =>
    run(async (c: Kysely<Database>) => {
      const from = sql`ctid >= ${sql.lit(`(${i * step},0)`)}::tid`;
      const to = i === ranges - 1 ? sql`true` : sql`ctid < ${sql.lit(`(${(i + 1) * step},0)`)}::tid`;
      const { rows } = await sql<{ lines: string | null; reads: string | null }>`
        select string_agg(line, chr(10)) as lines, string_agg(read, ',') as reads
        from cohort_form where ${from} and ${to}`.execute(c);
      return rows[0] ?? { lines: null, reads: null };
    });
  // At most AT_ONCE ranges in flight; parsed in order as each arrives.
  const pending: Promise<{ lines: string | null; reads: string | null }>[] = [];
  for (let i = 0; i < Math.min(AT_ONCE, ranges); i++) pending.push(query(i));
  const scanned: ScannedForms = { tallies: new Map(), rows: new Map(reads.map((r) => [r.instrument, []])) };
  let others: Promise<(string | null)[]> = Promise.resolve([]);
  try {
    const kept = await keptItems(run);
    // Reads kept by cohort_form, by instrument (with the visits they read), and the others.
    const keptReads = new Map<string, KeptRead>();
    const fromResponse: FormRead[] = [];
    for (const r of reads) {
      const k = kept.get(r.instrument);
      if (k && keptFor(r, k)) {
        keptReads.set(r.instrument, {
          rows: scanned.rows.get(r.instrument)!,
          visits: r.visits,
          items: k.items,
        });
      } else fromResponse.push(r);
    }
    others = Promise.all(fromResponse.map((r) => responseRead(run, r)));
    for (let i = 0; i < ranges; i++) {
      const result = await pending[i]!;
      if (i + AT_ONCE < ranges) pending.push(query(i + AT_ONCE));
      if (result.lines !== null) tallyLines(scanned.tallies, result.lines, codes);
      if (result.reads !== null) addKeptRows(keptReads, result.reads);
    }
    const texts = await others;
    fromResponse.forEach((r, i) => {
      const text = texts[i];
      if (text !== null && text !== undefined) {
        addReadRows([scanned.rows.get(r.instrument)!], [[...r.items, ...[...r.scores].map(scoreKey)]], text);
      }
    });
  } finally {
    for (const p of pending) p.catch(() => {});
    others.catch(() => {});
  }
  // In the order the forms were saved, as each consumer expects.
  for (const rows of scanned.rows.values()) rows.sort((a, b) => (a.id as number) - (b.id as number));
  return scanned;
}

/**
 * Adds the kept answers of one range (cohort_form.read: [instrument, study id, visit, id, ...values])
 * to the rows of the reads they serve: `study_id`, `visit`, `id` and each item kept.
 */
export function addKeptRows(reads: Map<string, KeptRead>, json: string): void {
  for (const a of JSON.parse(`[${json}]`) as unknown[][]) {
    const read = reads.get(a[0] as string);
    if (!read || (read.visits !== null && !read.visits.has(a[2] as string))) continue;
    const row: Row = { study_id: a[1], visit: a[2], id: a[3] };
    const k = read.items;
    for (let j = 0; j < k.length; j++) row[k[j]!] = a[j + 4];
    read.rows.push(row);
  }
}

function newTally(): VisitTally {
  return {
    seen: false,
    pain: null,
    odi: null,
    mmeHundredths: null,
    mmeUnknown: false,
    opioid: null,
    taken: null,
    stopped: null,
  };
}

/**
 * The number written in `text` from `a` to `b`, without making a string: a decimal of up to 15
 * digits is its digits over a power of ten, one correctly rounded division, so exactly what
 * `Number` gives; anything else goes through `Number`.
 */
function numberAt(text: string, a: number, b: number): number {
  let i = a;
  const negative = text.charCodeAt(i) === 45;
  if (negative) i++;
  let digits = 0;
  let whole = 0;
  let scale = 1;
  let point = false;
  for (; i < b; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      whole = whole * 10 + (c - 48);
      digits++;
      if (point) scale *= 10;
    } else if (c === 46 && !point) point = true;
    else return Number(text.slice(a, b));
  }
  if (digits === 0 || digits > 15) return Number(text.slice(a, b));
  const value = whole / scale;
  return negative ? -value : value;
}

/** Whether `text` holds exactly `word` from `a` to `b`. */
const isAt = (text: string, a: number, b: number, word: string) =>
  b - a === word.length && text.startsWith(word, a);

/**
 * Tallies the lines of one range into the subjects' visits (max, sum and "any" merge across ranges).
 * Read in place, field by field: a range has hundreds of thousands of lines, and a string or array
 * per field would keep the garbage collector busier than the tally itself.
 * @param codes - the protocol's visit codes: a visit among them is keyed by that very string.
 */
export function tallyLines(
  tallies: Map<string, Map<string, VisitTally>>,
  text: string,
  codes: readonly string[],
): void {
  let last = '';
  let visits: Map<string, VisitTally> | undefined;
  const n = text.length;
  let pos = 0;
  while (pos < n) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    const idEnd = text.indexOf(US, pos);
    if (!visits || !isAt(text, pos, idEnd, last)) {
      last = text.slice(pos, idEnd);
      visits = tallies.get(last);
      if (!visits) {
        visits = new Map();
        tallies.set(last, visits);
      }
    }
    const visitEnd = text.indexOf(US, idEnd + 1);
    let visit: string | undefined;
    for (const code of codes) {
      if (isAt(text, idEnd + 1, visitEnd, code)) {
        visit = code;
        break;
      }
    }
    visit ??= text.slice(idEnd + 1, visitEnd);
    let t = visits.get(visit);
    if (!t) {
      t = newTally();
      visits.set(visit, t);
    }
    let fieldEnd = text.indexOf(US, visitEnd + 1);
    if (fieldEnd < 0 || fieldEnd > end) fieldEnd = end;
    const kind = text.charCodeAt(visitEnd + 1);
    const analgesic = kind === 97; /* a */
    // A visit counts as seen by its forms; an end-of-study or adverse event form alone is not a visit.
    if (kind !== 110 /* n */) t.seen = true;
    let pain: number | null = null;
    let odi: number | null = null;
    let mme: number | null = null;
    let opioid: boolean | null = null;
    let drug: string | null = null;
    let stopDate: string | null = null;
    let instance = 0;
    while (fieldEnd < end) {
      const a = fieldEnd + 1;
      fieldEnd = text.indexOf(US, a);
      if (fieldEnd < 0 || fieldEnd > end) fieldEnd = end;
      switch (text.charCodeAt(a)) {
        case 112 /* p */:
          pain = numberAt(text, a + 1, fieldEnd);
          break;
        case 111 /* o */:
          odi = numberAt(text, a + 1, fieldEnd);
          break;
        case 109 /* m */:
          mme = numberAt(text, a + 1, fieldEnd);
          break;
        case 113 /* q */:
          opioid = text.charCodeAt(a + 1) === 49;
          break;
        case 100 /* d */:
          drug = text.slice(a + 1, fieldEnd);
          break;
        case 115 /* s */:
          stopDate = text.slice(a + 1, fieldEnd);
          break;
        case 105 /* i */:
          instance = numberAt(text, a + 1, fieldEnd);
          break;
      }
    }
    pos = end + 1;
    if (pain !== null && (t.pain === null || pain > t.pain)) t.pain = pain;
    if (odi !== null && (t.odi === null || odi > t.odi)) t.odi = odi;
    // An analgesic listed with a stop date has stopped by this review: no opioid use, no MME here.
    if (analgesic && listedStopped(stopDate)) {
      if (opioid === true) {
        t.stopped ??= [];
        t.stopped.push([instance, drug ?? '', stopDate]);
      }
      continue;
    }
    addDose(t, mme, opioid);
    if (opioid !== null) t.opioid = t.opioid === true || opioid;
    if (opioid === true) {
      t.taken ??= [];
      t.taken.push([instance, drug]);
    }
  }
}

/** Adds the JSON rows of one range to their reads' rows: `study_id`, `visit`, `id` and each value. */
export function addReadRows(readRows: Row[][], keys: string[][], json: string): void {
  for (const a of JSON.parse(`[${json}]`) as unknown[][]) {
    const read = a[0] as number;
    const row: Row = { study_id: a[2], visit: a[3], id: a[1] };
    const k = keys[read]!;
    for (let j = 0; j < k.length; j++) row[k[j]!] = a[j + 4];
    readRows[read]!.push(row);
  }
}
