import type { Context } from 'hono';
import { ERROR_CODES, type Issue, RegistryError } from '../../errors.js';
import { getInstrument, MAX_INT4 } from '../../instruments/index.js';
import {
  type Actor,
  answerQuery,
  auditTrail,
  closeQuery,
  exportAuditCsv,
  lockResponse,
  lockVisit,
  markSdv,
  queriesFor,
  raiseQuery,
  readResponse,
  reopenQuery,
  SIGNATURE_MEANING,
  sdvStatus,
  signaturesFor,
  signResponse,
  signVisit,
  unlockResponse,
} from '../../registry/index.js';
import { inScope, scopeFor } from '../../registry/scope.js';
import { formIssues } from '../../web/admin/form.js';
import { counted } from '../../web/plural.js';
import { AuditPage } from '../../web/workflow/audit-page.js';
import { BatchPage, type BatchRow } from '../../web/workflow/batch-page.js';
import { QueriesPage, QueryPage } from '../../web/workflow/queries-page.js';
import { ReviewPage } from '../../web/workflow/review-page.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { field, formOf, renderPage } from '../render.js';
import { type RouteTable, userOf } from '../router.js';
import { streamed } from './reports.js';

/*
 * The clinical workflow's pages (issue 8 §3.8–3.11, docs/workflow.md): queries and their threads,
 * a form's review (signatures, SDV, queries; sign with the password, lock and unlock with a reason,
 * mark SDV, raise a query), one visit across subjects (bulk sign, lock, SDV), and the audit trail
 * viewer with its CSV export. Every step is a use case of src/registry, which checks role and site.
 */

const READERS = ['coordinator', 'investigator', 'monitor'] as const;
const SITE_STAFF = ['coordinator', 'investigator'] as const;
const MONITOR = ['monitor'] as const;
const INVESTIGATOR = ['investigator'] as const;
const AUDITORS = ['admin', 'monitor'] as const;

type Ctx = Context<AppEnv>;
type Failed = { form: string; issues: ReturnType<typeof formIssues>; values: Record<string, string> } | null;

/** A page status for a refusal that the page shows itself (the form re-rendered beside its issue). */
function statusOf(error: RegistryError): 409 | 422 {
  return ERROR_CODES[error.code] === 409 ? 409 : 422;
}

/** Refusals a workflow page shows in place; anything else goes to the app's error page. */
const SHOWN = new Set([
  'VALIDATION_FAILED',
  'PASSWORD_INCORRECT',
  'REASON_REQUIRED',
  'QUERY_OPEN',
  'VERSION_CONFLICT',
  'INVALID_STATE',
  'RESPONSE_LOCKED',
  'UNKNOWN_VISIT',
]);

/** Runs a step; a refusal the page shows comes back as the error, anything else is thrown. */
async function attempt(step: () => Promise<unknown>): Promise<RegistryError | null> {
  try {
    await step();
    return null;
  } catch (error) {
    if (error instanceof RegistryError && SHOWN.has(error.code)) return error;
    throw error;
  }
}

/** Whether the refusal names a field of the form (then it is shown there, not as one sentence). */
const onField = (error: RegistryError, fields: readonly string[]) =>
  error.issues.some((i) => fields.includes(String(i.path[0])));

/** The refusal's issues on the form's own fields. */
const fieldIssues = (error: RegistryError, fields: readonly string[]) =>
  formIssues(
    error.issues.filter((i) => fields.includes(String(i.path[0]))),
    fields,
  );

const intOf = (text: string) => (/^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : Number.NaN);

/** The id of the URL as a number, or "not found" (an id that cannot exist names no record). */
function idParam(c: Ctx, name: string, code: 'RESPONSE_NOT_FOUND' | 'QUERY_NOT_FOUND'): number {
  const id = intOf(c.req.param(name) ?? '');
  if (!Number.isSafeInteger(id)) {
    throw new RegistryError(
      code,
      `${code === 'QUERY_NOT_FOUND' ? 'query' : 'response'} ${c.req.param(name)} not found`,
    );
  }
  return id;
}

