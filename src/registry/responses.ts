import type { Transaction } from 'kysely';
import { z } from 'zod';
import { RegistryError } from '../errors.js';
import {
  hasMissing,
  isBlankValue,
  MAX_INT4,
  type MissingMap,
  type ScoreResult,
  storedMissing,
} from '../instruments/index.js';
import { appendAudit, type Database } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission, requireSite } from './context.js';
import { checkDateOrder } from './date-rules.js';
import { parseInput } from './parse-input.js';
import { checkAnswers, checkPlacement } from './protocol-rules.js';
import { insertResponse, responseColumns } from './response-columns.js';
import { checkVersion, loadResponse, type ResponseRow } from './response-row.js';
import { staleSdv } from './sdv.js';
import { loadSubjectForUpdate, refuseSecondEnd, writeSubjectState } from './subject-state.js';

const RECORD_INPUT = z.object({
  studyId: z.string().min(1, 'study id is required'),
  visit: z.string().min(1, 'visit is required'),
  instrument: z.string().min(1, 'instrument is required'),
  instance: z.number().int().min(1).max(MAX_INT4).default(1),
  answers: z.record(z.string(), z.unknown()),
  /** Items marked missing with a reason: item id → missing-data code (instruments/missing-codes.ts). */
  missing: z.record(z.string(), z.unknown()).default({}),
  status: z.enum(['draft', 'complete']).default('complete'),
  enteredByKind: z.enum(['staff', 'patient']).default('staff'),
});

export type RecordInput = z.input<typeof RECORD_INPUT>;

export interface ResponseRef {
  id: number;
  version: number;
  status: string;
  scores: ScoreResult['scores'];
}

/** Records one instrument at one visit: validated, scored, audited, in one transaction. */
export async function recordResponse(
  deps: RegistryDeps,
  actor: Actor,
  input: RecordInput,
): Promise<ResponseRef> {
  requirePermission(actor, 'response.write');
  // Input refused before a transaction begins.
  const checked = checkRecord(deps, input);
  return deps.db.transaction().execute((trx) => writeRecord(deps, trx, actor, checked));
}

/**
 * recordResponse inside the caller's transaction (several forms that commit together or not at all,
 * e.g. the ePRO submit): the same validation, scoring, subject lock and audit event.
 */
export async function recordResponseIn(
  deps: RegistryDeps,
  trx: Transaction<Database>,
  actor: Actor,
  input: RecordInput,
): Promise<ResponseRef> {
  requirePermission(actor, 'response.write');
  return writeRecord(deps, trx, actor, checkRecord(deps, input));
}

/** The input parsed, placed in the protocol, validated and scored (no database). */
function checkRecord(deps: RegistryDeps, input: RecordInput) {
  const r = parseInput(RECORD_INPUT, input);
  const def = checkPlacement(deps.protocol, r.visit, r.instrument, r.instance);
  const draft = r.status === 'draft';
  const checked = checkAnswers(deps.protocol, def, r.answers, draft, undefined, deps.clock(), r.missing);
  return { r, def, draft, ...checked };
}

/** Writes a checked record in `trx`: subject lock, site, date order, uniqueness, row, state, audit. */
async function writeRecord(
  deps: RegistryDeps,
  trx: Transaction<Database>,
  actor: Actor,
  { r, def, draft, answers, missing, scored }: ReturnType<typeof checkRecord>,
): Promise<ResponseRef> {
  const subject = await loadSubjectForUpdate(trx, r.studyId);
  requireSite(actor, 'response.write', subject.site_id, r.studyId);
  if (!draft) await checkDateOrder(trx, r.studyId, { ...r, answers });
  const existing = await trx
    .selectFrom('response')
    .select('id')
    .where('study_id', '=', r.studyId)
    .where('visit', '=', r.visit)
    .where('instrument', '=', r.instrument)
    .where('instance', '=', r.instance)
    .executeTakeFirst();
  if (existing) {
    throw new RegistryError(
      'RESPONSE_EXISTS',
      `${r.instrument} at ${r.visit} (instance ${r.instance}) is already recorded for ${r.studyId}; amend it instead`,
    );
  }
  await refuseSecondEnd(trx, r.studyId, def, r.visit);
  const now = deps.clock();
  const row = await insertResponse(trx, {
    siteId: subject.site_id,
    studyId: r.studyId,
    visit: r.visit,
    def,
    instance: r.instance,
    answers,
    missing,
    scored,
    status: r.status,
    protocolVersion: deps.protocol.version,
    enteredBy: actor.username,
    enteredByKind: r.enteredByKind,
    now,
  });
  if (r.status === 'complete') await writeSubjectState(trx, subject, def, answers, now);
  await appendAudit(trx, {
    at: now,
    actor: actor.username,
    action: 'response.record',
    siteId: subject.site_id,
    entity: 'response',
    entityId: String(row.id),
    after: {
      study_id: r.studyId,
      visit: r.visit,
      instrument: r.instrument,
      instance: r.instance,
      status: r.status,
      answers,
      ...(hasMissing(missing) ? { missing } : {}),
    },
  });
  return { id: row.id, version: row.version, status: row.status, scores: scored.scores };
}

