import { type Kysely, sql, type Transaction } from 'kysely';
import { z } from 'zod';
import { RegistryError } from '../errors.js';
import { DEFAULT_EPRO, type Protocol, type Visit } from '../protocol/index.js';
import { formatDay, parseDay, visitSchedule } from '../schedule/index.js';
import { type AuditInput, appendAudit, appendAuditBatch, type Database } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission, requireSite, SYSTEM_ACTOR } from './context.js';
import { createLinkIn, eproUrl } from './epro-links.js';
import { type EproMail, type SendMail, smtpMailer } from './epro-mailer.js';
import {
  type ClaimedJob,
  enqueueJobs,
  type JobHandler,
  type NewJob,
  type RunningWorker,
  runDueJobs,
  startJobWorker,
} from './jobs.js';
import { parseInput } from './parse-input.js';
import { requireScope, siteFilter } from './scope.js';
import { readSubjectFacts } from './views/subject-facts.js';

/*
 * ePRO invitations and reminders that run themselves (issue 9 §4). Planning turns the schedule into
 * jobs: each follow-up visit's invitation when its window opens, a reminder at each protocol interval
 * after it while the window is still open. Each job's key is subject x visit x message, so a message
 * is queued once; its send is recorded (epro_message, same unique key) in the transaction that
 * marks the job done (jobs.ts), so it is sent once with any number of workers. At send time every
 * condition is read again (visit unanswered, window open, subject still taking part, link not
 * revoked, e-mail not declined); a message that may not go is recorded as skipped with the reason.
 * A token lives only in memory while its mail is handed to SMTP; neither a row nor a log holds it.
 */

export const EPRO_SEND = 'epro.send';
export const EPRO_PLAN = 'epro.plan';

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

type Kind = 'invitation' | 'reminder';

interface SendPayload {
  studyId: string;
  siteId: string;
  visit: string;
  kind: Kind;
  /** Days after the invitation (0 for the invitation). */
  seq: number;
}

/** The protocol's ePRO timing with its defaults. */
export function eproTiming(protocol: Protocol): {
  reminderDays: readonly number[];
  linkLifetimeDays: number;
} {
  return protocol.epro ?? DEFAULT_EPRO;
}

/** Visits the patient answers at home: day visits after the procedure with a window and forms. */
export function isEproVisit(visit: Visit): boolean {
  return (
    visit.anchor === 'procedure' &&
    visit.window !== null &&
    (visit.offset.days ?? 0) > 0 &&
    !visit.offset.minutes &&
    !visit.window.before.minutes &&
    !visit.window.after.minutes &&
    visit.instruments.length > 0
  );
}

/** The unique key of one message: subject x visit x message. */
export const messageKey = (studyId: string, visit: string, kind: Kind, seq: number) =>
  `epro:${studyId}:${visit}:${kind === 'invitation' ? 'invitation' : `reminder+${seq}d`}`;

const dayStart = (day: string) => new Date(`${day}T00:00:00.000Z`);

/**
 * Queues every message due from now on for the subjects taking part (all sites): for each ePRO visit
 * not collected and not past its window, the invitation at the window's first day and each reminder
 * whose day is still inside the window. Already queued keys stay; a moved window moves their time.
 * `studyIds`: only these subjects (e.g. after a contact or index date change).
 */
export async function planEproMessages(
  db: Kysely<Database>,
  protocol: Protocol,
  now: Date,
  studyIds?: readonly string[],
): Promise<number> {
  const timing = eproTiming(protocol);
  const visits = protocol.visits.filter(isEproVisit);
  const jobs: NewJob[] = [];
  for (const s of await readSubjectFacts(db, null, studyIds)) {
    if (s.status === 'withdrawn' || s.status === 'completed' || s.indexDate === null) continue;
    const schedule = visitSchedule(protocol, s, s.visitDates, now);
    for (const v of schedule) {
      if (!visits.some((x) => x.code === v.visit) || v.windowStart === null || v.windowEnd === null) continue;
      if (v.status !== 'upcoming' && v.status !== 'open' && v.status !== 'overdue') continue;
      if (s.seen.includes(v.visit)) continue;
      const start = parseDay(v.windowStart, 'windowStart');
      const end = parseDay(v.windowEnd, 'windowEnd');
      const messages: { kind: Kind; seq: number }[] = [{ kind: 'invitation', seq: 0 }];
      for (const d of timing.reminderDays) if (start + d <= end) messages.push({ kind: 'reminder', seq: d });
      for (const m of messages) {
        const payload: SendPayload = { studyId: s.studyId, siteId: s.siteId, visit: v.visit, ...m };
        jobs.push({
          kind: EPRO_SEND,
          key: messageKey(s.studyId, v.visit, m.kind, m.seq),
          payload: { ...payload },
          runAt: dayStart(formatDay(start + m.seq)),
        });
      }
    }
  }
  return enqueueJobs(db, jobs);
}

