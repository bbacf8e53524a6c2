import type { Transaction } from 'kysely';
import { z } from 'zod';
import { RegistryError } from '../errors.js';
import { getInstrument, MAX_INT4 } from '../instruments/index.js';
import { appendAudit, type Database, type JsonObject, type QueryStatus } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission } from './context.js';
import { parseInput, ROW_ID } from './parse-input.js';
import { loadResponse, type ResponseRow } from './response-row.js';
import { AMEND_INPUT, amendLoaded, type ResponseRef } from './responses.js';
import { inScope, scopeFor } from './scope.js';

/*
 * Queries (issue 8 §3.8): a monitor raises a data clarification on one item of one response; the
 * subject's site staff answer it, by amending the item with a reason (the amendment rule of
 * responses.ts) or by explaining why the value stays; the monitor closes it, or reopens it.
 *   open -> answered -> closed; answered or closed -> open (reopen); open -> closed (withdrawn).
 * Queries are never deleted; every step is a message of the thread (who, when, what) and an audit
 * event. Another site's query is "not found". Queries as read back: query-views.ts.
 */

const TEXT = (what: string) =>
  z
    .string({ message: `text: ${what}` })
    .trim()
    .min(1, `text: ${what}`)
    .max(4000, 'text: at most 4,000 characters');

const RAISE_INPUT = z.object({
  responseId: ROW_ID,
  item: z.string().min(1, 'item is required').max(200),
  text: TEXT('say what needs clarifying'),
  assignee: z.string().min(1).max(64).nullable().optional(),
});

const ANSWER_INPUT = z.object({
  queryId: ROW_ID,
  text: TEXT('explain why the value stays, or give the reason for the change'),
  /** An answer by amendment: the item's new value on the form as loaded at `version`. */
  amendment: z
    .object({
      version: z.number().int().positive().max(MAX_INT4),
      value: z.unknown(),
    })
    .optional(),
});

const STEP_INPUT = z.object({ queryId: ROW_ID, text: z.string().trim().max(4000).optional() });
const REOPEN_INPUT = z.object({
  queryId: ROW_ID,
  text: TEXT('say why the query is reopened'),
  assignee: z.string().min(1).max(64).nullable().optional(),
});

export type RaiseQueryInput = z.input<typeof RAISE_INPUT>;
export type AnswerQueryInput = z.input<typeof ANSWER_INPUT>;
export type CloseQueryInput = z.input<typeof STEP_INPUT>;
export type ReopenQueryInput = z.input<typeof REOPEN_INPUT>;

export interface QueryRef {
  id: number;
  status: QueryStatus;
  /** Set when the answer amended the form. */
  response?: ResponseRef;
}

type QueryRow = Awaited<ReturnType<typeof loadQuery>>;

async function loadQuery(
  trx: Transaction<Database>,
  actor: Actor,
  permission: 'query.answer' | 'query.close',
  id: number,
) {
  const row = await trx.selectFrom('query').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row || !inScope(scopeFor(actor, permission), row.site_id)) {
    throw new RegistryError('QUERY_NOT_FOUND', `query ${id} not found`);
  }
  return row;
}

/** An assignee must be an active coordinator or investigator of the subject's site. */
async function checkAssignee(trx: Transaction<Database>, assignee: string, siteId: string): Promise<void> {
  const user = await trx
    .selectFrom('app_user')
    .select(['role', 'site_id', 'disabled_at'])
    .where('username', '=', assignee)
    .executeTakeFirst();
  if (
    !user ||
    user.disabled_at ||
    (user.role !== 'coordinator' && user.role !== 'investigator') ||
    user.site_id !== siteId
  ) {
    const message = `assignee: ${assignee} is not a coordinator or investigator of site ${siteId}`;
    throw new RegistryError('VALIDATION_FAILED', message, [
      { path: ['assignee'], code: 'invalid_assignee', message },
    ]);
  }
}

async function addMessage(
  trx: Transaction<Database>,
  q: { id: number; site_id: string; study_id: string },
  kind: 'raise' | 'answer' | 'close' | 'reopen',
  author: string,
  at: Date,
  text: string,
  responseVersion: number | null = null,
): Promise<void> {
  await trx
    .insertInto('query_message')
    .values({
      query_id: q.id,
      site_id: q.site_id,
      study_id: q.study_id,
      kind,
      author,
      at,
      text,
      response_version: responseVersion,
    })
    .execute();
}

