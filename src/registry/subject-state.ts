import type { Selectable, Transaction } from 'kysely';
import { RegistryError } from '../errors.js';
import { type Answers, INSTRUMENTS, type InstrumentDef, type SubjectStatus } from '../instruments/index.js';
import type { Protocol } from '../protocol/index.js';
import { visitWindow } from '../schedule/index.js';
import type { Database } from '../store/index.js';

export type SubjectRow = Selectable<Database['subject']>;

/** What the registry derives about a subject from its complete forms. */
export interface SubjectState {
  status: SubjectStatus;
  /** Planned index date from the creating form until the procedure gives the actual one. */
  index_date: string | null;
  /** The creating form's collection day (consent). */
  enrolled_on: string;
}

/** Loads a subject and locks its row for the rest of the transaction. */
export async function loadSubjectForUpdate(trx: Transaction<Database>, studyId: string): Promise<SubjectRow> {
  const subject = await trx
    .selectFrom('subject')
    .selectAll()
    .where('study_id', '=', studyId)
    .forUpdate()
    .executeTakeFirst();
  if (!subject) throw new RegistryError('SUBJECT_NOT_FOUND', `subject ${studyId} not found`);
  return subject;
}

const TERMINAL: ReadonlySet<SubjectStatus> = new Set(['withdrawn', 'completed']);
const RANK: Record<SubjectStatus, number> = {
  screened: 0,
  enrolled: 1,
  treated: 2,
  withdrawn: 3,
  completed: 3,
};

/** True when the status ends participation (withdrawn, completed). */
export function isTerminal(status: SubjectStatus): boolean {
  return TERMINAL.has(status);
}

/**
 * The subject's state after one complete form. The single rule for every writer (enrol, record, amend,
 * import): status only moves forward (screened → enrolled → treated) or to an end (withdrawn,
 * completed), and a form that ends participation may correct an earlier end; an index date is taken
 * from a form unless it is a planned date (from a form that only enrols) arriving after the subject was
 * treated; the creating form sets the enrolment day. `current` is null for a subject not yet created,
 * and then `def` must be the form that creates subjects.
 * @param today - YYYY-MM-DD, used as the enrolment day when the creating form names no date.
 */
export function subjectStateAfter(
  current: SubjectState | null,
  def: InstrumentDef,
  answers: Answers,
  today: string,
): SubjectState {
  if (current === null && !def.createsSubject) {
    throw new RegistryError('SUBJECT_NOT_FOUND', `a ${def.id} form cannot create a subject`);
  }
  const base: SubjectState = current ?? { status: 'screened', index_date: null, enrolled_on: today };
  const update = def.subjectUpdate?.(answers) ?? {};
  let status = base.status;
  if (update.status !== undefined && update.status !== base.status) {
    const toEnd = isTerminal(update.status);
    const forward = !isTerminal(base.status) && RANK[update.status] > RANK[base.status];
    if (toEnd || forward) status = update.status;
  }
  const planned = update.status !== undefined && RANK[update.status] < RANK.treated;
  const treated = base.status === 'treated' || (isTerminal(base.status) && base.index_date !== null);
  const index_date =
    update.indexDate !== undefined && !(planned && treated && current !== null)
      ? update.indexDate
      : base.index_date;
  const enrolled_on = def.createsSubject
    ? (def.collectedOn?.(answers) ?? base.enrolled_on)
    : base.enrolled_on;
  return { status, index_date, enrolled_on };
}

/** The state of a new subject from its forms, applied in the order given (see `formOrder`). */
export function newSubjectState(
  forms: Iterable<{ def: InstrumentDef; answers: Answers }>,
  today: string,
): SubjectState | null {
  let state: SubjectState | null = null;
  for (const f of forms) state = subjectStateAfter(state, f.def, f.answers, today);
  return state;
}

/**
 * Orders forms as they happen in the study: by the protocol's visit order, the creating form first
 * within its visit. Import applies forms in this order, so a file gives the same subject as the same
 * forms entered one by one.
 */
export function formOrder(
  protocol: Protocol,
): (a: { visit: string; def: InstrumentDef }, b: { visit: string; def: InstrumentDef }) => number {
  const visitOrder = new Map(protocol.visits.map((v, i) => [v.code, i]));
  return (a, b) =>
    (visitOrder.get(a.visit) ?? 0) - (visitOrder.get(b.visit) ?? 0) ||
    Number(Boolean(b.def.createsSubject)) - Number(Boolean(a.def.createsSubject));
}

const same = (a: SubjectState, b: SubjectState) =>
  a.status === b.status && a.index_date === b.index_date && a.enrolled_on === b.enrolled_on;

/**
 * Writes what a complete form says about an existing subject (status, index date, enrolment day),
 * inside the caller's transaction; the subject row must be locked (`loadSubjectForUpdate`).
 * Returns the state before and after; the row and `subject` are only changed when it differs.
 */
