import type { Answers, InstrumentDef } from '../instruments/index.js';
import { formatAnswer } from '../instruments/index.js';
import { csvLine } from './csv.js';

/** Tidy CSV contract (DESIGN.md): one row per answered item. */
export const TIDY_HEADER = ['study_id', 'site', 'visit', 'instrument', 'instance', 'item', 'value'] as const;
export type TidyColumn = (typeof TIDY_HEADER)[number];

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
}

/** The tidy rows of one response, items in the instrument's order. */
export function tidyRows(r: TidyResponse): TidyRow[] {
  const rows: TidyRow[] = [];
  for (const item of r.def.items) {
    const value = r.answers[item.id];
    if (value === undefined) continue;
    rows.push({
      study_id: r.studyId,
      site: r.site,
      visit: r.visit,
      instrument: r.def.id,
      instance: r.instance,
      item: item.id,
      value: formatAnswer(item, value),
    });
  }
  return rows;
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
