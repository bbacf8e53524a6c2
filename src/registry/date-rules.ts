import { sql, type Transaction } from 'kysely';
import { type Issue, RegistryError } from '../errors.js';
import {
  type Answers,
  INSTRUMENTS,
  type InstrumentDef,
  type ItemDef,
  type SubjectDateKind,
} from '../instruments/index.js';
import type { Database } from '../store/index.js';

/** One form of a subject, as far as the order of its dates goes. */
export interface DatedForm {
  instrument: string;
  visit: string;
  instance: number;
  answers: Answers;
}

interface SubjectDay {
  date: string;
  form: DatedForm;
  item: string;
}

const KIND_TEXT: Readonly<Record<SubjectDateKind, string>> = {
  consent: 'consent',
  procedure: 'procedure',
};

function sameForm(a: DatedForm, b: DatedForm): boolean {
  return a.instrument === b.instrument && a.visit === b.visit && a.instance === b.instance;
}

function datedItems(def: InstrumentDef | undefined, answers: Answers) {
  const out: { item: ItemDef; date: string }[] = [];
  for (const item of def?.items ?? []) {
    const value = answers[item.id];
    if (item.type === 'date' && typeof value === 'string') out.push({ item, date: value });
  }
  return out;
}

const ORDERED = new WeakMap<InstrumentDef, readonly ItemDef[]>();
const NONE: readonly ItemDef[] = [];

/** An instrument's date items that follow or mark a consent or procedure day, listed once. */
function orderedDateItems(def: InstrumentDef | undefined): readonly ItemDef[] {
  if (!def) return NONE;
  let items = ORDERED.get(def);
  if (!items) {
    items = def.items.filter((i) => i.type === 'date' && (i.notBefore?.length || i.marks));
    ORDERED.set(def, items);
  }
  return items;
}

/** The subject's consent and procedure days, as the items that mark them (`marks`) say. */
export function subjectDays(forms: readonly DatedForm[]): Partial<Record<SubjectDateKind, SubjectDay>> {
  const days: Partial<Record<SubjectDateKind, SubjectDay>> = {};
  for (const form of forms) {
    for (const { item, date } of datedItems(INSTRUMENTS.get(form.instrument), form.answers)) {
      if (item.marks && !days[item.marks]) days[item.marks] = { date, form, item: item.id };
    }
  }
  return days;
}

const where = (f: DatedForm) => `${f.instrument} at ${f.visit}${f.instance > 1 ? ` #${f.instance}` : ''}`;

/**
 * Dates of `form` that are impossible beside the subject's other complete forms: a date before the
 * consent or procedure day it must follow (`notBefore`: an adverse event, the end of study or a
 * procedure before consent), or a consent or procedure day (`marks`) after a date that must follow
 * it. Issues name the form's own item. `others` are the subject's other complete forms (a form with
 * the same instrument, visit and instance is the one being replaced and is ignored).
 */
export function dateOrderIssues(form: DatedForm, others: readonly DatedForm[]): Issue[] {
  // Only the form's own dates that follow or mark a day can be out of order: most forms have none.
  const own: { item: ItemDef; date: string }[] = [];
  for (const item of orderedDateItems(INSTRUMENTS.get(form.instrument))) {
    const value = form.answers[item.id];
    if (typeof value === 'string') own.push({ item, date: value });
  }
  if (own.length === 0) return [];
  const rest = others.filter((o) => !sameForm(o, form));
  // The new form's own days win over the stored ones it would replace.
  const days = subjectDays([form, ...rest]);
  const issues: Issue[] = [];
  for (const { item, date } of own) {
    for (const kind of item.notBefore ?? []) {
      const day = days[kind];
      if (day && !sameForm(day.form, form) && date < day.date) {
        issues.push({
          path: [item.id],
          code: 'out_of_order',
          message: `${form.instrument} ${item.id} ${date} is before the ${KIND_TEXT[kind]} date ${day.date} (${day.item} of ${where(day.form)})`,
        });
      }
    }
    if (item.marks) {
      const kind = item.marks;
      for (const other of rest) {
        for (const later of datedItems(INSTRUMENTS.get(other.instrument), other.answers)) {
          if (later.item.notBefore?.includes(kind) && later.date < date) {
            issues.push({
              path: [item.id],
              code: 'out_of_order',
              message: `${form.instrument} ${item.id} ${date} is after ${later.item.id} ${later.date} of ${where(other)}, which cannot be before the ${KIND_TEXT[kind]}`,
            });
          }
        }
      }
    }
  }
  return issues;
}

/**
 * Dates of a form that fall after the recorded date of the visit it is at (items marked
 * `notAfterVisit`: an analgesic's stop date), checked like a date in the future; none when the visit
 * has no recorded date.
 */
export function visitDateIssues(form: DatedForm, visitDate: string | null | undefined): Issue[] {
  if (!visitDate) return [];
  return datedItems(INSTRUMENTS.get(form.instrument), form.answers)
    .filter(({ item, date }) => item.notAfterVisit && date > visitDate)
    .map(({ item, date }) => ({
      path: [item.id],
      code: 'in_future',
      message: `${form.instrument} ${item.id} ${date} is after the date of the ${form.visit} visit (${visitDate})`,
    }));
}

/**
 * Refuses (VALIDATION_FAILED) a complete form whose dates are out of order with the subject's other
 * complete forms, or after its visit's recorded date, read inside the caller's transaction. `replacing` is the id of the response being
 * amended, left out of the comparison.
 */
export async function checkDateOrder(
  trx: Transaction<Database>,
  studyId: string,
  form: DatedForm,
  replacing?: number,
): Promise<void> {
  let query = trx
    .selectFrom('response')
    .select(['instrument', 'visit', 'instance', 'answers'])
    .where('study_id', '=', studyId)
    .where('status', '!=', 'draft');
  if (replacing !== undefined) query = query.where('id', '!=', replacing);
  const rows = await query.execute();
  const others = rows.map((r) => ({
    instrument: r.instrument,
    visit: r.visit,
    instance: r.instance,
    answers: (typeof r.answers === 'string' ? JSON.parse(r.answers) : r.answers) as Answers,
  }));
  const visit = await trx
    .selectFrom('visit')
    .select(sql<string | null>`visit_date::text`.as('date'))
    .where('study_id', '=', studyId)
    .where('visit', '=', form.visit)
    .executeTakeFirst();
  const issues = [...dateOrderIssues(form, others), ...visitDateIssues(form, visit?.date)];
  if (issues.length > 0) {
    throw new RegistryError('VALIDATION_FAILED', issues.map((i) => i.message).join('; '), issues);
  }
}