/** Why a message may not go now; null: it may. */
async function refusal(
  trx: Transaction<Database>,
  deps: EproSendDeps,
  p: SendPayload,
  now: Date,
): Promise<string | null> {
  const [s] = await readSubjectFacts(trx, null, [p.studyId]);
  if (!s) return 'subject not found';
  if (s.status === 'withdrawn') return 'subject withdrawn';
  if (s.status === 'completed' || s.endedOn !== null) return 'subject has left the study';
  if (s.seen.includes(p.visit) || Object.hasOwn(s.visitDates, p.visit)) return 'visit already answered';
  if ((await deps.links.state(trx, p.studyId, p.visit)) === 'revoked') return 'link revoked';
  const v = visitSchedule(deps.protocol, s, s.visitDates, now).find((x) => x.visit === p.visit);
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
 * reason) under its unique key, sends it through SMTP when configured, and writes the audit event
 * last (the chain lock is held only for the commit, not during SMTP).
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
    let reason = await refusal(trx, deps, p, now);
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
    const outcome: 'sent' | 'outbox' | 'skipped' =
      reason !== null ? 'skipped' : byMail && deps.sendMail ? 'sent' : 'outbox';
    if (outcome === 'outbox' && reason === null) {
      reason = !deps.sendMail
        ? 'no SMTP_URL: waiting for staff'
        : email === null
          ? 'no e-mail address: waiting for staff'
          : 'patient declined e-mail or prefers another channel: waiting for staff';
    }
    await trx
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
      .execute();
    const audits: AuditInput[] = [];
    if (outcome === 'sent') {
      const lifetime = eproTiming(deps.protocol).linkLifetimeDays;
      const [s] = await readSubjectFacts(trx, null, [p.studyId]);
      const v = visitSchedule(deps.protocol, s!, s!.visitDates, now).find((x) => x.visit === p.visit)!;
      const windowEnd = new Date(Date.parse(`${v.windowEnd}T00:00:00.000Z`) + 86_400_000);
      const expiresAt = new Date(Math.min(windowEnd.getTime(), now.getTime() + lifetime * 86_400_000));
      const link = await deps.links.issue(trx, p.studyId, p.visit, now, expiresAt);
      if (link.audit) audits.push(link.audit);
      const until = new Date(expiresAt.getTime() - 1).toISOString().slice(0, 10);
      await deps.sendMail!(
        eproMail(email!, who?.epro_greeting ?? null, eproUrl(deps.appOrigin, link.token), until, p.kind),
      );
    }
    // Audit events last: the chain's lock is held from here to the commit, not during SMTP.
    audits.push({
      at: now,
      actor: 'system',
      action: `epro.message.${outcome}`,
      siteId: p.siteId,
      entity: 'subject',
      entityId: p.studyId,
      after: { visit: p.visit, kind: p.kind, seq: p.seq, outcome, reason },
    });
    await appendAuditBatch(trx, audits);
  };
}

/**
 * The `epro.plan` job, queued once an hour (its key is the hour, so two processes plan once): plans
 * the messages and queues the next hour's planning.
 */
export function eproPlanHandler(protocol: Protocol): JobHandler {
  return async (trx, _job, now) => {
    await planEproMessages(trx, protocol, now);
    await enqueueJobs(trx, [nextPlan(now)]);
  };
}

/** The planning job of the hour after `now`. */
export function nextPlan(now: Date): NewJob {
  const next = new Date(Math.floor(now.getTime() / 3_600_000 + 1) * 3_600_000);
  return { kind: EPRO_PLAN, key: `epro.plan:${next.toISOString().slice(0, 13)}`, payload: {}, runAt: next };
}

/** Both ePRO job handlers, for the worker (serve) and `jobs run-once`. */
export function eproJobHandlers(deps: EproSendDeps): Record<string, JobHandler> {
  return { [EPRO_SEND]: eproSendHandler(deps), [EPRO_PLAN]: eproPlanHandler(deps.protocol) };
}

export interface EproWorkerConfig {
  /** SMTP_URL; absent: the outbox. */
  smtpUrl: string | undefined;
  /** EPRO_FROM: the sender address (default registry@localhost). */
  from: string | undefined;
  appOrigin: string;
  /** This process in `job.claimed_by`, e.g. host:pid. */
  worker: string;
  intervalMs?: number;
}

/** Queues this hour's planning (its key is the hour: once for any number of processes); the handlers. */
async function prepareEproJobs(
  deps: RegistryDeps,
  config: EproWorkerConfig,
): Promise<Record<string, JobHandler>> {
  const now = deps.clock();
  const hour = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
  await enqueueJobs(deps.db, [
    { kind: EPRO_PLAN, key: `epro.plan:${hour.toISOString().slice(0, 13)}`, payload: {}, runAt: hour },
  ]);
  return eproJobHandlers({
    protocol: deps.protocol,
    links: eproLinksInDatabase(deps.protocol),
    appOrigin: config.appOrigin,
    sendMail: smtpMailer(config.smtpUrl, config.from ?? 'registry@localhost'),
  });
}

