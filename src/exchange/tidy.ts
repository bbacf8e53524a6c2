import type { Answers, InstrumentDef, MissingMap } from '../instruments/index.js';
import { formatAnswer, formatMissing } from '../instruments/index.js';
import { csvLine } from './csv.js';

/** Tidy CSV contract (DESIGN.md): one row per answered item, or per item marked missing with a code. */
export const TIDY_HEADER = ['study_id', 'site', 'visit', 'instrument', 'instance', 'item', 'value'] as const;
export type TidyColumn = (typeof TIDY_HEADER)[number];

/**
 * A signed form's signature in force, written as one more row after the form's items (value:
 * `name=…; username=…; signed_at=…; meaning=…; sha256=…; state=…`, registry/signatures.ts). An import
 * skips these rows: a signature is taken only from its signer, with their password.
 */
export const SIGNATURE_ITEM = '_signature';

export interface TidyRow {
  study_id: string;
  site: string;
  visit: string;
  instrument: string;
  instance: number;
  item: string;
  value: string;
}

export interface TidyResponse {
  studyId: string;
  site: string;
  visit: string;
  instance: number;
  def: InstrumentDef;
  answers: Answers;
  /** Items marked missing with a code: written `[missing:<code>]` (instruments/missing-codes.ts). */
  missing?: MissingMap;
}

/**
 * The tidy rows of one response, items in the instrument's order; an item marked missing has the
 * reserved value `[missing:<code>]`, which no answer can take, so it reads back as the code.
 */
export function tidyRows(r: TidyResponse): TidyRow[] {
  const rows: TidyRow[] = [];
  for (const item of r.def.items) {
    const value = r.answers[item.id];
    const code = r.missing?.[item.id];
    if (value === undefined && code === undefined) continue;
    rows.push({
      study_id: r.studyId,
      site: r.site,
      visit: r.visit,
      instrument: r.def.id,
      instance: r.instance,
      item: item.id,
      value: value === undefined ? formatMissing(code!) : formatAnswer(item, value),
    });
  }
  return rows;
}

/**
 * Rows of instrument `visit` carry when and how a visit took place (`date`, `mode`: clinic, phone,
 * epro) or that it was missed (`missed_reason`); instance 1, after the visit's forms. Optional: a
 * file without them is valid.
 */
export const VISIT_INSTRUMENT = 'visit';
export const VISIT_ITEMS = ['date', 'mode', 'missed_reason'] as const;

export interface TidyVisit {
  studyId: string;
  site: string;
  visit: string;
  date: string | null;
  mode: string | null;
  missedReason: string | null;
}

/** The tidy rows of one visit record, items in `VISIT_ITEMS` order. */
export function visitTidyRows(v: TidyVisit): TidyRow[] {
  const values = { date: v.date, mode: v.mode, missed_reason: v.missedReason };
  return VISIT_ITEMS.flatMap((item) =>
    values[item] === null
      ? []
      : [
          {
            study_id: v.studyId,
            site: v.site,
            visit: v.visit,
            instrument: VISIT_INSTRUMENT,
            instance: 1,
            item,
            value: values[item]!,
          },
        ],
  );
}

/** One tidy row as a CSV line. */
export function tidyLine(row: TidyRow): string {
  return csvLine([
    row.study_id,
    row.site,
    row.visit,
    row.instrument,
    String(row.instance),
    row.item,
    row.value,
  ]);
}

export const TIDY_HEADER_LINE = csvLine([...TIDY_HEADER]);