const formUrlOf = (r: { studyId: string; visit: string; instrument: string; instance: number }) =>
  `/subjects/${encodeURIComponent(r.studyId)}/visits/${encodeURIComponent(r.visit)}/forms/${encodeURIComponent(r.instrument)}/${r.instance}`;

/** The study definition's visit labels by code, for pages that name a visit. */
const visitLabelsOf = (deps: AppDeps) => new Map(deps.registry.protocol.visits.map((v) => [v.code, v.label]));

// ---------- one form's review ----------

async function renderReview(
  c: Ctx,
  deps: AppDeps,
  id: number,
  extra: { failed?: Failed; problem?: string | null; notice?: string | null; status?: 200 | 409 | 422 } = {},
) {
  const actor = userOf(c).actor;
  // readResponse is scoped: another site's form is "not found".
  const response = await readResponse(deps.registry, actor, id);
  const def = getInstrument(response.instrument);
  const [signatures, sdv, queries] = await Promise.all([
    signaturesFor(deps.registry, actor, [id]),
    sdvStatus(deps.registry, actor, [id]),
    queriesFor(deps.registry, actor, { responseId: id }),
  ]);
  const at = (permission: Parameters<typeof scopeFor>[1]) =>
    inScope(scopeFor(actor, permission), response.siteId);
  const entered = response.status !== 'draft';
  const title = def.repeating ? `${def.title} #${response.instance}` : def.title;
  return renderPage(
    c,
    `Review ${title} · ${response.studyId}`,
    <ReviewPage
      response={response}
      def={def}
      formUrl={formUrlOf(response)}
      visitLabel={visitLabelsOf(deps).get(response.visit) ?? response.visit}
      signatures={signatures.get(id) ?? []}
      sdv={sdv.get(id) ?? null}
      queries={queries}
      actions={{
        raise: entered && at('query.raise'),
        sign: at('response.sign') && (response.status === 'complete' || response.status === 'locked'),
        lock: at('response.lock') && response.status === 'complete',
        unlock: at('response.lock') && (response.status === 'locked' || response.status === 'signed'),
        sdv: entered && at('sdv.mark'),
      }}
      meaning={SIGNATURE_MEANING}
      failed={extra.failed ?? null}
      problem={extra.problem ?? null}
      notice={extra.notice ?? null}
    />,
    extra.status ?? 200,
  );
}

const REVIEW_NOTICES: Record<string, string> = {
  signed: 'The form is signed.',
  locked: 'The form is locked.',
  unlocked: 'The form is unlocked; its signature is void.',
  verified: 'Source data verification is recorded.',
  raised: 'The query is raised.',
};

/** A review step: the form must be readable first (else 404), then the use case decides. */
function reviewStep(
  deps: AppDeps,
  form: string,
  fields: readonly string[],
  done: string,
  run: (actor: Actor, id: number, values: Record<string, string | string[]>) => Promise<unknown>,
) {
  return async (c: Ctx) => {
    const actor = userOf(c).actor;
    const id = idParam(c, 'responseId', 'RESPONSE_NOT_FOUND');
    await readResponse(deps.registry, actor, id);
    const values = await formOf(c);
    const error = await attempt(() => run(actor, id, values));
    if (error) {
      const kept = Object.fromEntries(
        fields.filter((f) => f !== 'password').map((f) => [f, field(values, f)]),
      );
      return renderReview(c, deps, id, {
        failed: { form, issues: fieldIssues(error, fields), values: kept },
        problem: onField(error, fields) ? null : error.message,
        status: statusOf(error),
      });
    }
    return c.redirect(`/forms/${id}?done=${done}`, 303);
  };
}

// ---------- one visit across subjects ----------

