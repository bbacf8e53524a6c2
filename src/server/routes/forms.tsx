import { type Issue, RegistryError } from '../../errors.js';
import { type InstrumentDef, MISSING_CODES, storedMissing } from '../../instruments/index.js';
import {
  amendResponse,
  discardDraft,
  readResponse,
  recordResponse,
  responseHistory,
  STATUS_ITEM,
} from '../../registry/index.js';
import { type FormConflict, FormPage, type FormResponse } from '../../web/forms/form-page.js';
import { formTitle } from '../../web/forms/form-title.js';
import {
  EMPTY_VALUES,
  type FormValues,
  shownValue,
  valuesFromForm,
  valuesFromStored,
} from '../../web/forms/form-values.js';
import { HistoryPage } from '../../web/forms/history-page.js';
import { liveScoreFor } from '../../web/forms/live-scores.js';
import type { AppDeps } from '../deps.js';
import { errorPage, field, formOf, jsonScript, renderPage } from '../render.js';
import { type RouteTable, userOf } from '../router.js';
import {
  type Ctx,
  FORM_PATH,
  findResponse,
  notFound,
  placement,
  READERS,
  subjectSite,
  visitOf,
  WRITERS,
  writesAt,
} from './form-lookup.js';
import { visitRoutes } from './visit-routes.js';

/* Data entry (issue 8 §3.3–3.5): one form generated from its instrument, saved, amended, its history. */

/** Everything a form page shows for one form, read afresh. */
async function loadForm(c: Ctx, deps: AppDeps) {
  const actor = userOf(c).actor;
  const studyId = c.req.param('studyId') ?? '';
  const siteId = await subjectSite(deps.registry, actor, studyId);
  const visit = visitOf(deps.registry, c.req.param('visit') ?? '');
  const { def, instance } = placement(
    deps.registry,
    visit.code,
    c.req.param('instrument') ?? '',
    c.req.param('instance') ?? '',
  );
  const found = await findResponse(deps.registry, {
    studyId,
    visit: visit.code,
    instrument: def.id,
    instance,
  });
  const stored = found ? await readResponse(deps.registry, actor, found.id) : null;
  const missing = storedMissing(found?.missing);
  const response: FormResponse | null = stored
    ? {
        status: stored.status,
        version: stored.version,
        enteredBy: stored.enteredBy,
        patientEntered: stored.enteredByKind === 'patient',
        updatedAt: stored.updatedAt,
        scores: stored.scores,
        lockedBy: stored.lockedBy,
        signature: stored.signature,
      }
    : null;
  const url = `/subjects/${encodeURIComponent(studyId)}/visits/${encodeURIComponent(visit.code)}/forms/${encodeURIComponent(def.id)}/${instance}`;
  return {
    actor,
    studyId,
    siteId,
    visit,
    def,
    instance,
    id: found?.id ?? null,
    stored,
    response,
    values: stored ? valuesFromStored(def, stored.answers, missing) : EMPTY_VALUES,
    url,
  };
}

type LoadedForm = Awaited<ReturnType<typeof loadForm>>;

function renderForm(
  c: Ctx,
  deps: AppDeps,
  f: LoadedForm,
  extra: {
    values?: FormValues;
    issues?: readonly Issue[];
    problem?: string | null;
    conflict?: FormConflict | null;
    notice?: string | null;
    status?: 200 | 409 | 422;
  } = {},
) {
  const live = liveScoreFor(f.def, deps.registry.protocol.rules);
  const status = f.response?.status;
  const editable = writesAt(f.actor, f.siteId) && status !== 'locked' && status !== 'signed';
  const title = formTitle(f.def, f.instance);
  return renderPage(
    c,
    `${title} · ${f.studyId}`,
    <FormPage
      studyId={f.studyId}
      visit={{ code: f.visit.code, label: f.visit.label }}
      def={f.def}
      instance={f.instance}
      response={f.response}
      values={editable ? (extra.values ?? f.values) : f.values}
      issues={extra.issues ?? []}
      problem={extra.problem ?? null}
      conflict={extra.conflict ?? null}
      notice={extra.notice ?? null}
      editable={editable}
      live={live}
      liveJson={live ? jsonScript(live) : undefined}
      codes={MISSING_CODES}
      fixed={new Set(f.def.createsSubject ? Object.values(f.def.createsSubject) : [])}
      url={f.url}
    />,
    extra.status ?? 200,
  );
}

/** Text of a field value for comparison: trimmed, a list sorted (order of ticks does not matter). */
function comparable(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value)
    ? [...value]
        .map((v) => v.trim())
        .sort()
        .join('|')
    : value.trim();
}

