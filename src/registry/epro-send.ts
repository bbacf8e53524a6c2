import { type Kysely, sql, type Transaction } from 'kysely';
import type { Protocol } from '../protocol/index.js';
import { visitSchedule } from '../schedule/index.js';
import { type AuditInput, appendAuditBatch, type Database } from '../store/index.js';
import { SYSTEM_ACTOR } from './context.js';
import { createLinkIn, eproUrl } from './epro-links.js';
import { type EproMail, MailBounced, type SendMail } from './epro-mailer.js';
import { eproTiming, type Kind, type SendPayload } from './epro-plan.js';
import type { ClaimedJob, JobHandler } from './jobs.js';
import { readSubjectFacts } from './views/subject-facts.js';

/*
 * Sending one ePRO message (issue 9 §4). Its send is recorded (epro_message, unique per key) in the
 * transaction that marks the job done (jobs.ts), so it is sent once with any number of workers. At
 * send time every condition is read again (visit unanswered, window open, subject still taking part,
 * link not revoked, e-mail not declined); a message that may not go is recorded as skipped with the
 * reason. A recipient the SMTP server refuses for good (5xx) is recorded as bounced and not retried;
 * a refusal for now (4xx) or a server away is retried by the queue. A token lives only in memory
 * while its mail is handed to SMTP; neither a row nor a log holds it.
 */

/** The patient's link for one visit: the ePRO links module (docs/epro.md) behind a capability. */
export interface EproLinks {
  /** 'revoked': staff stopped the visit's link, nothing more is sent for it. */
  state(trx: Transaction<Database>, studyId: string, visit: string): Promise<'none' | 'active' | 'revoked'>;
  /**
   * A new link for the visit (the previous one stops working), valid from `now` until `expiresAt`:
   * the raw token, and the link's audit event for the caller to append after the mail has gone.
   */
  issue(
    trx: Transaction<Database>,
    studyId: string,
    visit: string,
    now: Date,
    expiresAt: Date,
  ): Promise<{ token: string; audit: AuditInput | null }>;
}

export interface EproSendDeps {
  protocol: Protocol;
  links: EproLinks;
  /** APP_ORIGIN: links are built from it, never from a request's Host. */
  appOrigin: string;
  /** null: no SMTP_URL, messages wait in the outbox for staff to send by hand. */
  sendMail: SendMail | null;
}

/**
 * Why a visit's message may not go now (null: it may), in this order: subject gone, withdrawn or
 * left, visit answered, link revoked by staff (`linkRevoked`), window not open or closed. The send
 * job and staff's resend both ask it.
 */
export async function sendRefusal(
  db: Kysely<Database>,
  protocol: Protocol,
  studyId: string,
  visit: string,
  now: Date,
  linkRevoked: () => Promise<boolean>,
): Promise<string | null> {
  const [s] = await readSubjectFacts(db, null, [studyId]);
  if (!s) return 'subject not found';
  if (s.status === 'withdrawn') return 'subject withdrawn';
  if (s.status === 'completed' || s.endedOn !== null) return 'subject has left the study';
  if (s.seen.includes(visit) || Object.hasOwn(s.visitDates, visit)) return 'visit already answered';
  if (await linkRevoked()) return 'link revoked';
  const v = visitSchedule(protocol, s, s.visitDates, now).find((x) => x.visit === visit);
  if (!v || v.status === 'not_scheduled') return 'visit not scheduled';
  if (v.status === 'upcoming') return 'window not open yet';
  if (v.status !== 'open' && v.status !== 'overdue') return 'window closed';
  return null;
}

/** The message: the site's greeting, the link and its end; no diagnosis, no identifier. */
export function eproMail(
  to: string,
  greeting: string | null,
  url: string,
  until: string,
  kind: Kind,
): EproMail {
  const opening = greeting ?? 'Hello';
  const ask =
    kind === 'invitation'
      ? 'Your clinic asks you to answer a short questionnaire about how you are doing.'
      : 'A reminder: your clinic would still like your answers to a short questionnaire.';
  return {
    to,
    subject: kind === 'invitation' ? 'Your questionnaire from the clinic' : 'Reminder: your questionnaire',
    text: `${opening},\n\n${ask}\n\n${url}\n\nThe link works until ${until}. It is personal: please do not forward it. If you have any question, contact your clinic.\n`,
  };
}

/**
 * The links of 0012 (epro_link) inside the job's transaction: a visit's link is revoked when it has
 * links and none is live; a new link is createLink's (epro-links.ts: the live one revoked, only the
 * sha256 of its 32 random bytes stored), valid until `expiresAt` at most, with its audit event.
 */
