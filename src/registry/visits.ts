import { type Kysely, sql, type Transaction } from 'kysely';
import { z } from 'zod';
import { type Issue, RegistryError } from '../errors.js';
import { type Answers, EARLIEST_DATE } from '../instruments/index.js';
import { getVisit } from '../protocol/index.js';
import { dayOf, formatDay, isRealDate } from '../schedule/index.js';
import { appendAudit, type Database, VISIT_MODE_VALUES, type VisitMode } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission, requireSite } from './context.js';
import { visitDateIssues } from './date-rules.js';
import { parseInput } from './parse-input.js';

const VISIT_INPUT = z.object({
  studyId: z.string().min(1, 'study id is required'),
  visit: z.string().min(1, 'visit is required'),
  /** Date of assessment, YYYY-MM-DD. */
  date: z.string().optional(),
  mode: z.string().optional(),
  missedReason: z.string().trim().optional(),
});

export type VisitInput = z.input<typeof VISIT_INPUT>;

/** A visit record: done on a date in a mode, or missed with a reason. */
export interface VisitRecord {
  date: string | null;
  mode: VisitMode | null;
  missedReason: string | null;
}

/**
 * The rules of a visit record, in one place for the use case and the tidy import: done (a real
 * date, not after today, and a mode: clinic, phone, epro) or missed (a reason of 1–500 characters),
 * never both, never neither. Issue paths are the tidy items (`date`, `mode`, `missed_reason`).
 */
export function checkVisitRecord(
  v: { date?: string | undefined; mode?: string | undefined; missedReason?: string | undefined },
  today: string,
): { ok: true; record: VisitRecord } | { ok: false; issues: Issue[] } {
  const issues: Issue[] = [];
  const issue = (item: string, code: string, message: string) => issues.push({ path: [item], code, message });
  const done = v.date !== undefined || v.mode !== undefined;
  if (v.missedReason !== undefined && done) {
    issue(
      'missed_reason',
      'invalid_visit',
      'a visit is either done (date and mode) or missed (reason), not both',
    );
  } else if (v.missedReason === undefined) {
    if (v.date === undefined || v.mode === undefined) {
      issue(
        v.date === undefined ? 'date' : 'mode',
        'invalid_visit',
        'a visit done needs its date and mode (clinic, phone, epro); a missed visit needs its reason',
      );
    }
    if (v.date !== undefined && !isRealDate(v.date)) {
      issue('date', 'invalid_date', `date ${v.date} is not a real date YYYY-MM-DD`);
    } else if (v.date !== undefined && v.date > today) {
      issue('date', 'in_future', `visit date ${v.date} is in the future (today is ${today})`);
    } else if (v.date !== undefined && v.date < EARLIEST_DATE) {
      // The same plausibility floor as every date answer (instruments/answer-value.ts).
      issue(
        'date',
        'too_early',
        `visit date ${v.date} is before ${EARLIEST_DATE}, too early to be plausible`,
      );
    }
    if (v.mode !== undefined && !(VISIT_MODE_VALUES as readonly string[]).includes(v.mode)) {
      issue('mode', 'invalid_choice', `mode must be clinic, phone or epro (got ${v.mode})`);
    }
  } else if (v.missedReason.length < 1 || v.missedReason.length > 500) {
    issue('missed_reason', 'invalid_text', 'missed_reason must be 1 to 500 characters');
  }
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    record: {
      date: v.date ?? null,
      mode: (v.mode as VisitMode | undefined) ?? null,
      missedReason: v.missedReason ?? null,
    },
  };
}

/** The day a visit is dated at `now` when none is recorded: the clock's UTC day, as recordVisit checks dates. */
export function visitDayAt(now: Date): string {
  return formatDay(dayOf(now));
}

/**
 * The date of a subject's visit as its date rules read it: the recorded date, or today (`visitDayAt`)
 * while none is recorded (the ePRO submit records that day).
 */
