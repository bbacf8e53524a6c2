import { sql } from 'kysely';
import { RegistryError } from '../errors.js';
import { appendAudit } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission, requireSite } from './context.js';
import { siteOf } from './epro-contact.js';
import { EPRO_SEND, isEproVisit, resendKey, type SendPayload } from './epro-plan.js';
import { sendRefusal } from './epro-send.js';
import { enqueueJobs } from './jobs.js';
import { requireScope, siteFilter } from './scope.js';

/*
 * What staff see and do with ePRO messages (issue 9 §4): the send log of their sites, the status of
 * every invitation and reminder of a subject (queued, sent, opened, completed, bounced, skipped with
 * the reason, waiting in the outbox), an outbox message marked sent by hand, and a visit's invitation
 * sent again through the queue.
 */

export interface EproMessageRow {
  id: number;
  studyId: string;
  siteId: string;
  visit: string;
  kind: 'invitation' | 'reminder';
  seq: number;
  outcome: 'sent' | 'outbox' | 'sent_by_hand' | 'skipped' | 'bounced' | 'failed';
  reason: string | null;
  createdAt: Date;
  sentAt: Date | null;
  /** The visit's newest link (0012): opened by the patient, answers submitted. */
  opened: boolean;
  completed: boolean;
  /** Staff asked to send the invitation again. */
  resend: boolean;
}

/**
 * The send log of the actor's sites (site staff: their own), newest first; `waiting`: only the
 * outbox (messages staff send by hand). With each, whether the visit's link was opened and answered.
 */
export async function eproMessages(
  deps: RegistryDeps,
  actor: Actor,
  options: { waiting?: boolean; limit?: number } = {},
): Promise<EproMessageRow[]> {
  requirePermission(actor, 'response.write');
  const sites = siteFilter(requireScope(actor, 'response.write'));
  if (sites?.length === 0) return [];
  const { rows } = await sql<{
    id: string;
    study_id: string;
    site_id: string;
    visit: string;
    kind: 'invitation' | 'reminder';
    seq: number;
    outcome: EproMessageRow['outcome'];
    reason: string | null;
    created_at: Date;
    sent_at: Date | null;
    opened: boolean | null;
    completed: boolean | null;
    key: string;
  }>`select m.id, m.key, m.study_id, m.site_id, m.visit, m.kind, m.seq, m.outcome, m.reason, m.created_at, m.sent_at,
      l.opened_at is not null as opened, l.submitted_at is not null as completed
    from epro_message m
    left join lateral (select opened_at, submitted_at from epro_link
      where study_id = m.study_id and visit = m.visit order by created_at desc limit 1) l on true
    where ${sites === null ? sql`true` : sql`m.site_id in (${sql.join(sites)})`}
      and ${options.waiting ? sql`m.outcome = 'outbox'` : sql`true`}
    order by m.created_at desc, m.id desc limit ${options.limit ?? 200}`.execute(deps.db);
  return rows.map((r) => ({
    id: Number(r.id),
    studyId: r.study_id,
    siteId: r.site_id,
    visit: r.visit,
    kind: r.kind,
    seq: r.seq,
    outcome: r.outcome,
    reason: r.reason,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    opened: r.opened === true,
    completed: r.completed === true,
    resend: r.key.includes(':resend+'),
  }));
}

/** Staff sent an outbox message by hand (after making the visit's link on the subject's ePRO page). */
export async function markSentByHand(deps: RegistryDeps, actor: Actor, id: number): Promise<void> {
  requirePermission(actor, 'response.write');
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const m = await trx
      .selectFrom('epro_message')
      .select(['study_id', 'site_id', 'visit', 'kind', 'outcome'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!m) throw new RegistryError('INVALID_STATE', `message ${id} is not waiting in the outbox`);
    requireSite(actor, 'response.write', m.site_id, m.study_id);
    if (m.outcome !== 'outbox')
      throw new RegistryError('INVALID_STATE', `message ${id} is not waiting in the outbox`);
    await trx
      .updateTable('epro_message')
      .set({ outcome: 'sent_by_hand', sent_at: now })
      .where('id', '=', id)
      .execute();
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: 'epro.message.sent_by_hand',
      siteId: m.site_id,
      entity: 'subject',
      entityId: m.study_id,
      after: { message: id, visit: m.visit, kind: m.kind },
    });
  });
}

/** A subject's send jobs, as the partial index of 0017 (job_epro_subject_idx) reads them. */
export const JOB_OF_SUBJECT = (studyId: string) =>
  sql`kind = ${sql.lit(EPRO_SEND)} and payload->>'studyId' = ${studyId}`;

export type InvitationStatus = 'queued' | 'sent' | 'opened' | 'completed' | 'bounced' | 'skipped' | 'outbox';

export interface EproInvitationRow {
  visit: string;
  kind: 'invitation' | 'reminder';
  seq: number;
  resend: boolean;
  status: InvitationStatus;
  /** Queued: when it is due (and its last error, retried); otherwise when it was recorded. */
  at: Date;
  sentAt: Date | null;
  /** Skipped or waiting: why; bounced: the mail server's refusal; queued: the last failed attempt. */
  reason: string | null;
}