export function eproLinksInDatabase(protocol: Protocol): EproLinks {
  return {
    async state(trx, studyId, visit) {
      const r = await sql<{
        live: string;
        all: string;
      }>`select count(*) filter (where revoked_at is null) as live,
          count(*) as all from epro_link where study_id = ${studyId} and visit = ${visit}`.execute(trx);
      const row = r.rows[0];
      if (!row || Number(row.all) === 0) return 'none';
      return Number(row.live) > 0 ? 'active' : 'revoked';
    },
    async issue(trx, studyId, visit, now, expiresAt) {
      const { link, audit } = await createLinkIn({ protocol, clock: () => now }, trx, SYSTEM_ACTOR, {
        studyId,
        visit,
        validUntil: expiresAt,
      });
      return { token: link.token, audit };
    },
  };
}

/**
 * The `epro.send` job: checks again, then records the message (sent, outbox or skipped with its
 * reason) under its unique key, sends it through SMTP when configured (a recipient refused for good:
 * bounced, its new link undone), and writes the audit event last (the chain lock is held only for
 * the commit, not during SMTP).
 */
export function eproSendHandler(deps: EproSendDeps): JobHandler {
  return async (trx, job: ClaimedJob, now) => {
    const p = job.payload as unknown as SendPayload;
    const already = await trx
      .selectFrom('epro_message')
      .select('id')
      .where('key', '=', job.key)
      .executeTakeFirst();
    if (already) return;
    // A resend replaces a live or revoked link: staff asked for it.
    let reason = await sendRefusal(trx, deps.protocol, p.studyId, p.visit, now, async () =>
      p.resend ? false : (await deps.links.state(trx, p.studyId, p.visit)) === 'revoked',
    );
    const who = await trx
      .selectFrom('subject_identity as i')
      .innerJoin('site', 'site.id', 'i.site_id')
      .select(['i.email', 'i.contact_channel', 'i.email_declined_at', 'site.epro_greeting'])
      .where('i.study_id', '=', p.studyId)
      .executeTakeFirst();
    const email = who?.email?.trim() || null;
    const byMail =
      reason === null &&
      email !== null &&
      who?.email_declined_at == null &&
      (who?.contact_channel ?? 'email') === 'email';
    let outcome: 'sent' | 'outbox' | 'skipped' | 'bounced' =
      reason !== null ? 'skipped' : byMail && deps.sendMail ? 'sent' : 'outbox';
    if (outcome === 'outbox' && reason === null) {
      reason = !deps.sendMail
        ? 'no SMTP_URL: waiting for staff'
        : email === null
          ? 'no e-mail address: waiting for staff'
          : 'patient declined e-mail or prefers another channel: waiting for staff';
    }
    const message = await trx
      .insertInto('epro_message')
      .values({
        key: job.key,
        job_id: job.id,
        site_id: p.siteId,
        study_id: p.studyId,
        visit: p.visit,
        kind: p.kind,
        seq: p.seq,
        outcome,
        reason,
        created_at: now,
        sent_at: outcome === 'sent' ? now : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const audits: AuditInput[] = [];
    if (outcome === 'sent') {
      const lifetime = eproTiming(deps.protocol).linkLifetimeDays;
      const [s] = await readSubjectFacts(trx, null, [p.studyId]);
      const v = visitSchedule(deps.protocol, s!, s!.visitDates, now).find((x) => x.visit === p.visit)!;
      const windowEnd = new Date(Date.parse(`${v.windowEnd}T00:00:00.000Z`) + 86_400_000);
      const expiresAt = new Date(Math.min(windowEnd.getTime(), now.getTime() + lifetime * 86_400_000));
      // A bounce undoes the new link (and the revocation of the old one) back to here.
      await sql`savepoint epro_send`.execute(trx);
      const link = await deps.links.issue(trx, p.studyId, p.visit, now, expiresAt);
      const until = new Date(expiresAt.getTime() - 1).toISOString().slice(0, 10);
      try {
        await deps.sendMail!(
          eproMail(email!, who?.epro_greeting ?? null, eproUrl(deps.appOrigin, link.token), until, p.kind),
        );
        if (link.audit) audits.push(link.audit);
      } catch (error) {
        if (!(error instanceof MailBounced)) throw error;
        await sql`rollback to savepoint epro_send`.execute(trx);
        outcome = 'bounced';
        reason = error.message;
        await trx
          .updateTable('epro_message')
          .set({ outcome, reason, sent_at: null })
          .where('id', '=', message.id)
          .execute();
      }
    }
    // Audit events last: the chain's lock is held from here to the commit, not during SMTP.
    audits.push({
      at: now,
      actor: 'system',
      action: `epro.message.${outcome}`,
      siteId: p.siteId,
      entity: 'subject',
      entityId: p.studyId,
      after: {
        visit: p.visit,
        kind: p.kind,
        seq: p.seq,
        outcome,
        reason,
        ...(p.resend ? { resend: p.resend } : {}),
      },
    });
    await appendAuditBatch(trx, audits);
  };
}
