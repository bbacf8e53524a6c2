import { z } from 'zod';
import { type Issue, RegistryError } from '../errors.js';
import { formatStudyId } from '../protocol/identifiers.js';
import { leavingInstruments, subjectInstrument } from '../protocol/index.js';
import { isRealDate } from '../schedule/index.js';
import { appendAudit } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission, requireSite } from './context.js';
import { checkDateOrder } from './date-rules.js';
import { parseInput } from './parse-input.js';
import { checkAnswers, checkPlacement } from './protocol-rules.js';
import { insertResponse } from './response-columns.js';
import {
  isTerminal,
  leavingVisit,
  loadSubjectForUpdate,
  newSubjectState,
  refuseSecondEnd,
  writeSubjectState,
} from './subject-state.js';

/** Per-subject date shift for de-identified export: ±1 to ±182 days, never 0. */
export function drawDateShift(random: () => number): number {
  const magnitude = 1 + Math.floor(random() * 182);
  return random() < 0.5 ? -magnitude : magnitude;
}

export { formatStudyId } from '../protocol/identifiers.js';

const IDENTITY = z
  .object({
    family_name: z.string().trim().max(200).optional(),
    given_name: z.string().trim().max(200).optional(),
    mrn: z.string().trim().max(64).optional(),
    birth_date: z.string().refine(isRealDate, 'birth_date must be a real date YYYY-MM-DD').optional(),
    phone: z.string().trim().max(40).optional(),
    email: z.email({ message: 'email is not a valid address' }).optional(),
  })
  .strict();

const ENROL_INPUT = z.object({
  siteId: z.string().min(1, 'site is required'),
  answers: z.record(z.string(), z.unknown()),
  /** Items of the enrolment form marked missing with a reason (item id → code, missing-codes.ts). */
  missing: z.record(z.string(), z.unknown()).default({}),
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
  let e: z.output<typeof ENROL_INPUT>;
  let identityIssues: Issue[] = [];
  try {
    e = parseInput(ENROL_INPUT, input);
  } catch (error) {
    // Bad identifiers alone: the answers are still checked below, so one refusal names every problem.
    if (!(error instanceof RegistryError) || !error.issues.every((i) => i.path[0] === 'identity'))
      throw error;
    identityIssues = error.issues;
    e = parseInput(ENROL_INPUT, { ...input, identity: undefined });
  }
  requireSite(actor, 'subject.enrol', e.siteId);
  const { visit, def } = subjectInstrument(deps.protocol);
  checkPlacement(deps.protocol, visit, def.id, 1);
  const items = def.createsSubject!;
  return deps.db.transaction().execute(async (trx) => {
    const seqRow = await trx
      .updateTable('site_sequence')
      .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
      .where('site_id', '=', e.siteId)
      .returning('last_seq')
      .executeTakeFirst();
    if (!seqRow) throw new RegistryError('SITE_NOT_FOUND', `site ${e.siteId} does not exist`);
    const studyId = formatStudyId(e.siteId, seqRow.last_seq);
    const refuse = (issues: Issue[]) =>
      new RegistryError('VALIDATION_FAILED', issues.map((i) => i.message).join('; '), issues);
    let checked: ReturnType<typeof checkAnswers>;
    try {
      checked = checkAnswers(
        deps.protocol,
        def,
        { ...e.answers, [items.studyIdItem]: studyId, [items.siteItem]: e.siteId },
        false,
        undefined,
        deps.clock(),
        e.missing,
      );
    } catch (error) {
      if (error instanceof RegistryError && error.code === 'VALIDATION_FAILED' && identityIssues.length > 0) {
        throw refuse([...identityIssues, ...error.issues]);
      }
      throw error;
    }
    if (identityIssues.length > 0) throw refuse(identityIssues);
    const { answers, missing, scored } = checked;
    const now = deps.clock();
    const state = newSubjectState([{ def, answers }], now.toISOString().slice(0, 10))!;
    await trx
      .insertInto('subject')
      .values({
        study_id: studyId,
        site_id: e.siteId,
        seq: seqRow.last_seq,
        ...state,
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
      missing,
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
      after: {
        answers,
        ...(Object.keys(missing).length > 0 ? { missing } : {}),
        identity_fields: Object.keys(e.identity ?? {}).sort(),
      },
    });
    return { studyId, responseId: row.id };
  });
}

const WITHDRAW_INPUT = z.object({
  studyId: z.string().min(1),
  date: z.string().refine(isRealDate, 'date must be a real date YYYY-MM-DD'),
  /** The visit the subject leaves at; by default the last visit due on or before the date. */
  visit: z.string().min(1).optional(),
  status: z.enum(['withdrawn', 'lost_to_follow_up', 'died']).default('withdrawn'),
  reason: z.string().trim().min(1, 'reason is required to end a subject’s participation').max(2000),
});

export type WithdrawInput = z.input<typeof WITHDRAW_INPUT>;

/**
 * Ends a subject's participation early (withdrawn, lost to follow-up, died), whenever it happens:
 * records the end-of-study form, with its date, at the visit the subject leaves at (by default the
 * last visit whose target is on or before the date), so the status round-trips through export.
 */
export async function withdrawSubject(deps: RegistryDeps, actor: Actor, input: WithdrawInput): Promise<void> {
  requirePermission(actor, 'subject.withdraw');
  const w = parseInput(WITHDRAW_INPUT, input);
  const def = leavingInstruments(deps.protocol)[0];
  if (!def) throw new RegistryError('PROTOCOL_INVALID', 'the protocol has no form that ends participation');
  if (w.visit !== undefined) checkPlacement(deps.protocol, w.visit, def.id, 1);
  const { answers, scored } = checkAnswers(
    deps.protocol,
    def,
    { status: w.status, date: w.date, reason: w.reason },
    false,
    undefined,
    deps.clock(),
  );
  await deps.db.transaction().execute(async (trx) => {
    const subject = await loadSubjectForUpdate(trx, w.studyId);
    requireSite(actor, 'subject.withdraw', subject.site_id, w.studyId);
    const visit = w.visit ?? leavingVisit(deps.protocol, subject, w.date);
    await checkDateOrder(trx, w.studyId, { instrument: def.id, visit, instance: 1, answers });
    if (isTerminal(subject.status)) {
      throw new RegistryError('INVALID_STATE', `subject ${w.studyId} is already ${subject.status}`);
    }
    const now = deps.clock();
    await refuseSecondEnd(trx, w.studyId, def, visit);
    const row = await insertResponse(trx, {
      siteId: subject.site_id,
      studyId: w.studyId,
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
    await writeSubjectState(trx, subject, def, answers, now);
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: 'subject.withdraw',
      siteId: subject.site_id,
      entity: 'subject',
      entityId: w.studyId,
      before: { status: subject.status },
      after: { status: w.status, visit, response_id: row.id, answers },
      reason: w.reason,
    });
  });
}