export const AMEND_INPUT = z.object({
  id: z.number().int().positive(),
  version: z
    .number()
    .int()
    .positive({ message: 'version is required to amend (optimistic locking)' })
    .max(MAX_INT4),
  answers: z.record(z.string(), z.unknown()),
  /**
   * The form's missing-data codes after the amendment (item id → code), the whole set like answers;
   * `{}` clears them all. Left out: the stored codes stay, except on items the amendment answers.
   */
  missing: z.record(z.string(), z.unknown()).optional(),
  status: z.enum(['draft', 'complete']).optional(),
  reason: z.string().trim().max(2000).optional(),
});

export type AmendInput = z.input<typeof AMEND_INPUT>;
export type AmendFields = z.output<typeof AMEND_INPUT>;

/** The stored codes an amendment without `missing` keeps: those of the items it leaves unanswered. */
function keptCodes(stored: MissingMap, answers: Record<string, unknown>): MissingMap {
  return Object.fromEntries(Object.entries(stored).filter(([id]) => isBlankValue(answers[id])));
}

/**
 * Amends a response. Optimistic locking on `version`; once a response is complete, an amendment
 * needs a reason (ICH E6 audit trail); locked or signed responses cannot be amended.
 */
export async function amendResponse(
  deps: RegistryDeps,
  actor: Actor,
  input: AmendInput,
): Promise<ResponseRef> {
  requirePermission(actor, 'response.write');
  const a = parseInput(AMEND_INPUT, input);
  return deps.db.transaction().execute(async (trx) => {
    const row = await loadResponse(trx, actor, 'response.write', a.id);
    return amendLoaded(deps, trx, actor, row, a);
  });
}

/**
 * The amendment rule on a response already loaded for update, inside the caller's transaction
 * (amendResponse, and a query answered by amendment). Items changed make their source data
 * verification stale.
 */
export async function amendLoaded(
  deps: RegistryDeps,
  trx: Transaction<Database>,
  actor: Actor,
  row: ResponseRow,
  a: AmendFields,
): Promise<ResponseRef> {
  if (row.status === 'locked' || row.status === 'signed') {
    throw new RegistryError(
      'RESPONSE_LOCKED',
      `response ${a.id} is ${row.status} and cannot be amended; an investigator unlocks it first`,
    );
  }
  await checkVersion(trx, row, a.version, a.answers);
  if (row.status === 'complete' && !a.reason) {
    throw new RegistryError('REASON_REQUIRED', 'a reason is required to amend a completed form', [
      { path: ['reason'], code: 'required', message: 'reason: say why the completed form is changed' },
    ]);
  }
  const status = a.status ?? (row.status === 'complete' ? 'complete' : 'draft');
  if (row.status === 'complete' && status === 'draft') {
    throw new RegistryError('INVALID_STATE', 'a completed form cannot go back to draft');
  }
  const def = checkPlacement(deps.protocol, row.visit, row.instrument, row.instance);
  const before = storedMissing(row.missing);
  const { answers, missing, scored } = checkAnswers(
    deps.protocol,
    def,
    a.answers,
    status === 'draft',
    { studyId: row.study_id, siteId: row.site_id },
    deps.clock(),
    a.missing ?? keptCodes(before, a.answers),
  );
  if (status === 'complete') await checkDateOrder(trx, row.study_id, { ...row, answers }, a.id);
  const now = deps.clock();
  const updated = await trx
    .updateTable('response')
    .set({
      ...responseColumns(def, answers, scored, missing),
      instrument_version: def.version,
      status,
      version: row.version + 1,
      updated_at: now,
    })
    .where('id', '=', a.id)
    .where('version', '=', a.version)
    .returning(['id', 'version', 'status'])
    .executeTakeFirst();
  if (!updated) await checkVersion(trx, { ...row, version: -1 }, a.version);
  const codes =
    hasMissing(before) || hasMissing(missing)
      ? { before: { missing: before }, after: { missing } }
      : { before: {}, after: {} };
  await staleSdv(trx, row, { answers, missing }, row.version + 1, now);
  if (status === 'complete') {
    const subject = await loadSubjectForUpdate(trx, row.study_id);
    await writeSubjectState(trx, subject, def, answers, now);
  }
  await appendAudit(trx, {
    at: now,
    actor: actor.username,
    action: 'response.amend',
    siteId: row.site_id,
    entity: 'response',
    entityId: String(a.id),
    // Codes appear on both sides whenever either side has one, so a code set or cleared shows.
    before: { status: row.status, version: row.version, answers: row.answers, ...codes.before },
    after: { status, version: row.version + 1, answers, ...codes.after },
    reason: a.reason ?? null,
  });
  return { id: a.id, version: row.version + 1, status, scores: scored.scores };
}
