import type { Context } from 'hono';
import type { Issue } from '../../errors.js';
import { RegistryError } from '../../errors.js';
import { subjectInstrument } from '../../protocol/index.js';
import { enrolSubject, withdrawSubject } from '../../registry/index.js';
import { subjectView } from '../../registry/views/index.js';
import { missingField } from '../../web/forms/form-values.js';
import {
  EnrolPage,
  enrolItems,
  IDENTITY_FIELDS,
  identityFieldId,
  itemFieldId,
} from '../../web/subjects/enrol-page.js';
import type { FieldIssue } from '../../web/subjects/field-issues.js';
import { fieldSentence, plainMessage } from '../../web/subjects/field-issues.js';
import { SubjectPage, type WithdrawState } from '../../web/subjects/subject-page.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { field, formOf, renderPage } from '../render.js';
import { type RouteTable, userOf } from '../router.js';

const SITE_STAFF = ['coordinator', 'investigator'] as const;

/**
 * The subject page as the signed-in user may see it: the view decides scope (another site's subject
 * is SUBJECT_NOT_FOUND, a 404) and identifiers (own site staff only, read as an audit event).
 */
async function subjectPage(
  c: Context<AppEnv>,
  deps: AppDeps,
  studyId: string,
  extra: { notice?: 'enrolled' | null; withdraw?: WithdrawState },
  status: 200 | 422 = 200,
): Promise<Response> {
  const actor = userOf(c).actor;
  const view = await subjectView(deps.registry, actor, studyId);
  return renderPage(
    c,
    `Participant ${view.studyId}`,
    <SubjectPage
      view={view}
      protocol={deps.registry.protocol}
      canWithdraw={(SITE_STAFF as readonly string[]).includes(actor.role)}
      notice={extra.notice ?? null}
      withdraw={extra.withdraw ?? null}
      today={deps.registry.clock().toISOString().slice(0, 10)}
    />,
    status,
  );
}

/** The enrolment use case's issues placed on the enrolment form's fields. */
function enrolIssues(
  issues: readonly Issue[],
  items: ReadonlyMap<string, string>,
  defId: string,
): FieldIssue[] {
  return issues.map((i) => {
    const [head, sub] = i.path.map(String);
    if (head === 'identity' && sub !== undefined) {
      const f = IDENTITY_FIELDS.find((x) => x.name === sub);
      return {
        fieldId: f ? identityFieldId(sub) : null,
        label: f?.label ?? 'Identifiers',
        message: fieldSentence(
          f?.label ?? 'Identifiers',
          plainMessage(i, [`identity.${sub}: `, `identity.${sub} `]),
        ),
      };
    }
    const item = head === 'answers' ? sub : head;
    const label = item === undefined ? undefined : items.get(item);
    if (item !== undefined && label !== undefined) {
      return {
        fieldId: itemFieldId(item),
        label,
        message: fieldSentence(
          label,
          plainMessage(i, [`${defId} ${item} `, `answers.${item}: `, `${defId} `]),
        ),
      };
    }
    return { fieldId: null, label: 'Enrolment', message: i.message };
  });
}

/** Enrolment, the subject page and withdrawal (docs/web.md). */
export function subjectRoutes(routes: RouteTable, deps: AppDeps): void {
  const { def } = subjectInstrument(deps.registry.protocol);
  const items = new Map(enrolItems(def).map((i) => [i.id, i.label]));

  routes.get('/subjects/new', SITE_STAFF, (c) => {
    const siteId = userOf(c).actor.siteId ?? '';
    return renderPage(
      c,
      'Enrol a participant',
      <EnrolPage siteId={siteId} def={def} values={{}} issues={[]} />,
    );
  });

  routes.post('/subjects/new', SITE_STAFF, async (c) => {
    const actor = userOf(c).actor;
    const form = await formOf(c);
    const values: Record<string, string> = {};
    const identity: Record<string, string> = {};
    const answers: Record<string, string> = {};
    const missing: Record<string, string> = {};
    for (const f of IDENTITY_FIELDS) {
      const v = field(form, `identity.${f.name}`);
      values[`identity.${f.name}`] = v;
      // A blank field is not given (an empty e-mail is no e-mail, not an invalid one).
      if (v.trim() !== '') identity[f.name] = v;
    }
    for (const id of items.keys()) {
      const v = field(form, `item.${id}`);
      values[`item.${id}`] = v;
      if (v.trim() !== '') answers[id] = v;
      // Its missing-data code (docs/web.md "Missing-data codes"); the use case checks it.
      const code = field(form, missingField(id));
      values[missingField(id)] = code;
      if (code !== '') missing[id] = code;
    }
    try {
      const { studyId } = await enrolSubject(deps.registry, actor, {
        siteId: actor.siteId ?? '',
        answers,
        missing,
        identity,
      });
      return c.redirect(`/subjects/${encodeURIComponent(studyId)}?enrolled=1`, 303);
    } catch (error) {
      if (!(error instanceof RegistryError) || error.code !== 'VALIDATION_FAILED') throw error;
      const issues =
        error.issues.length > 0 ? error.issues : [{ path: [], code: 'invalid', message: error.message }];
      return renderPage(
        c,
        'Enrol a participant',
        <EnrolPage
          siteId={actor.siteId ?? ''}
          def={def}
          values={values}
          issues={enrolIssues(issues, items, def.id)}
        />,
        422,
      );
    }
  });

  routes.get('/subjects/:studyId', [...SITE_STAFF, 'monitor'], (c) =>
    subjectPage(c, deps, c.req.param('studyId') ?? '', {
      notice: c.req.query('enrolled') ? 'enrolled' : null,
    }),
  );

  routes.post('/subjects/:studyId/withdraw', SITE_STAFF, async (c) => {
    const studyId = c.req.param('studyId') ?? '';
    const form = await formOf(c);
    const input = {
      studyId,
      date: field(form, 'date'),
      status: field(form, 'status') as 'withdrawn' | 'lost_to_follow_up' | 'died',
      reason: field(form, 'reason'),
    };
    try {
      await withdrawSubject(deps.registry, userOf(c).actor, input);
    } catch (error) {
      if (!(error instanceof RegistryError) || error.code !== 'VALIDATION_FAILED') throw error;
      return subjectPage(c, deps, studyId, { withdraw: { values: input, issues: error.issues } }, 422);
    }
    return c.redirect(`/subjects/${encodeURIComponent(studyId)}`, 303);
  });
}