async function auditQuery(
  trx: Transaction<Database>,
  at: Date,
  actor: Actor,
  action: string,
  q: QueryRow | { id: number; site_id: string; response_id: number; item: string },
  before: QueryStatus | null,
  after: Record<string, unknown>,
  reason: string | null = null,
): Promise<void> {
  await appendAudit(trx, {
    at,
    actor: actor.username,
    action,
    siteId: q.site_id,
    entity: 'query',
    entityId: String(q.id),
    before: before === null ? null : { status: before },
    after: { response_id: q.response_id, item: q.item, ...after },
    reason,
  });
}

/** Raises a query on one item of one entered response (monitor). */
export async function raiseQuery(
  deps: RegistryDeps,
  actor: Actor,
  input: RaiseQueryInput,
): Promise<QueryRef> {
  requirePermission(actor, 'query.raise');
  const r = parseInput(RAISE_INPUT, input);
  return deps.db.transaction().execute(async (trx) => {
    const response = await loadResponse(trx, actor, 'query.raise', r.responseId);
    if (response.status === 'draft') {
      throw new RegistryError(
        'INVALID_STATE',
        `response ${response.id} is a draft; queries are raised on entered forms`,
      );
    }
    if (!getInstrument(response.instrument).items.some((i) => i.id === r.item)) {
      const message = `item: ${r.item} is not an item of ${response.instrument}`;
      throw new RegistryError('VALIDATION_FAILED', message, [
        { path: ['item'], code: 'unknown_item', message },
      ]);
    }
    if (r.assignee) await checkAssignee(trx, r.assignee, response.site_id);
    const now = deps.clock();
    const row = await trx
      .insertInto('query')
      .values({
        site_id: response.site_id,
        study_id: response.study_id,
        response_id: response.id,
        item: r.item,
        status: 'open',
        text: r.text,
        raised_by: actor.username,
        raised_at: now,
        assigned_to: r.assignee ?? null,
      })
      .returning(['id', 'site_id', 'study_id', 'response_id', 'item'])
      .executeTakeFirstOrThrow();
    await addMessage(trx, row, 'raise', actor.username, now, r.text);
    await auditQuery(trx, now, actor, 'query.raise', row, null, {
      status: 'open',
      text: r.text,
      assigned_to: r.assignee ?? null,
      response_version: response.version,
    });
    return { id: row.id, status: 'open' };
  });
}

/**
 * Answers an open query (site staff of the subject's site): with `amendment`, the item takes the new
 * value through the amendment rule (version checked, reason = the answer's text, SDV made stale);
 * without, the text explains why the value stays. Both in one transaction with the query's step.
 */
export async function answerQuery(
  deps: RegistryDeps,
  actor: Actor,
  input: AnswerQueryInput,
): Promise<QueryRef> {
  requirePermission(actor, 'query.answer');
  const a = parseInput(ANSWER_INPUT, input);
  return deps.db.transaction().execute(async (trx) => {
    const q = await loadQuery(trx, actor, 'query.answer', a.queryId);
    if (q.status !== 'open') {
      throw new RegistryError(
        'INVALID_STATE',
        `query ${q.id} is ${q.status}; only an open query is answered`,
      );
    }
    let amended: ResponseRef | undefined;
    if (a.amendment) {
      requirePermission(actor, 'response.write');
      const response = await loadResponse(trx, actor, 'response.write', q.response_id);
      const answers: Record<string, unknown> = { ...(response.answers as JsonObject) };
      if (a.amendment.value === undefined || a.amendment.value === null || a.amendment.value === '') {
        delete answers[q.item];
      } else {
        answers[q.item] = a.amendment.value;
      }
      const fields = parseInput(AMEND_INPUT, {
        id: response.id,
        version: a.amendment.version,
        answers,
        reason: `query ${q.id}: ${a.text}`,
      });
      amended = await amendLoaded(deps, trx, actor, response as ResponseRow, fields);
    }
    const now = deps.clock();
    await trx
      .updateTable('query')
      .set({ status: 'answered', answer: a.text, answered_by: actor.username, answered_at: now })
      .where('id', '=', q.id)
      .execute();
    await addMessage(trx, q, 'answer', actor.username, now, a.text, amended?.version ?? null);
    await auditQuery(trx, now, actor, 'query.answer', q, q.status, {
      status: 'answered',
      text: a.text,
      amended: amended ? { version: amended.version } : null,
    });
    return { id: q.id, status: 'answered', ...(amended ? { response: amended } : {}) };
  });
}