async function renderBatch(
  c: Ctx,
  deps: AppDeps,
  visitCode: string,
  extra: {
    failed?: { form: string; issues: ReturnType<typeof formIssues> } | null;
    problem?: string | null;
    notice?: string | null;
    status?: 200 | 409 | 422;
  } = {},
) {
  const actor = userOf(c).actor;
  const visits = deps.registry.protocol.visits.map((v) => ({ code: v.code, label: v.label }));
  const visit = visits.some((v) => v.code === visitCode) ? visitCode : (visits[0]?.code ?? '');
  const scope = scopeFor(actor, 'data.read');
  let q = deps.registry.db
    .selectFrom('response')
    .select(['id', 'study_id', 'instrument', 'instance', 'status', 'version'])
    .where('visit', '=', visit)
    .orderBy('study_id')
    .orderBy('instrument')
    .orderBy('instance')
    .limit(2000);
  if (scope.kind === 'sites') q = q.where('site_id', 'in', scope.sites);
  if (scope.kind === 'none') q = q.where('site_id', '=', '');
  const forms = await q.execute();
  const ids = forms.map((f) => f.id);
  const [sdv, open] = await Promise.all([
    sdvStatus(deps.registry, actor, ids),
    ids.length === 0
      ? Promise.resolve([])
      : deps.registry.db
          .selectFrom('query')
          .select(['response_id'])
          .where('response_id', 'in', ids)
          .where('status', '!=', 'closed')
          .execute(),
  ]);
  const rows: BatchRow[] = forms.map((f) => ({
    responseId: f.id,
    studyId: f.study_id,
    instrument: f.instrument,
    instance: f.instance,
    status: f.status,
    version: f.version,
    sdv: sdv.get(f.id)?.status ?? 'not verified',
    openQueries: open.filter((o) => o.response_id === f.id).length,
  }));
  return renderPage(
    c,
    `Review ${visit}`,
    <BatchPage
      visits={visits}
      visit={visit}
      rows={rows}
      canSignLock={scopeFor(actor, 'response.sign').kind !== 'none'}
      canSdv={scopeFor(actor, 'sdv.mark').kind !== 'none'}
      meaning={SIGNATURE_MEANING}
      failed={extra.failed ?? null}
      problem={extra.problem ?? null}
      notice={extra.notice ?? null}
    />,
    extra.status ?? 200,
  );
}

const list = (values: Record<string, string | string[]>, name: string): string[] => {
  const v = values[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

function batchStep(
  deps: AppDeps,
  form: string,
  fields: readonly string[],
  done: (result: unknown) => string,
  run: (actor: Actor, values: Record<string, string | string[]>) => Promise<unknown>,
) {
  return async (c: Ctx) => {
    const actor = userOf(c).actor;
    const values = await formOf(c);
    let result: unknown;
    const error = await attempt(async () => {
      result = await run(actor, values);
    });
    const visit = field(values, 'visit');
    if (error) {
      return renderBatch(c, deps, visit, {
        failed: { form, issues: fieldIssues(error, fields) },
        problem: onField(error, fields) ? null : error.message,
        status: statusOf(error),
      });
    }
    return renderBatch(c, deps, visit, { notice: done(result) });
  };
}

// ---------- queries ----------

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

function queryStep(
  deps: AppDeps,
  form: string,
  fields: readonly string[],
  done: string,
  run: (actor: Actor, id: number, values: Record<string, string | string[]>) => Promise<unknown>,
) {
  return async (c: Ctx) => {
    const actor = userOf(c).actor;
    const id = idParam(c, 'queryId', 'QUERY_NOT_FOUND');
    const [query] = await queriesFor(deps.registry, actor, { queryId: id });
    if (!query) throw new RegistryError('QUERY_NOT_FOUND', `query ${id} not found`);
    const values = await formOf(c);
    const error = await attempt(() => run(actor, id, values));
    if (error) {
      const issues: Issue[] = error.issues.map((i) =>
        i.path[0] === 'answers' ? { ...i, path: ['value'] } : i,
      );
      const shown = new RegistryError(error.code, error.message, issues);
      return renderQuery(c, deps, id, {
        failed: {
          form,
          issues: fieldIssues(shown, fields),
          values: Object.fromEntries(fields.map((f) => [f, field(values, f)])),
        },
        problem: onField(shown, fields) ? null : error.message,
        status: statusOf(error),
      });
    }
    return c.redirect(`/queries/${id}?done=${done}`, 303);
  };
}

const QUERY_NOTICES: Record<string, string> = {
  answered: 'Your answer is sent.',
  closed: 'The query is closed.',
  reopened: 'The query is open again.',
};

// ---------- audit trail ----------

const AUDIT_FIELDS = ['subject', 'user', 'from', 'to', 'action'] as const;

function auditFilter(c: Ctx) {
  const filter = Object.fromEntries(AUDIT_FIELDS.map((f) => [f, (c.req.query(f) ?? '').trim()])) as Record<
    (typeof AUDIT_FIELDS)[number],
    string
  >;
  const given = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== ''));
  return { filter, given };
}

