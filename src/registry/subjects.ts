import type { Selectable, Transaction } from 'kysely';
import { z } from 'zod';
import { RegistryError } from '../errors.js';
import type { Answers, InstrumentDef, SubjectUpdate } from '../instruments/index.js';
import { getInstrument } from '../instruments/index.js';
import { appendAudit, type Database } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission, requireSite } from './context.js';
import { parseInput } from './parse-input.js';
import { checkAnswers, checkPlacement } from './protocol-rules.js';
import { insertResponse } from './response-columns.js';

export type SubjectRow = Selectable<Database['subject']>;

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

const TERMINAL = new Set(['withdrawn', 'completed']);
const RANK: Record<string, number> = { screened: 0, enrolled: 1, treated: 2 };

export interface SubjectState {
  status: SubjectRow['status'];
  index_date: string | null;
}

/**
 * The subject's state after a complete response: status only moves forward (screened → enrolled →
 * treated) or to an end (withdrawn, completed); an end-of-study form may correct an earlier end.
 */
export function nextSubjectState(current: SubjectState, update: SubjectUpdate | undefined): SubjectState {
  if (!update) return current;
  let status = current.status;
  if (update.status && update.status !== current.status) {
    const toTerminal = TERMINAL.has(update.status);
    const forward = !TERMINAL.has(current.status) && (RANK[update.status] ?? 0) > (RANK[current.status] ?? 0);
    if (toTerminal || forward) status = update.status;
  }
  const index_date = update.indexDate !== undefined ? update.indexDate : current.index_date;
  return { status, index_date };
}

/** Keeps the subject row in step with what a complete response says (status, index date). */
export async function applySubjectUpdate(
  trx: Transaction<Database>,
  subject: SubjectRow,
  def: InstrumentDef,
  answers: Answers,
  now: Date,
): Promise<void> {
  const next = nextSubjectState(subject, def.subjectUpdate?.(answers));
  if (next.status === subject.status && next.index_date === subject.index_date) return;
  await trx
    .updateTable('subject')
    .set({ status: next.status, index_date: next.index_date, version: subject.version + 1, updated_at: now })
    .where('study_id', '=', subject.study_id)
    .execute();
  Object.assign(subject, next, { version: subject.version + 1 });
}

/** Per-subject date shift for de-identified export: ±1 to ±182 days, never 0. */
export function drawDateShift(random: () => number): number {
  const magnitude = 1 + Math.floor(random() * 182);
  return random() < 0.5 ? -magnitude : magnitude;
}

/** Study id of the n-th subject of a site, e.g. `VCU-0007`. */
export function formatStudyId(siteId: string, seq: number): string {
  return `${siteId}-${String(seq).padStart(4, '0')}`;
}

const IDENTITY = z
  .object({
    family_name: z.string().trim().max(200).optional(),
    given_name: z.string().trim().max(200).optional(),
    mrn: z.string().trim().max(64).optional(),
    birth_date: z.iso.date({ message: 'birth_date must be a date YYYY-MM-DD' }).optional(),
    phone: z.string().trim().max(40).optional(),
    email: z.email({ message: 'email is not a valid address' }).optional(),
  })
  .strict();

const ENROL_INPUT = z.object({
  siteId: z.string().min(1, 'site is required'),
  answers: z.record(z.string(), z.unknown()),
  identity: IDENTITY.optional(),
});

export type EnrolInput = z.input<typeof ENROL_INPUT>;

/**
 * Enrols a subject at a site: allocates the next study id of the site, stores identifiers apart
 * from study data, records the enrollment form at baseline, audits it; one transaction.
 */