/**
 * The status of every ePRO message of one subject (own site staff only), by visit and day: queued
 * (a job not yet done), sent (by mail or by hand), opened or completed (the visit's newest link),
 * bounced, skipped with the reason, or waiting in the outbox.
 */
export async function eproInvitations(
  deps: RegistryDeps,
  actor: Actor,
  studyId: string,
): Promise<EproInvitationRow[]> {
  requirePermission(actor, 'response.write');
  await siteOf(deps.db, actor, studyId);
  const { rows } = await sql<{
    key: string;
    visit: string;
    kind: 'invitation' | 'reminder';
    seq: number;
    outcome: EproMessageRow['outcome'] | null;
    reason: string | null;
    last_error: string | null;
    at: Date;
    sent_at: Date | null;
    opened: boolean | null;
    completed: boolean | null;
  }>`select coalesce(m.key, j.key) as key, coalesce(m.visit, j.payload->>'visit') as visit,
      coalesce(m.kind, j.payload->>'kind') as kind, coalesce(m.seq, (j.payload->>'seq')::int) as seq,
      m.outcome, m.reason, j.last_error, coalesce(m.created_at, j.run_at) as at, m.sent_at,
      l.opened_at is not null as opened, l.submitted_at is not null as completed
    from (select * from job where ${JOB_OF_SUBJECT(studyId)}) j
    full join (select * from epro_message where study_id = ${studyId}) m on m.key = j.key
    left join lateral (select opened_at, submitted_at from epro_link
      where study_id = ${studyId} and visit = coalesce(m.visit, j.payload->>'visit')
      order by created_at desc limit 1) l on true
    order by at, key`.execute(deps.db);
  return rows.map((r) => ({
    visit: r.visit,
    kind: r.kind,
    seq: Number(r.seq),
    resend: r.key.includes(':resend+'),
    status: invitationStatus(r.outcome, r.opened === true, r.completed === true),
    at: r.at,
    sentAt: r.sent_at,
    reason: r.outcome === null ? r.last_error : r.reason,
  }));
}

function invitationStatus(
  outcome: EproMessageRow['outcome'] | null,
  opened: boolean,
  completed: boolean,
): InvitationStatus {
  if (outcome === null) return 'queued';
  if (outcome === 'skipped' || outcome === 'bounced' || outcome === 'outbox') return outcome;
  if (outcome === 'failed') return 'bounced';
  return completed ? 'completed' : opened ? 'opened' : 'sent';
}

/**
 * Staff send a visit's invitation again (own site): a job due now, so the next pass of a worker makes
 * a new link (the live one revoked) and mails it, or records it in the outbox without SMTP. Refused
 * with one line when it could not go: subject withdrawn or left, visit answered, window not open or
 * closed, e-mail declined. One transaction with its audit event.
 */
export async function resendInvitation(
  deps: RegistryDeps,
  actor: Actor,
  input: { studyId: string; visit: string },
): Promise<{ key: string }> {
  requirePermission(actor, 'response.write');
  const siteId = await siteOf(deps.db, actor, input.studyId);
  const visit = deps.protocol.visits.find((v) => v.code === input.visit);
  if (!visit || !isEproVisit(visit)) {
    throw new RegistryError('INVALID_STATE', `visit ${input.visit} is not answered by the patient at home`);
  }
  const now = deps.clock();
  return deps.db.transaction().execute(async (trx) => {
    await trx
      .selectFrom('subject')
      .select('study_id')
      .where('study_id', '=', input.studyId)
      .forUpdate()
      .execute();
    const refused = await sendRefusal(trx, deps.protocol, input.studyId, visit.code, now, async () => false);
    if (refused !== null) {
      throw new RegistryError('INVALID_STATE', `${input.studyId} ${visit.code} cannot be resent: ${refused}`);
    }
    const who = await trx
      .selectFrom('subject_identity')
      .select('email_declined_at')
      .where('study_id', '=', input.studyId)
      .executeTakeFirst();
    if (who?.email_declined_at != null) {
      throw new RegistryError(
        'INVALID_STATE',
        `${input.studyId} ${visit.code} cannot be resent: the patient declined e-mail`,
      );
    }
    // Counted over the send log too: a done job may have been purged, its message stays.
    const pattern = `epro:${input.studyId}:${visit.code}:resend+%`;
    const before = await sql<{ n: string }>`select count(*) as n from (select key from job
      where ${JOB_OF_SUBJECT(input.studyId)} and key like ${pattern}
      union select key from epro_message
      where study_id = ${input.studyId} and visit = ${visit.code} and key like ${pattern}) k`.execute(trx);
    const n = Number(before.rows[0]?.n ?? 0) + 1;
    const payload: SendPayload = {
      studyId: input.studyId,
      siteId,
      visit: visit.code,
      kind: 'invitation',
      seq: 0,
      resend: n,
    };
    const key = resendKey(input.studyId, visit.code, n);
    await enqueueJobs(trx, [{ kind: EPRO_SEND, key, payload: { ...payload }, runAt: now }]);
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: 'epro.message.resend',
      siteId,
      entity: 'subject',
      entityId: input.studyId,
      after: { visit: visit.code, resend: n },
    });
    return { key };
  });
}