export async function visitDateOrToday(
  db: Kysely<Database> | Transaction<Database>,
  studyId: string,
  visit: string,
  now: Date,
): Promise<{ date: string; recorded: boolean }> {
  const row = await db
    .selectFrom('visit')
    .select(sql<string | null>`visit_date::text`.as('date'))
    .where('study_id', '=', studyId)
    .where('visit', '=', visit)
    .executeTakeFirst();
  return row?.date ? { date: row.date, recorded: true } : { date: visitDayAt(now), recorded: false };
}

/**
 * Records when and how a subject's visit took place, or that it was missed and why (one row per
 * subject and visit; recording again replaces it). Site-scoped like a form; the date cannot be in
 * the future. One transaction with its audit event.
 */
export async function recordVisit(
  deps: RegistryDeps,
  actor: Actor,
  input: VisitInput,
): Promise<{ id: number; version: number }> {
  requirePermission(actor, 'response.write');
  const v = parseInput(VISIT_INPUT, input);
  getVisit(deps.protocol, v.visit);
  const now = deps.clock();
  const checked = checkVisitRecord(v, visitDayAt(now));
  if (!checked.ok) throw new RegistryError('VALIDATION_FAILED', checked.issues[0]!.message, checked.issues);
  return deps.db.transaction().execute((trx) => recordVisitIn(trx, actor, v, checked.record, now));
}

/**
 * recordVisit inside the caller's transaction, for a record already checked (checkVisitRecord): locks
 * the subject, checks its site and the visit's forms against the date, writes the row and its audit
 * event. `channel` is added to the audit event (the ePRO submit: `{ channel: 'ePRO' }`).
 */
export async function recordVisitIn(
  trx: Transaction<Database>,
  actor: Actor,
  v: { studyId: string; visit: string },
  record: VisitRecord,
  now: Date,
  channel: { channel?: string } = {},
): Promise<{ id: number; version: number }> {
  const subject = await trx
    .selectFrom('subject')
    .select(['site_id'])
    .where('study_id', '=', v.studyId)
    .forUpdate()
    .executeTakeFirst();
  if (!subject) throw new RegistryError('SUBJECT_NOT_FOUND', `subject ${v.studyId} not found`);
  requireSite(actor, 'response.write', subject.site_id, v.studyId);
  // Forms already at this visit must not date anything after the visit's new date.
  if (record.date !== null) {
    const forms = await trx
      .selectFrom('response')
      .select(['instrument', 'visit', 'instance', 'answers'])
      .where('study_id', '=', v.studyId)
      .where('visit', '=', v.visit)
      .where('status', '!=', 'draft')
      .execute();
    const issues = forms.flatMap((f) =>
      visitDateIssues(
        { ...f, answers: (typeof f.answers === 'string' ? JSON.parse(f.answers) : f.answers) as Answers },
        record.date,
      ),
    );
    if (issues.length > 0) throw new RegistryError('VALIDATION_FAILED', issues[0]!.message, issues);
  }
  const row = { visit_date: record.date, mode: record.mode, missed_reason: record.missedReason };
  const before = await trx
    .selectFrom('visit')
    .select(['id', 'version', 'visit_date', 'mode', 'missed_reason'])
    .where('study_id', '=', v.studyId)
    .where('visit', '=', v.visit)
    .executeTakeFirst();
  const saved = before
    ? await trx
        .updateTable('visit')
        .set({ ...row, entered_by: actor.username, updated_at: now, version: before.version + 1 })
        .where('id', '=', before.id)
        .returning(['id', 'version'])
        .executeTakeFirstOrThrow()
    : await trx
        .insertInto('visit')
        .values({
          ...row,
          site_id: subject.site_id,
          study_id: v.studyId,
          visit: v.visit,
          entered_by: actor.username,
          created_at: now,
          updated_at: now,
        })
        .returning(['id', 'version'])
        .executeTakeFirstOrThrow();
  await appendAudit(trx, {
    at: now,
    actor: actor.username,
    action: 'visit.record',
    siteId: subject.site_id,
    entity: 'visit',
    entityId: String(saved.id),
    ...(before
      ? {
          before: { visit_date: before.visit_date, mode: before.mode, missed_reason: before.missed_reason },
        }
      : {}),
    after: { study_id: v.studyId, visit: v.visit, ...row, ...channel },
  });
  return { id: Number(saved.id), version: saved.version };
}