/** Closes an answered query, or withdraws an open one (monitor). */
export async function closeQuery(
  deps: RegistryDeps,
  actor: Actor,
  input: CloseQueryInput,
): Promise<QueryRef> {
  requirePermission(actor, 'query.close');
  const c = parseInput(STEP_INPUT, input);
  return deps.db.transaction().execute(async (trx) => {
    const q = await loadQuery(trx, actor, 'query.close', c.queryId);
    if (q.status === 'closed') throw new RegistryError('INVALID_STATE', `query ${q.id} is already closed`);
    const text = c.text || (q.status === 'open' ? 'closed without an answer' : 'answer accepted');
    const now = deps.clock();
    await trx
      .updateTable('query')
      .set({ status: 'closed', closed_by: actor.username, closed_at: now })
      .where('id', '=', q.id)
      .execute();
    await addMessage(trx, q, 'close', actor.username, now, text);
    await auditQuery(trx, now, actor, 'query.close', q, q.status, { status: 'closed', text });
    return { id: q.id, status: 'closed' };
  });
}

/** Reopens an answered or closed query with a reason (monitor); it is open again for the site. */
export async function reopenQuery(
  deps: RegistryDeps,
  actor: Actor,
  input: ReopenQueryInput,
): Promise<QueryRef> {
  requirePermission(actor, 'query.close');
  const r = parseInput(REOPEN_INPUT, input);
  return deps.db.transaction().execute(async (trx) => {
    const q = await loadQuery(trx, actor, 'query.close', r.queryId);
    if (q.status === 'open') throw new RegistryError('INVALID_STATE', `query ${q.id} is already open`);
    if (r.assignee) await checkAssignee(trx, r.assignee, q.site_id);
    const now = deps.clock();
    const assignedTo = r.assignee === undefined ? q.assigned_to : r.assignee;
    await trx
      .updateTable('query')
      .set({ status: 'open', closed_by: null, closed_at: null, assigned_to: assignedTo })
      .where('id', '=', q.id)
      .execute();
    await addMessage(trx, q, 'reopen', actor.username, now, r.text);
    await auditQuery(trx, now, actor, 'query.reopen', q, q.status, {
      status: 'open',
      text: r.text,
      assigned_to: assignedTo,
    });
    return { id: q.id, status: 'open' };
  });
}

/**
 * Inside a lock or signature: refuses when any of the forms has a query that is not closed
 * (QUERY_OPEN, one issue per query naming its form and item).
 */
export async function refuseUnclosedQueries(
  trx: Transaction<Database>,
  rows: readonly ResponseRow[],
  what: 'locked' | 'signed',
): Promise<void> {
  if (rows.length === 0) return;
  const open = await trx
    .selectFrom('query')
    .select(['id', 'response_id', 'item', 'status', 'study_id'])
    .where(
      'response_id',
      'in',
      rows.map((r) => r.id),
    )
    .where('status', '!=', 'closed')
    .orderBy('id')
    .execute();
  if (open.length === 0) return;
  const first = open[0]!;
  const form = rows.find((r) => r.id === first.response_id)!;
  throw new RegistryError(
    'QUERY_OPEN',
    `${form.study_id} ${form.instrument} at ${form.visit} has an ${first.status} query on ${first.item} (query ${first.id})${
      open.length > 1 ? ` and ${open.length - 1} more` : ''
    }; close ${open.length > 1 ? 'them' : 'it'} before the form is ${what}`,
    open.map((o) => ({
      path: ['responses', o.response_id, o.item],
      code: 'query_open',
      message: `${o.item}: query ${o.id} is ${o.status}`,
    })),
  );
}

// src/registry/views/worklists.ts reads queriesFor from here; it is defined in query-views.ts.
export { queriesFor } from './query-views.js';