export async function enrolSubject(
  deps: RegistryDeps,
  actor: Actor,
  input: EnrolInput,
): Promise<{ studyId: string; responseId: number }> {
  requirePermission(actor, 'subject.enrol');
  const e = parseInput(ENROL_INPUT, input);
  requireSite(actor, e.siteId);
  const visit = deps.protocol.visits[0]?.code ?? 'baseline';
  const def = checkPlacement(deps.protocol, visit, 'enrollment', 1);
  return deps.db.transaction().execute(async (trx) => {
    const seqRow = await trx
      .updateTable('site_sequence')
      .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
      .where('site_id', '=', e.siteId)
      .returning('last_seq')
      .executeTakeFirst();
    if (!seqRow) throw new RegistryError('SITE_NOT_FOUND', `site ${e.siteId} does not exist`);
    const studyId = formatStudyId(e.siteId, seqRow.last_seq);
    const { answers, scored } = checkAnswers(
      deps.protocol,
      def,
      { ...e.answers, study_id: studyId, site: e.siteId },
      false,
    );
    const now = deps.clock();
    const update = def.subjectUpdate?.(answers) ?? {};
    await trx
      .insertInto('subject')
      .values({
        study_id: studyId,
        site_id: e.siteId,
        seq: seqRow.last_seq,
        status: update.status ?? 'enrolled',
        enrolled_on: def.collectedOn?.(answers) ?? now.toISOString().slice(0, 10),
        index_date: update.indexDate ?? null,
        date_shift_days: drawDateShift(deps.random),
        protocol_id: deps.protocol.id,
        protocol_version: deps.protocol.version,
      })
      .execute();
    if (e.identity && Object.keys(e.identity).length > 0) {
      await trx
        .insertInto('subject_identity')
        .values({ study_id: studyId, site_id: e.siteId, ...e.identity })
        .execute();
    }
    const row = await insertResponse(trx, {
      siteId: e.siteId,
      studyId,
      visit,
      def,
      instance: 1,
      answers,
      scored,
      status: 'complete',
      protocolVersion: deps.protocol.version,
      enteredBy: actor.username,
      enteredByKind: 'staff',
      now,
    });
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: 'subject.enrol',
      siteId: e.siteId,
      entity: 'subject',
      entityId: studyId,
      // Identifiers stay out of the audit trail's payload: only which fields were given.
      after: { answers, identity_fields: Object.keys(e.identity ?? {}).sort() },
    });
    return { studyId, responseId: row.id };
  });
}

const WITHDRAW_INPUT = z.object({
  studyId: z.string().min(1),
  date: z.iso.date({ message: 'date must be a date YYYY-MM-DD' }),
  status: z.enum(['withdrawn', 'lost_to_follow_up', 'died']).default('withdrawn'),
  reason: z.string().trim().min(1, 'reason is required to end a subject’s participation').max(2000),
});

export type WithdrawInput = z.input<typeof WITHDRAW_INPUT>;

/**
 * Ends a subject's participation early (withdrawn, lost to follow-up, died): records the
 * end-of-study form at the protocol's closing visit, so the status round-trips through export.
 */
export async function withdrawSubject(deps: RegistryDeps, actor: Actor, input: WithdrawInput): Promise<void> {
  requirePermission(actor, 'subject.withdraw');
  const w = parseInput(WITHDRAW_INPUT, input);
  const closing = [...deps.protocol.visits].reverse().find((v) => v.instruments.includes('end_of_study'));
  if (!closing)
    throw new RegistryError('PROTOCOL_INVALID', 'the protocol has no visit with the end_of_study form');
  const def = getInstrument('end_of_study');
  const { answers, scored } = checkAnswers(
    deps.protocol,
    def,
    { status: w.status, date: w.date, reason: w.reason },
    false,
  );
  await deps.db.transaction().execute(async (trx) => {
    const subject = await loadSubjectForUpdate(trx, w.studyId);
    requireSite(actor, subject.site_id, w.studyId);
    if (TERMINAL.has(subject.status)) {
      throw new RegistryError('INVALID_STATE', `subject ${w.studyId} is already ${subject.status}`);
    }
    const now = deps.clock();
    const existing = await trx
      .selectFrom('response')
      .select(['id', 'status'])
      .where('study_id', '=', w.studyId)
      .where('visit', '=', closing.code)
      .where('instrument', '=', def.id)
      .executeTakeFirst();
    if (existing)
      throw new RegistryError('RESPONSE_EXISTS', `an end-of-study form already exists for ${w.studyId}`);
    const row = await insertResponse(trx, {
      siteId: subject.site_id,
      studyId: w.studyId,
      visit: closing.code,
      def,
      instance: 1,
      answers,
      scored,
      status: 'complete',
      protocolVersion: deps.protocol.version,
      enteredBy: actor.username,
      enteredByKind: 'staff',
      now,
    });
    await applySubjectUpdate(trx, subject, def, answers, now);
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: 'subject.withdraw',
      siteId: subject.site_id,
      entity: 'subject',
      entityId: w.studyId,
      before: { status: subject.status },
      after: { status: w.status, response_id: row.id, answers },
      reason: w.reason,
    });
  });
}