export async function writeSubjectState(
  trx: Transaction<Database>,
  subject: SubjectRow,
  def: InstrumentDef,
  answers: Answers,
  now: Date,
): Promise<{ before: SubjectState; after: SubjectState }> {
  const before = stateOf(subject);
  const after = subjectStateAfter(before, def, answers, now.toISOString().slice(0, 10));
  if (!same(before, after)) {
    await trx
      .updateTable('subject')
      .set({ ...after, version: subject.version + 1, updated_at: now })
      .where('study_id', '=', subject.study_id)
      .execute();
    Object.assign(subject, after, { version: subject.version + 1, updated_at: now });
  }
  return { before, after };
}

/** A subject row's state (dates as YYYY-MM-DD whether the driver gives text or Date). */
export function stateOf(subject: Pick<SubjectRow, 'status' | 'index_date' | 'enrolled_on'>): SubjectState {
  return {
    status: subject.status as SubjectStatus,
    index_date: subject.index_date === null ? null : day(subject.index_date),
    enrolled_on: day(subject.enrolled_on),
  };
}

function day(value: string | Date): string {
  return typeof value === 'string' ? value.slice(0, 10) : value.toISOString().slice(0, 10);
}

/**
 * The visit a subject leaves at on `date`: the last visit whose target day is on or before it
 * (visits anchored on a procedure that has not happened are skipped), else the first visit.
 */
export function leavingVisit(
  protocol: Protocol,
  subject: Pick<SubjectRow, 'enrolled_on' | 'index_date'>,
  date: string,
): string {
  const state = stateOf({ status: 'enrolled', ...subject });
  const scheduled = { enrolledOn: state.enrolled_on, indexDate: state.index_date };
  let visit = protocol.visits[0]?.code ?? '';
  for (const v of protocol.visits) {
    const timing = visitWindow(protocol, v.code, scheduled);
    if (timing && timing.target.slice(0, 10) <= date) visit = v.code;
  }
  return visit;
}

const ENDING_IDS = [...INSTRUMENTS.values()].filter((d) => d.endsParticipation).map((d) => d.id);

interface PlacedForm {
  instrument: string;
  visit: string;
}

/**
 * A subject leaves the study once. For each incoming form (in order), why it cannot be added because
 * the subject already has a form that ends participation (stored, or earlier in `incoming`), or null
 * when it can. Import calls this per subject; `refuseSecondEnd` is the single-form case.
 */
export function secondEnds(
  studyId: string,
  stored: readonly PlacedForm[],
  incoming: readonly PlacedForm[],
): (string | null)[] {
  let first = stored.find((f) => ENDING_IDS.includes(f.instrument));
  return incoming.map((f) => {
    if (!ENDING_IDS.includes(f.instrument)) return null;
    if (!first) {
      first = f;
      return null;
    }
    return `${studyId} already has its ${first.instrument} form at ${first.visit}; a subject leaves the study once (amend that form instead)`;
  });
}

/** Throws RESPONSE_EXISTS when the form would be the subject's second form that ends participation. */
export async function refuseSecondEnd(
  trx: Transaction<Database>,
  studyId: string,
  def: InstrumentDef,
  visit: string,
): Promise<void> {
  if (!def.endsParticipation) return;
  const stored = await trx
    .selectFrom('response')
    .select(['visit', 'instrument'])
    .where('study_id', '=', studyId)
    .where('instrument', 'in', ENDING_IDS)
    .execute();
  const [why] = secondEnds(studyId, stored, [{ instrument: def.id, visit }]);
  if (why) throw new RegistryError('RESPONSE_EXISTS', why);
}

const BATCH = 1000;

/**
 * Applies complete forms to subjects already in the registry (import), in the order given: locks
 * each subject, folds the forms with `subjectStateAfter` and writes every changed subject once.
 * Returns the state after, per subject.
 */
export async function writeSubjectStates(
  trx: Transaction<Database>,
  forms: readonly { studyId: string; def: InstrumentDef; answers: Answers }[],
  now: Date,
): Promise<Map<string, SubjectState>> {
  const ids = [...new Set(forms.map((f) => f.studyId))].sort();
  const rows = new Map<string, SubjectRow>();
  for (let i = 0; i < ids.length; i += BATCH) {
    const batch = await trx
      .selectFrom('subject')
      .selectAll()
      .where('study_id', 'in', ids.slice(i, i + BATCH))
      .orderBy('study_id')
      .forUpdate()
      .execute();
    for (const row of batch) rows.set(row.study_id, row);
  }
  const today = now.toISOString().slice(0, 10);
  const states = new Map<string, SubjectState>();
  for (const f of forms) {
    const row = rows.get(f.studyId);
    if (!row) throw new RegistryError('SUBJECT_NOT_FOUND', `subject ${f.studyId} not found`);
    const prior = states.get(f.studyId) ?? stateOf(row);
    states.set(f.studyId, subjectStateAfter(prior, f.def, f.answers, today));
  }
  for (const [studyId, after] of states) {
    const row = rows.get(studyId)!;
    if (same(stateOf(row), after)) continue;
    await trx
      .updateTable('subject')
      .set({ ...after, version: row.version + 1, updated_at: now })
      .where('study_id', '=', studyId)
      .execute();
  }
  return states;
}
