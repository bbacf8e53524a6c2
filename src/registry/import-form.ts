// The forms an import gathers from its staged rows, grouped by subject, and the visit record's form.
import { VISIT_INSTRUMENT, VISIT_ITEMS } from '../exchange/tidy.js';
import type { Answers, InstrumentDef } from '../instruments/index.js';
import type { DatedForm } from './date-rules.js';
import type { responseColumns } from './response-columns.js';
import type { VisitRecord } from './visits.js';

/**
 * Rows of instrument `visit` (a visit's date and mode, or its missed reason) stage like a form
 * sorting after the visit's forms, and are checked by the visit record's own rules (visits.ts).
 */
export const VISIT_ORD = 1_000_000;
export const VISIT_RECORD: InstrumentDef = {
  id: VISIT_INSTRUMENT,
  version: '1.0.0',
  title: 'Visit record',
  repeating: false,
  items: VISIT_ITEMS.map((id) => ({ id, label: id, type: 'text' as const })),
} as InstrumentDef;

/** One form gathered from consecutive staged rows. */
export interface Form {
  visit: string;
  def: InstrumentDef;
  instance: number;
  firstLine: number;
  /** The answer texts by item, in the instrument's item order (undefined: not given). */
  texts: (string | undefined)[];
  /** The line of each item's text, in the same order. */
  lines: number[];
  answers?: Answers;
  columns?: ReturnType<typeof responseColumns>;
  /** For a visit record (instrument `visit`): the checked record. */
  visitRecord?: VisitRecord;
}

export interface SubjectGroup {
  studyId: string;
  site: string;
  firstLine: number;
  forms: Form[];
  /** Visit records (instrument `visit`), kept apart from the forms. */
  visits?: Form[];
}

export function dated(f: Form): DatedForm {
  return { instrument: f.def.id, visit: f.visit, instance: f.instance, answers: f.answers! };
}

/** The line of a form's item, if the file gave it. */
export function itemLine(form: Form, item: string): number | undefined {
  const i = form.def.items.findIndex((d) => d.id === item);
  return i === -1 ? undefined : form.lines[i];
}

const ITEM_IDS = new WeakMap<InstrumentDef, readonly string[]>();

/** The instrument's item ids in order, listed once per instrument. */
export function itemIds(def: InstrumentDef): readonly string[] {
  let ids = ITEM_IDS.get(def);
  if (!ids) {
    ids = def.items.map((i) => i.id);
    ITEM_IDS.set(def, ids);
  }
  return ids;
}
