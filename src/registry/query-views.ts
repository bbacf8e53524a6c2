import { z } from 'zod';
import type { QueryStatus } from '../store/index.js';
import type { Actor, RegistryDeps } from './context.js';
import { parseInput, ROW_ID } from './parse-input.js';
import { requireScope, siteFilter } from './scope.js';

/* Queries as read back (issue 8 §3.8): the list, the worklist "assigned to me", each with its thread. */

export interface QueryMessageView {
  kind: 'raise' | 'answer' | 'close' | 'reopen';
  author: string;
  /** UTC, ISO 8601. */
  at: string;
  text: string;
  responseVersion: number | null;
}

export interface QueryView {
  id: number;
  siteId: string;
  studyId: string;
  responseId: number;
  visit: string;
  instrument: string;
  instance: number;
  item: string;
  status: QueryStatus;
  raisedBy: string;
  raisedAt: string;
  assignedTo: string | null;
  messages: QueryMessageView[];
}

const FILTER = z.object({
  status: z.array(z.enum(['open', 'answered', 'closed'])).optional(),
  studyId: z.string().min(1).optional(),
  queryId: ROW_ID.optional(),
  responseId: ROW_ID.optional(),
  siteId: z.string().min(1).optional(),
  /** The actor's worklist: see queriesFor. */
  mine: z.boolean().optional(),
  limit: z.number().int().min(1).max(1000).default(200),
});

export type QueryFilter = z.input<typeof FILTER>;

/**
 * Queries the actor may read (data.read scope: site staff their site, the monitor every site),
 * newest first, each with its thread. `mine` is the worklist "assigned to me": for site staff, the
 * open queries of their site assigned to them or to nobody (an unassigned query is the whole site's
 * work); for a monitor, the answered queries they raised (waiting for them to close or reopen).
 */
export async function queriesFor(
  deps: RegistryDeps,
  actor: Actor,
  filter: QueryFilter = {},
): Promise<QueryView[]> {
  const sites = siteFilter(requireScope(actor, 'data.read'));
  const f = parseInput(FILTER, filter);
  let q = deps.db
    .selectFrom('query as q')
    .innerJoin('response as r', 'r.id', 'q.response_id')
    .select([
      'q.id',
      'q.site_id',
      'q.study_id',
      'q.response_id',
      'q.item',
      'q.status',
      'q.raised_by',
      'q.raised_at',
      'q.assigned_to',
      'r.visit',
      'r.instrument',
      'r.instance',
    ]);
  if (sites) q = q.where('q.site_id', 'in', sites);
  if (f.siteId) q = q.where('q.site_id', '=', f.siteId);
  if (f.studyId) q = q.where('q.study_id', '=', f.studyId);
  if (f.queryId) q = q.where('q.id', '=', f.queryId);
  if (f.responseId) q = q.where('q.response_id', '=', f.responseId);
  if (f.status) q = q.where('q.status', 'in', f.status);
  if (f.mine) {
    if (actor.role === 'monitor') {
      q = q.where('q.status', '=', 'answered').where('q.raised_by', '=', actor.username);
    } else {
      q = q
        .where('q.status', '=', 'open')
        .where((eb) => eb.or([eb('q.assigned_to', '=', actor.username), eb('q.assigned_to', 'is', null)]));
    }
  }
  const rows = await q.orderBy('q.id', 'desc').limit(f.limit).execute();
  if (rows.length === 0) return [];
  const messages = await deps.db
    .selectFrom('query_message')
    .selectAll()
    .where(
      'query_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('id')
    .execute();
  const thread = new Map<number, QueryMessageView[]>();
  for (const m of messages) {
    const list = thread.get(m.query_id) ?? [];
    list.push({
      kind: m.kind,
      author: m.author,
      at: m.at.toISOString(),
      text: m.text,
      responseVersion: m.response_version,
    });
    thread.set(m.query_id, list);
  }
  return rows.map((r) => ({
    id: r.id,
    siteId: r.site_id,
    studyId: r.study_id,
    responseId: r.response_id,
    visit: r.visit,
    instrument: r.instrument,
    instance: r.instance,
    item: r.item,
    status: r.status,
    raisedBy: r.raised_by,
    raisedAt: r.raised_at.toISOString(),
    assignedTo: r.assigned_to,
    messages: thread.get(r.id) ?? [],
  }));
}
