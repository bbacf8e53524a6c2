import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { csvLine } from '../exchange/csv.js';
import { appendAudit, type Database, type JsonValue } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission } from './context.js';
import { parseInput } from './parse-input.js';

/*
 * The audit trail viewer's reads (issue 8 §3.11): admins and monitors filter the trail by subject,
 * user, date (UTC) and event type, newest first, a page at a time; the CSV export of a filter is
 * itself an audit event. Identifiers never enter the trail (subjects.ts keeps only which identity
 * fields were given), so the monitor's pseudonymised view holds.
 */

const DAY = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-03-02')
  .refine((d) => {
    const t = Date.parse(`${d}T00:00:00Z`);
    // A day past the month's end (2026-02-30) parses as the next month's: refused by the round trip.
    return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d;
  }, 'must be a real date');

const FILTER = z.object({
  subject: z.string().trim().max(40).optional(),
  user: z.string().trim().max(64).optional(),
  /** First and last day (UTC), both included. */
  from: DAY.optional(),
  to: DAY.optional(),
  /** An action (`response.amend`), or a family of them ending in a dot (`query.`). */
  action: z.string().trim().max(64).optional(),
  /** Events older than this id (the next page). */
  before: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(500).default(100),
});

export type AuditFilter = z.input<typeof FILTER>;

export interface AuditEntry {
  id: number;
  /** UTC, ISO 8601. */
  at: string;
  actor: string;
  action: string;
  siteId: string | null;
  entity: string;
  entityId: string;
  /** The subject the event concerns, when it concerns one. */
  studyId: string | null;
  before: JsonValue | null;
  after: JsonValue | null;
  reason: string | null;
}

const blank = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

function query(db: Kysely<Database>, f: z.output<typeof FILTER>) {
  // The subject of an event: its own entity, or the subject of the form, query or visit it names.
  const subjectOf = sql<string | null>`case e.entity
      when 'subject' then e.entity_id
      when 'response' then (select r.study_id from response r where r.id::text = e.entity_id)
      when 'query' then (select q.study_id from query q where q.id::text = e.entity_id)
      when 'visit' then (select v.study_id from visit v where v.id::text = e.entity_id)
    end`;
  let q = db
    .selectFrom('audit_event as e')
    .select([
      'e.id',
      'e.at',
      'e.actor',
      'e.action',
      'e.site_id',
      'e.entity',
      'e.entity_id',
      'e.before',
      'e.after',
      'e.reason',
      subjectOf.as('study_id'),
    ]);
  const subject = blank(f.subject);
  if (subject) {
    // The same rule as subjectOf, written so each branch uses the (entity, entity_id) index.
    q = q.where((eb) =>
      eb.or([
        eb.and([eb('e.entity', '=', 'subject'), eb('e.entity_id', '=', subject)]),
        ...(['response', 'query', 'visit'] as const).map((entity) =>
          eb.and([
            eb('e.entity', '=', entity),
            eb(
              'e.entity_id',
              'in',
              eb.selectFrom(entity).select(sql<string>`id::text`.as('id')).where('study_id', '=', subject),
            ),
          ]),
        ),
      ]),
    );
  }
  const user = blank(f.user);
  if (user) q = q.where('e.actor', '=', user);
  if (f.from) q = q.where('e.at', '>=', new Date(`${f.from}T00:00:00Z`));
  if (f.to) q = q.where('e.at', '<', new Date(Date.parse(`${f.to}T00:00:00Z`) + 86_400_000));
  const action = blank(f.action);
  if (action) {
    q = action.endsWith('.')
      ? q.where('e.action', 'like', `${action.replace(/[\\%_]/g, '\\$&')}%`)
      : q.where('e.action', '=', action);
  }
  if (f.before) q = q.where('e.id', '<', f.before);
  return q.orderBy('e.id', 'desc');
}

function entry(r: {
  id: number;
  at: Date;
  actor: string;
  action: string;
  site_id: string | null;
  entity: string;
  entity_id: string;
  before: JsonValue | null;
  after: JsonValue | null;
  reason: string | null;
  study_id: string | null;
}): AuditEntry {
  return {
    id: r.id,
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action,
    siteId: r.site_id,
    entity: r.entity,
    entityId: r.entity_id,
    studyId: r.study_id,
    before: r.before,
    after: r.after,
    reason: r.reason,
  };
}

/** One page of the audit trail, newest first (admin, monitor); `next` is the `before` of the next page. */
export async function auditTrail(
  deps: RegistryDeps,
  actor: Actor,
  filter: AuditFilter = {},
): Promise<{ entries: AuditEntry[]; next: number | null }> {
  requirePermission(actor, 'audit.read');
  const f = parseInput(FILTER, filter);
  const rows = await query(deps.db, f)
    .limit(f.limit + 1)
    .execute();
  const entries = rows.slice(0, f.limit).map(entry);
  return { entries, next: rows.length > f.limit ? (entries.at(-1)?.id ?? null) : null };
}

export const AUDIT_CSV_HEADER = [
  'id',
  'at',
  'actor',
  'action',
  'site',
  'entity',
  'entity_id',
  'study_id',
  'reason',
  'before',
  'after',
] as const;

/**
 * Streams the filtered trail as CSV (every matching event, newest first, 1,000 a query), then records
 * the export itself as an audit event naming the filter and the number of rows.
 */
export async function exportAuditCsv(
  deps: RegistryDeps,
  actor: Actor,
  filter: AuditFilter,
  write: (chunk: string) => void | Promise<void>,
): Promise<{ rows: number }> {
  requirePermission(actor, 'audit.read');
  const f = parseInput(FILTER, { ...filter, limit: 500 });
  await write(csvLine([...AUDIT_CSV_HEADER]));
  let rows = 0;
  let before = f.before;
  for (;;) {
    const page = await query(deps.db, { ...f, before })
      .limit(1000)
      .execute();
    let chunk = '';
    for (const r of page.map(entry)) {
      chunk += csvLine([
        String(r.id),
        r.at,
        r.actor,
        r.action,
        r.siteId ?? '',
        r.entity,
        r.entityId,
        r.studyId ?? '',
        r.reason ?? '',
        r.before === null ? '' : JSON.stringify(r.before),
        r.after === null ? '' : JSON.stringify(r.after),
      ]);
    }
    await write(chunk);
    rows += page.length;
    if (page.length < 1000) break;
    before = page.at(-1)!.id;
  }
  const given = Object.fromEntries(
    Object.entries({ subject: f.subject, user: f.user, from: f.from, to: f.to, action: f.action }).filter(
      ([, v]) => v !== undefined && v !== '',
    ),
  );
  await deps.db.transaction().execute((trx) =>
    appendAudit(trx, {
      at: deps.clock(),
      actor: actor.username,
      action: 'export.audit',
      siteId: null,
      entity: 'export',
      entityId: 'audit',
      after: { rows, filter: given },
    }),
  );
  return { rows };
}