/** The clinical workflow's routes (docs/web.md, docs/workflow.md). */
export function workflowRoutes(routes: RouteTable, deps: AppDeps): void {
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
        amendment: { version: intOf(field(values, 'version')), value: typedValue(item?.type, value) },
      });
    }),
  );

  routes.post(
    '/queries/:queryId/close',
    MONITOR,
    queryStep(deps, 'close', ['text'], 'closed', (actor, id, values) =>
      closeQuery(deps.registry, actor, { queryId: id, text: field(values, 'text') }),
    ),
  );

  routes.post(
    '/queries/:queryId/reopen',
    MONITOR,
    queryStep(deps, 'reopen', ['text'], 'reopened', (actor, id, values) =>
      reopenQuery(deps.registry, actor, { queryId: id, text: field(values, 'text') }),
    ),
  );

  // From the form page (its URL names the form by subject, visit, instrument and instance).
  routes.get('/subjects/:studyId/visits/:visit/forms/:instrument/:instance/review', READERS, async (c) => {
    const actor = userOf(c).actor;
    const scope = scopeFor(actor, 'data.read');
    const instance = intOf(c.req.param('instance') ?? '');
    const row = await deps.registry.db
      .selectFrom('response')
      .select(['id', 'site_id'])
      .where('study_id', '=', c.req.param('studyId') ?? '')
      .where('visit', '=', c.req.param('visit') ?? '')
      .where('instrument', '=', c.req.param('instrument') ?? '')
      .where('instance', '=', instance >= 1 && instance <= MAX_INT4 ? instance : 0)
      .executeTakeFirst();
    if (!row || !inScope(scope, row.site_id)) {
      throw new RegistryError('RESPONSE_NOT_FOUND', 'this form is not recorded, or not yours to see');
    }
    return c.redirect(`/forms/${row.id}`, 303);
  });

  routes.get('/forms/:responseId', READERS, (c) =>
    renderReview(c, deps, idParam(c, 'responseId', 'RESPONSE_NOT_FOUND'), {
      notice: REVIEW_NOTICES[c.req.query('done') ?? ''] ?? null,
    }),
  );

  routes.post(
    '/forms/:responseId/queries',
    MONITOR,
    reviewStep(deps, 'raise', ['item', 'text', 'assignee'], 'raised', (actor, id, values) => {
      const assignee = field(values, 'assignee').trim();
      return raiseQuery(deps.registry, actor, {
        responseId: id,
        item: field(values, 'item'),
        text: field(values, 'text'),
        ...(assignee ? { assignee } : {}),
      });
    }),
  );

  routes.post(
    '/forms/:responseId/sign',
    INVESTIGATOR,
    reviewStep(deps, 'sign', ['password'], 'signed', (actor, id, values) =>
      signResponse(deps.registry, actor, {
        id,
        version: intOf(field(values, 'version')),
        password: field(values, 'password'),
      }),
    ),
  );

  routes.post(
    '/forms/:responseId/lock',
    INVESTIGATOR,
    reviewStep(deps, 'lock', ['reason'], 'locked', (actor, id, values) =>
      lockResponse(deps.registry, actor, {
        id,
        version: intOf(field(values, 'version')),
        reason: field(values, 'reason'),
      }),
    ),
  );

  routes.post(
    '/forms/:responseId/unlock',
    INVESTIGATOR,
    reviewStep(deps, 'lock', ['reason'], 'unlocked', (actor, id, values) =>
      unlockResponse(deps.registry, actor, {
        id,
        version: intOf(field(values, 'version')),
        reason: field(values, 'reason'),
      }),
    ),
  );

  routes.post(
    '/forms/:responseId/sdv',
    MONITOR,
    reviewStep(deps, 'sdv', ['items'], 'verified', (actor, id, values) => {
      const items = list(values, 'items');
      return markSdv(deps.registry, actor, {
        forms: [{ id, version: intOf(field(values, 'version')), ...(items.length ? { items } : {}) }],
      });
    }),
  );

  routes.get('/review', ['investigator', 'monitor'], (c) => renderBatch(c, deps, c.req.query('visit') ?? ''));

  routes.post(
    '/review/sign',
    INVESTIGATOR,
    batchStep(
      deps,
      'sign',
      ['password', 'studyIds'],
      (r) => {
        const { signed, alreadySigned } = r as { signed: number; alreadySigned: number };
        return `${counted(signed, 'form')} signed (${alreadySigned} already signed).`;
      },
      (actor, values) =>
        signVisit(deps.registry, actor, {
          visit: field(values, 'visit'),
          studyIds: list(values, 'studyIds'),
          password: field(values, 'password'),
        }),
    ),
  );

  routes.post(
    '/review/lock',
    INVESTIGATOR,
    batchStep(
      deps,
      'lock',
      ['reason', 'studyIds'],
      (r) => {
        const { locked, alreadyLocked } = r as { locked: number; alreadyLocked: number };
        return `${counted(locked, 'form')} locked (${alreadyLocked} already locked or signed).`;
      },
      (actor, values) =>
        lockVisit(deps.registry, actor, {
          visit: field(values, 'visit'),
          studyIds: list(values, 'studyIds'),
          reason: field(values, 'reason'),
        }),
    ),
  );

  routes.post(
    '/review/sdv',
    MONITOR,
    batchStep(
      deps,
      'sdv',
      ['forms'],
      (r) => {
        const { marked } = r as { marked: number };
        return `${counted(marked, 'form')} marked verified.`;
      },
      (actor, values) =>
        markSdv(deps.registry, actor, {
          forms: list(values, 'forms').map((f) => {
            const [id = '', version = ''] = f.split(':');
            return { id: intOf(id), version: intOf(version) };
          }),
        }),
    ),
  );

  routes.get('/audit', AUDITORS, async (c) => {
    const actor = userOf(c).actor;
    const { filter, given } = auditFilter(c);
    const before = intOf(c.req.query('before') ?? '');
    const query = new URLSearchParams(given).toString();
    try {
      const page = await auditTrail(deps.registry, actor, {
        ...given,
        ...(Number.isSafeInteger(before) ? { before } : {}),
      });
      const next = page.next
        ? `/audit?${new URLSearchParams({ ...given, before: String(page.next) })}`
        : null;
      return renderPage(
        c,
        'Audit trail',
        <AuditPage
          filter={filter}
          entries={page.entries}
          next={next}
          csv={`/audit.csv${query ? `?${query}` : ''}`}
          issues={undefined}
        />,
      );
    } catch (error) {
      if (!(error instanceof RegistryError) || error.code !== 'VALIDATION_FAILED') throw error;
      return renderPage(
        c,
        'Audit trail',
        <AuditPage
          filter={filter}
          entries={[]}
          next={null}
          csv="/audit.csv"
          issues={formIssues(error.issues, AUDIT_FIELDS)}
        />,
        422,
      );
    }
  });

  routes.get('/audit.csv', AUDITORS, (c) => {
    const actor = userOf(c).actor;
    const { given } = auditFilter(c);
    return streamed(
      deps,
      c,
      {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="audit-${deps.registry.clock().toISOString().slice(0, 10)}.csv"`,
      },
      (write) => exportAuditCsv(deps.registry, actor, given, write),
    );
  });
}