/** One pass over the due jobs (`sifreg jobs run-once`, for cron): how many ran. */
export async function runEproJobsOnce(deps: RegistryDeps, config: EproWorkerConfig): Promise<number> {
  const handlers = await prepareEproJobs(deps, config);
  return runDueJobs({ db: deps.db, clock: deps.clock, worker: config.worker, handlers });
}

/**
 * The worker of `sifreg serve`: queues this hour's planning (once for any number of processes) and
 * runs due jobs every `intervalMs` with the injected clock until stopped. Failures are logged as one
 * line without the message (never a link).
 */
export async function startEproWorker(
  deps: RegistryDeps,
  config: EproWorkerConfig,
  log: (line: string) => void,
): Promise<RunningWorker> {
  const handlers = await prepareEproJobs(deps, config);
  return startJobWorker({
    db: deps.db,
    clock: deps.clock,
    worker: config.worker,
    handlers,
    intervalMs: config.intervalMs ?? 30_000,
    onError: (error) => log(`jobs: a pass failed (${error instanceof Error ? error.name : 'error'})`),
  });
}

const CONTACT_INPUT = z
  .object({
    studyId: z.string().min(1, 'studyId is required'),
    /** Empty: no address on file. */
    email: z.union([z.literal(''), z.email({ message: 'email is not a valid address' })]),
    channel: z.enum(['email', 'phone', 'in_clinic'], {
      message: 'channel must be email, phone or in_clinic',
    }),
    /** The patient declined e-mail: nothing is mailed, messages wait for staff. */
    emailDeclined: z.boolean(),
  })
  .strict();

export type EproContactInput = z.input<typeof CONTACT_INPUT>;

export interface EproContact {
  email: string | null;
  channel: 'email' | 'phone' | 'in_clinic';
  emailDeclined: boolean;
}

async function siteOf(db: Kysely<Database>, actor: Actor, studyId: string): Promise<string> {
  const subject = await db
    .selectFrom('subject')
    .select('site_id')
    .where('study_id', '=', studyId)
    .executeTakeFirst();
  if (!subject) throw new RegistryError('SUBJECT_NOT_FOUND', `subject ${studyId} not found`);
  requireSite(actor, 'response.write', subject.site_id, studyId);
  return subject.site_id;
}

/** A subject's ePRO contact, for the staff of the subject's own site only (another site: not found). */
export async function eproContact(deps: RegistryDeps, actor: Actor, studyId: string): Promise<EproContact> {
  requirePermission(actor, 'response.write');
  await siteOf(deps.db, actor, studyId);
  const row = await deps.db
    .selectFrom('subject_identity')
    .select(['email', 'contact_channel', 'email_declined_at'])
    .where('study_id', '=', studyId)
    .executeTakeFirst();
  return {
    email: row?.email ?? null,
    channel: row?.contact_channel ?? 'email',
    emailDeclined: row?.email_declined_at != null,
  };
}

/**
 * Sets a subject's ePRO contact (own site staff): e-mail address, preferred channel, and whether the
 * patient declined e-mail; one transaction with its audit event (which names the fields, never the
 * address), and the subject's messages planned again.
 */
export async function setEproContact(
  deps: RegistryDeps,
  actor: Actor,
  input: EproContactInput,
): Promise<void> {
  requirePermission(actor, 'response.write');
  // Scope before validation: another site's subject is "not found" whatever the form holds.
  await siteOf(deps.db, actor, String(input.studyId));
  const c = parseInput(CONTACT_INPUT, input);
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const siteId = await siteOf(trx, actor, c.studyId);
    await trx
      .selectFrom('subject')
      .select('study_id')
      .where('study_id', '=', c.studyId)
      .forUpdate()
      .execute();
    const before = await trx
      .selectFrom('subject_identity')
      .select(['email', 'contact_channel', 'email_declined_at'])
      .where('study_id', '=', c.studyId)
      .executeTakeFirst();
    const email = c.email === '' ? null : c.email;
    const declinedAt = c.emailDeclined ? (before?.email_declined_at ?? now) : null;
    await trx
      .insertInto('subject_identity')
      .values({
        study_id: c.studyId,
        site_id: siteId,
        email,
        contact_channel: c.channel,
        email_declined_at: declinedAt,
      })
      .onConflict((oc) =>
        oc
          .column('study_id')
          .doUpdateSet({ email, contact_channel: c.channel, email_declined_at: declinedAt }),
      )
      .execute();
    await planEproMessages(trx, deps.protocol, now, [c.studyId]);
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: 'subject.epro_contact',
      siteId,
      entity: 'subject',
      entityId: c.studyId,
      before: before
        ? {
            email_on_file: before.email !== null,
            channel: before.contact_channel ?? 'email',
            email_declined: before.email_declined_at !== null,
          }
        : null,
      after: { email_on_file: email !== null, channel: c.channel, email_declined: c.emailDeclined },
    });
  });
}

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
  }>`select m.id, m.study_id, m.site_id, m.visit, m.kind, m.seq, m.outcome, m.reason, m.created_at, m.sent_at,
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
