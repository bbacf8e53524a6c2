import { RegistryError } from '../../errors.js';
import { getInstrument } from '../../instruments/index.js';
import {
  type Actor,
  answerQuery,
  closeQuery,
  queriesFor,
  readResponse,
  reopenQuery,
} from '../../registry/index.js';
import { inScope, scopeFor } from '../../registry/scope.js';
import { QueriesPage, QueryPage } from '../../web/workflow/queries-page.js';
import type { AppDeps } from '../deps.js';
import { field, renderPage } from '../render.js';
import { type RouteTable, userOf } from '../router.js';
import {
  type Ctx,
  type Failed,
  type FormValues,
  idParam,
  MONITOR,
  READERS,
  recordStep,
  SITE_STAFF,
  versionOf,
  visitLabelsOf,
} from './workflow-steps.js';

/* Queries (issue 8 §3.8): the list, one query's thread, and its answer, close and reopen steps. */

async function renderQuery(
  c: Ctx,
  deps: AppDeps,
  id: number,
  extra: { failed?: Failed; problem?: string | null; notice?: string | null; status?: 200 | 409 | 422 } = {},
) {
  const actor = userOf(c).actor;
  const [query] = await queriesFor(deps.registry, actor, { queryId: id });
  if (!query) throw new RegistryError('QUERY_NOT_FOUND', `query ${id} not found`);
  const response = await readResponse(deps.registry, actor, query.responseId);
  const value = response.answers[query.item];
  const site = (p: Parameters<typeof scopeFor>[1]) => inScope(scopeFor(actor, p), query.siteId);
  return renderPage(
    c,
    `Query ${id} · ${query.studyId}`,
    <QueryPage
      query={query}
      visitLabels={visitLabelsOf(deps)}
      currentValue={value === undefined || value === null ? '(blank)' : String(value)}
      version={response.version}
      actions={{
        answer: query.status === 'open' && site('query.answer'),
        close: query.status !== 'closed' && site('query.close'),
        reopen: query.status !== 'open' && site('query.close'),
      }}
      failed={extra.failed ?? null}
      problem={extra.problem ?? null}
      notice={extra.notice ?? null}
    />,
    extra.status ?? 200,
  );
}

/** A typed answer value: a number where the item is numeric, else the text as typed. */
function typedValue(itemType: string | undefined, text: string): unknown {
  if (itemType === 'integer' || itemType === 'decimal') {
    return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text;
  }
  if (itemType === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}

/** A step on a query, posted from its page; an amendment's issue (on `answers`) is shown beside the value field. */
function queryStep(
  deps: AppDeps,
  form: string,
  fields: readonly string[],
  done: string,
  run: (actor: Actor, id: number, values: FormValues) => Promise<unknown>,
) {
  return recordStep(
    {
      param: 'queryId',
      notFound: 'QUERY_NOT_FOUND',
      read: async (actor, id) => {
        const [query] = await queriesFor(deps.registry, actor, { queryId: id });
        if (!query) throw new RegistryError('QUERY_NOT_FOUND', `query ${id} not found`);
      },
      render: (c, id, extra) => renderQuery(c, deps, id, extra),
      url: (id) => `/queries/${id}`,
      fieldOf: { answers: 'value' },
    },
    form,
    fields,
    done,
    run,
  );
}

const QUERY_NOTICES: Record<string, string> = {
  answered: 'Your answer is sent.',
  closed: 'The query is closed.',
  reopened: 'The query is open again.',
};

/** The queries pages and steps (docs/workflow.md). */
export function queryRoutes(routes: RouteTable, deps: AppDeps): void {
  routes.get('/queries', READERS, async (c) => {
    const actor = userOf(c).actor;
    const status = c.req.query('status') ?? '';
    const mine = c.req.query('mine') === '1';
    const queries = await queriesFor(deps.registry, actor, {
      ...(['open', 'answered', 'closed'].includes(status)
        ? { status: [status as 'open' | 'answered' | 'closed'] }
        : {}),
      mine,
    });
    return renderPage(
      c,
      'Queries',
      <QueriesPage
        queries={queries}
        status={status}
        mine={mine}
        mineLabel={
          actor.role === 'monitor'
            ? 'Only answered queries I raised (mine to close or reopen)'
            : 'Only open queries assigned to me or to my site'
        }
        visitLabels={visitLabelsOf(deps)}
      />,
    );
  });

  routes.get('/queries/:queryId', READERS, (c) =>
    renderQuery(c, deps, idParam(c, 'queryId', 'QUERY_NOT_FOUND'), {
      notice: QUERY_NOTICES[c.req.query('done') ?? ''] ?? null,
    }),
  );

  routes.post(
    '/queries/:queryId/answer',
    SITE_STAFF,
    queryStep(deps, 'answer', ['text', 'value'], 'answered', async (actor, id, values) => {
      const text = field(values, 'text');
      const value = field(values, 'value').trim();
      if (value === '') return answerQuery(deps.registry, actor, { queryId: id, text });
      const [query] = await queriesFor(deps.registry, actor, { queryId: id });
      const item = getInstrument(query!.instrument).items.find((i) => i.id === query!.item);
      return answerQuery(deps.registry, actor, {
        queryId: id,
        text,
        amendment: { version: versionOf(values), value: typedValue(item?.type, value) },
      });
    }),
  );

  // Close and reopen take the same form (a text) and differ only in the use case.
  for (const [step, done, change] of [
    ['close', 'closed', closeQuery],
    ['reopen', 'reopened', reopenQuery],
  ] as const) {
    routes.post(
      `/queries/:queryId/${step}`,
      MONITOR,
      queryStep(deps, step, ['text'], done, (actor, id, values) =>
        change(deps.registry, actor, { queryId: id, text: field(values, 'text') }),
      ),
    );
  }
}
