import { z } from 'zod';
import { RegistryError } from '../errors.js';
import { getVisit } from '../protocol/index.js';
import { formatDay, isRealDate } from '../schedule/index.js';
import { appendAudit, VISIT_MODE_VALUES } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission, requireSite } from './context.js';
import { parseInput } from './parse-input.js';

const VISIT_INPUT = z
  .object({
    studyId: z.string().min(1, 'study id is required'),
    visit: z.string().min(1, 'visit is required'),
    /** Date of assessment, YYYY-MM-DD. */
    date: z.string().refine(isRealDate, 'date must be a real date YYYY-MM-DD').optional(),
    mode: z.enum(VISIT_MODE_VALUES, { message: 'mode must be clinic, phone or epro' }).optional(),
    missedReason: z.string().trim().min(1).max(500).optional(),
  })
  .superRefine((v, ctx) => {
    const done = v.date !== undefined || v.mode !== undefined;
    if (v.missedReason !== undefined && done) {
      ctx.addIssue({
        code: 'custom',
        path: ['missedReason'],
        message: 'a visit is either done (date and mode) or missed (reason), not both',
      });
    } else if (v.missedReason === undefined && (v.date === undefined || v.mode === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [v.date === undefined ? 'date' : 'mode'],
        message:
          'a visit done needs its date and mode (clinic, phone, epro); a missed visit needs its reason',
      });
    }
  });

export type VisitInput = z.input<typeof VISIT_INPUT>;

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
  const today = formatDay(Math.floor(now.getTime() / 86_400_000));
  if (v.date !== undefined && v.date > today) {
    throw new RegistryError(
      'VALIDATION_FAILED',
      `visit date ${v.date} is in the future (today is ${today})`,
      [{ path: ['date'], code: 'in_future', message: `date ${v.date} is in the future (today is ${today})` }],
    );
  }
  return deps.db.transaction().execute(async (trx) => {
    const subject = await trx
      .selectFrom('subject')
      .select(['site_id'])
      .where('study_id', '=', v.studyId)
      .forUpdate()
      .executeTakeFirst();
    if (!subject) throw new RegistryError('SUBJECT_NOT_FOUND', `subject ${v.studyId} not found`);
    requireSite(actor, 'response.write', subject.site_id, v.studyId);
    const row = {
      visit_date: v.date ?? null,
      mode: v.mode ?? null,
      missed_reason: v.missedReason ?? null,
    };
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
      after: { study_id: v.studyId, visit: v.visit, ...row },
    });
    return { id: Number(saved.id), version: saved.version };
  });
}
