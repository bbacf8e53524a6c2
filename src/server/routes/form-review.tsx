import { RegistryError } from '../../errors.js';
import { getInstrument, MAX_INT4 } from '../../instruments/index.js';
import {
  type Actor,
  lockResponse,
  markSdv,
  queriesFor,
  raiseQuery,
  readResponse,
  SIGNATURE_MEANING,
  sdvStatus,
  signaturesFor,
  signResponse,
  unlockResponse,
} from '../../registry/index.js';
import { inScope, scopeFor } from '../../registry/scope.js';
import { formTitle } from '../../web/forms/form-title.js';
import { ReviewPage } from '../../web/workflow/review-page.js';
import type { AppDeps } from '../deps.js';
import { field, renderPage } from '../render.js';
import { type RouteTable, userOf } from '../router.js';
import {
  type Ctx,
  type Failed,
  type FormValues,
  INVESTIGATOR,
  idParam,
  intOf,
  list,
  MONITOR,
  READERS,
  recordStep,
  versionOf,
  visitLabelsOf,
} from './workflow-steps.js';

/*
 * One form's review (issue 8 §3.9–3.11): its signatures, SDV and queries; sign with the password,
 * lock and unlock with a reason, mark SDV, raise a query.
 */

const formUrlOf = (r: { studyId: string; visit: string; instrument: string; instance: number }) =>
  `/subjects/${encodeURIComponent(r.studyId)}/visits/${encodeURIComponent(r.visit)}/forms/${encodeURIComponent(r.instrument)}/${r.instance}`;

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
  const title = formTitle(def, response.instance);
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

/** A review step, posted from the form's review page. */
function reviewStep(
  deps: AppDeps,
  form: string,
  fields: readonly string[],
  done: string,
  run: (actor: Actor, id: number, values: FormValues) => Promise<unknown>,
) {
  return recordStep(
    {
      param: 'responseId',
      notFound: 'RESPONSE_NOT_FOUND',
      read: (actor, id) => readResponse(deps.registry, actor, id),
      render: (c, id, extra) => renderReview(c, deps, id, extra),
      url: (id) => `/forms/${id}`,
    },
    form,
    fields,
    done,
    run,
  );
}

/** One form's review pages and steps (docs/workflow.md). */
export function formReviewRoutes(routes: RouteTable, deps: AppDeps): void {
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
        version: versionOf(values),
        password: field(values, 'password'),
      }),
    ),
  );

  // Lock and unlock take the same form (the version and a reason) and differ only in the use case.
  for (const [step, done, change] of [
    ['lock', 'locked', lockResponse],
    ['unlock', 'unlocked', unlockResponse],
  ] as const) {
    routes.post(
      `/forms/:responseId/${step}`,
      INVESTIGATOR,
      reviewStep(deps, 'lock', ['reason'], done, (actor, id, values) =>
        change(deps.registry, actor, { id, version: versionOf(values), reason: field(values, 'reason') }),
      ),
    );
  }

  routes.post(
    '/forms/:responseId/sdv',
    MONITOR,
    reviewStep(deps, 'sdv', ['items'], 'verified', (actor, id, values) => {
      const items = list(values, 'items');
      return markSdv(deps.registry, actor, {
        forms: [{ id, version: versionOf(values), ...(items.length ? { items } : {}) }],
      });
    }),
  );
}
