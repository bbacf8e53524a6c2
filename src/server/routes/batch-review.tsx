import {
  type Actor,
  lockVisit,
  markSdv,
  SIGNATURE_MEANING,
  sdvStatus,
  signVisit,
} from '../../registry/index.js';
import { scopeFor } from '../../registry/scope.js';
import type { formIssues } from '../../web/admin/form.js';
import { counted } from '../../web/plural.js';
import { BatchPage, type BatchRow } from '../../web/workflow/batch-page.js';
import type { AppDeps } from '../deps.js';
import { field, formOf, renderPage } from '../render.js';
import { type RouteTable, userOf } from '../router.js';
import {
  attempt,
  type Ctx,
  type FormValues,
  INVESTIGATOR,
  intOf,
  list,
  MONITOR,
  refusal,
} from './workflow-steps.js';

/*
 * One visit across subjects (issue 8 §3.9–3.10): the investigator signs or locks every form of the
 * visit for the subjects chosen, the monitor marks SDV on the forms chosen.
 */

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

/**
 * A step on one visit's forms: the use case runs and says what it did (the notice shown on the
 * page again); a refusal is shown beside the form that sent it.
 */
function batchStep(
  deps: AppDeps,
  form: string,
  fields: readonly string[],
  run: (actor: Actor, values: FormValues) => Promise<string>,
) {
  return async (c: Ctx) => {
    const actor = userOf(c).actor;
    const values = await formOf(c);
    let notice = '';
    const error = await attempt(async () => {
      notice = await run(actor, values);
    });
    const visit = field(values, 'visit');
    if (error) {
      return renderBatch(c, deps, visit, refusal(error, form, fields));
    }
    return renderBatch(c, deps, visit, { notice });
  };
}

/** The visit and the subjects a bulk sign or lock names. */
const subjectsAt = (values: FormValues) => ({
  visit: field(values, 'visit'),
  studyIds: list(values, 'studyIds'),
});

/** The review of one visit across subjects, and its bulk steps (docs/workflow.md). */
export function batchReviewRoutes(routes: RouteTable, deps: AppDeps): void {
  routes.get('/review', ['investigator', 'monitor'], (c) => renderBatch(c, deps, c.req.query('visit') ?? ''));

  routes.post(
    '/review/sign',
    INVESTIGATOR,
    batchStep(deps, 'sign', ['password', 'studyIds'], async (actor, values) => {
      const { signed, alreadySigned } = await signVisit(deps.registry, actor, {
        ...subjectsAt(values),
        password: field(values, 'password'),
      });
      return `${counted(signed, 'form')} signed (${alreadySigned} already signed).`;
    }),
  );

  routes.post(
    '/review/lock',
    INVESTIGATOR,
    batchStep(deps, 'lock', ['reason', 'studyIds'], async (actor, values) => {
      const { locked, alreadyLocked } = await lockVisit(deps.registry, actor, {
        ...subjectsAt(values),
        reason: field(values, 'reason'),
      });
      return `${counted(locked, 'form')} locked (${alreadyLocked} already locked or signed).`;
    }),
  );

  routes.post(
    '/review/sdv',
    MONITOR,
    batchStep(deps, 'sdv', ['forms'], async (actor, values) => {
      // Each form ticked is sent as `id:version`.
      const forms = list(values, 'forms').map((f) => {
        const [id = '', version = ''] = f.split(':');
        return { id: intOf(id), version: intOf(version) };
      });
      const { marked } = await markSdv(deps.registry, actor, { forms });
      return `${counted(marked, 'form')} marked verified.`;
    }),
  );
}
