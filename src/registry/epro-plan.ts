import { type Kysely, sql } from 'kysely';
import { DEFAULT_EPRO, type Protocol, type Visit } from '../protocol/index.js';
import { formatDay, parseDay, visitSchedule } from '../schedule/index.js';
import type { Database } from '../store/index.js';
import { enqueueJobs, type JobHandler, type NewJob, purgeDoneJobs } from './jobs.js';
import { readSubjectFacts } from './views/subject-facts.js';

/*
 * Planning of ePRO invitations and reminders (issue 9 §4): the schedule turned into jobs. Each
 * follow-up visit's invitation is queued for when its window opens, a reminder at each protocol
 * interval after it while the window is still open. A job's key is subject x visit x message, so a
 * message is queued once however often, and by however many processes, planning runs.
 */

export const EPRO_SEND = 'epro.send';
export const EPRO_PLAN = 'epro.plan';

/** Done job rows older than this are deleted by the planning job; the send log keeps the record. */
export const JOB_RETENTION_DAYS = 30;

export type Kind = 'invitation' | 'reminder';

/** What an `epro.send` job carries. */
export interface SendPayload {
  studyId: string;
  siteId: string;
  visit: string;
  kind: Kind;
  /** Days after the invitation (0 for the invitation). */
  seq: number;
  /** Staff asked to send the invitation again (the n-th time): a live link is replaced, not a refusal. */
  resend?: number;
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

/** The key of the n-th invitation staff asked to send again. */
export const resendKey = (studyId: string, visit: string, n: number) =>
  `epro:${studyId}:${visit}:resend+${n}`;

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

/**
 * The `epro.plan` job, queued once an hour (its key is the hour, so two processes plan once): plans
 * the messages, deletes done jobs older than JOB_RETENTION_DAYS (the queue does not grow forever; the
 * send log, `epro_message`, is the record and stays) and queues the next hour's planning.
 */
export function eproPlanHandler(protocol: Protocol): JobHandler {
  return async (trx, _job, now) => {
    await planEproMessages(trx, protocol, now);
    const before = new Date(now.getTime() - JOB_RETENTION_DAYS * 86_400_000);
    // The send log keeps its rows; only their reference to the job row goes.
    await sql`update epro_message set job_id = null
      where job_id in (select id from job where done_at < ${before})`.execute(trx);
    await purgeDoneJobs(trx, before);
    await enqueueJobs(trx, [nextPlan(now)]);
  };
}

/** The planning job of the hour after `now`. */
export function nextPlan(now: Date): NewJob {
  const next = new Date(Math.floor(now.getTime() / 3_600_000 + 1) * 3_600_000);
  return { kind: EPRO_PLAN, key: `epro.plan:${next.toISOString().slice(0, 13)}`, payload: {}, runAt: next };
}