/** Per item, the saved value (theirs) and the typed one (yours), where they differ. */
function conflictRows(def: InstrumentDef, saved: FormValues, yours: FormValues): FormConflict['rows'] {
  const codeLabel = (code: string | undefined) =>
    code ? `missing: ${MISSING_CODES.find((m) => m.code === code)?.label ?? code}` : undefined;
  return def.items.flatMap((item) => {
    const theirs = comparable(saved.answers[item.id]) + (saved.missing[item.id] ?? '');
    const mine = comparable(yours.answers[item.id]) + (yours.missing[item.id] ?? '');
    if (theirs === mine) return [];
    return [
      {
        item: item.id,
        label: item.label,
        theirs: codeLabel(saved.missing[item.id]) ?? shownValue(item, saved.answers[item.id]),
        yours: codeLabel(yours.missing[item.id]) ?? shownValue(item, yours.answers[item.id]),
      },
    ];
  });
}

const SAVED: Record<string, string> = {
  draft: 'Draft saved.',
  complete: 'Saved. The scores below are the ones the registry computed.',
};

/** Saves one form: records it the first time, then amends it (version and, once complete, a reason). */
async function saveForm(c: Ctx, deps: AppDeps) {
  const f = await loadForm(c, deps);
  const form = await formOf(c);
  const values = valuesFromForm(f.def, form);
  if (!writesAt(f.actor, f.siteId)) throw notFound(`subject ${f.studyId}`);
  const action = field(form, 'action') === 'draft' ? 'draft' : 'complete';
  const versionText = field(form, 'version');
  try {
    if (f.id === null) {
      await recordResponse(deps.registry, f.actor, {
        studyId: f.studyId,
        visit: f.visit.code,
        instrument: f.def.id,
        instance: f.instance,
        answers: values.answers,
        missing: values.missing,
        status: action,
      });
    } else {
      if (!/^[1-9][0-9]{0,9}$/.test(versionText)) {
        // The page was loaded before anyone recorded the form: someone else saved it first.
        throw new RegistryError(
          'VERSION_CONFLICT',
          `this form was recorded by ${f.response?.enteredBy ?? 'someone else'} since you opened it; your values are kept: compare them with the saved ones and save again`,
        );
      }
      await amendResponse(deps.registry, f.actor, {
        id: f.id,
        version: Number(versionText),
        answers: values.answers,
        missing: values.missing,
        status: f.response?.status === 'complete' ? 'complete' : action,
        ...(values.reason.trim() ? { reason: values.reason } : {}),
      });
    }
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    switch (error.code) {
      case 'VALIDATION_FAILED':
      case 'REASON_REQUIRED':
      case 'UNKNOWN_DRUG':
        return renderForm(c, deps, f, {
          values,
          issues: error.issues,
          problem: error.issues.length ? null : error.message,
          status: 422,
        });
      case 'VERSION_CONFLICT':
      case 'RESPONSE_EXISTS': {
        const fresh = await loadForm(c, deps);
        return renderForm(c, deps, fresh, {
          values,
          conflict: { message: error.message, rows: conflictRows(fresh.def, fresh.values, values) },
          status: 409,
        });
      }
      case 'RESPONSE_LOCKED':
      case 'INVALID_STATE':
        return renderForm(c, deps, await loadForm(c, deps), { values, problem: error.message, status: 409 });
      default:
        throw error;
    }
  }
  return c.redirect(`${f.url}?saved=${action}`, 303);
}

/** Data entry: the visit page (its date and forms), one form generated from its instrument, its history. */
export function formRoutes(routes: RouteTable, deps: AppDeps): void {
  visitRoutes(routes, deps);

  routes.get(FORM_PATH, READERS, async (c) => {
    const f = await loadForm(c, deps);
    return renderForm(c, deps, f, { notice: SAVED[c.req.query('saved') ?? ''] ?? null });
  });

  routes.post(FORM_PATH, WRITERS, (c) => saveForm(c, deps));

  // A draft entered by mistake (a repeating form's extra instance) is removed; a complete form never is.
  routes.post(`${FORM_PATH}/discard`, WRITERS, async (c) => {
    const f = await loadForm(c, deps);
    if (f.id === null) return errorPage(c, 404, 'This form is not recorded, so there is no draft to remove.');
    const versionText = field(await formOf(c), 'version');
    if (!/^[1-9][0-9]{0,9}$/.test(versionText)) {
      return errorPage(
        c,
        400,
        'The form did not say which version of the draft to remove. Reload it and try again.',
      );
    }
    await discardDraft(deps.registry, f.actor, { id: f.id, version: Number(versionText) });
    return c.redirect(
      `/subjects/${encodeURIComponent(f.studyId)}/visits/${encodeURIComponent(f.visit.code)}?removed=1`,
      303,
    );
  });

  routes.get(`${FORM_PATH}/history`, READERS, async (c) => {
    const f = await loadForm(c, deps);
    if (f.id === null) return errorPage(c, 404, 'This form is not recorded yet, so it has no history.');
    const rows = await responseHistory(deps.registry, f.actor, f.id);
    const title = formTitle(f.def, f.instance);
    return renderPage(
      c,
      `History of ${title} · ${f.studyId}`,
      <HistoryPage
        studyId={f.studyId}
        visit={{ code: f.visit.code, label: f.visit.label }}
        def={f.def}
        instance={f.instance}
        formUrl={f.url}
        rows={rows}
        statusItem={STATUS_ITEM}
      />,
    );
  });
}
