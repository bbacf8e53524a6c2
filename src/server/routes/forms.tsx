import type { Context } from 'hono';
import { type Issue, RegistryError } from '../../errors.js';
import { type InstrumentDef, MISSING_CODES, storedMissing } from '../../instruments/index.js';
import { getVisit, visitInstruments } from '../../protocol/index.js';
import {
  type Actor,
  amendResponse,
  discardDraft,
  type RegistryDeps,
  readResponse,
  recordResponse,
  recordVisit,
  responseHistory,
  SIGNATURE_MEANING,
  STATUS_ITEM,
} from '../../registry/index.js';
import { checkPlacement } from '../../registry/protocol-rules.js';
import { inScope, scopeFor } from '../../registry/scope.js';
import { VISIT_MODE_VALUES } from '../../store/index.js';
import { type FormConflict, FormPage, type FormResponse } from '../../web/forms/form-page.js';
import {
  EMPTY_VALUES,
  type FormValues,
  shownValue,
  valuesFromForm,
  valuesFromStored,
} from '../../web/forms/form-values.js';
import { HistoryPage } from '../../web/forms/history-page.js';
import { liveScoreFor } from '../../web/forms/live-scores.js';
import { type VisitFormGroup, VisitPage, type VisitRecordValues } from '../../web/forms/visit-page.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { errorPage, field, formOf, jsonScript, renderPage } from '../render.js';
import { type RouteTable, userOf } from '../router.js';

/** Who reads a visit and its forms (the monitor pseudonymised), and who enters data. */
const READERS = ['coordinator', 'investigator', 'monitor'] as const;
const WRITERS = ['coordinator', 'investigator'] as const;

const VISIT_PATH = '/subjects/:studyId/visits/:visit';
const FORM_PATH = `${VISIT_PATH}/forms/:instrument/:instance`;

type Ctx = Context<AppEnv>;

const notFound = (what: string) => new RegistryError('SUBJECT_NOT_FOUND', `${what} not found`);

/** The subject's site, when the actor may read it; another site's subject is "not found". */
async function subjectSite(deps: RegistryDeps, actor: Actor, studyId: string): Promise<string> {
  const row = await deps.db
    .selectFrom('subject')
    .select('site_id')
    .where('study_id', '=', studyId)
    .executeTakeFirst();
  if (!row || !inScope(scopeFor(actor, 'data.read'), row.site_id)) throw notFound(`subject ${studyId}`);
  return row.site_id;
}

/** The visit of the URL, or "not found". */
function visitOf(deps: RegistryDeps, code: string) {
  try {
    return getVisit(deps.protocol, code);
  } catch {
    throw notFound(`visit ${code}`);
  }
}

/** The instrument of the URL where the protocol collects it at this visit, with a valid instance. */
function placement(deps: RegistryDeps, visit: string, instrument: string, instanceText: string) {
  const instance = /^[1-9][0-9]{0,9}$/.test(instanceText) ? Number(instanceText) : Number.NaN;
  try {
    return { def: checkPlacement(deps.protocol, visit, instrument, instance), instance };
  } catch {
    throw notFound(`form ${instrument} ${instanceText} at ${visit}`);
  }
}

/** The stored response of one form, if any: its id and its missing-data codes. */
async function findResponse(
  deps: RegistryDeps,
  key: { studyId: string; visit: string; instrument: string; instance: number },
) {
  return deps.db
    .selectFrom('response')
    .select(['id', 'missing'])
    .where('study_id', '=', key.studyId)
    .where('visit', '=', key.visit)
    .where('instrument', '=', key.instrument)
    .where('instance', '=', key.instance)
    .executeTakeFirst();
}

/** May the actor enter data at this site (coordinator or investigator of the site)? */
function writesAt(actor: Actor, siteId: string): boolean {
  return inScope(scopeFor(actor, 'response.write'), siteId);
}

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
  const title = f.def.repeating ? `${f.def.title} #${f.instance}` : f.def.title;
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

/** A visit's stored record as the page's fields. */
async function visitRecord(deps: RegistryDeps, studyId: string, visit: string) {
  const row = await deps.db
    .selectFrom('visit')
    .select(['visit_date', 'mode', 'missed_reason'])
    .where('study_id', '=', studyId)
    .where('visit', '=', visit)
    .executeTakeFirst();
  const values: VisitRecordValues = row
    ? {
        state: row.missed_reason !== null ? 'missed' : 'done',
        date: row.visit_date ?? '',
        mode: row.mode ?? '',
        missedReason: row.missed_reason ?? '',
      }
    : { state: '', date: '', mode: '', missedReason: '' };
  return { recorded: row !== undefined, values };
}

/** The forms the protocol collects at the visit, each with the instances recorded. */
async function visitForms(deps: RegistryDeps, studyId: string, visit: string): Promise<VisitFormGroup[]> {
  const rows = await deps.db
    .selectFrom('response')
    .select(['instrument', 'instance', 'status', 'version', 'updated_at'])
    .where('study_id', '=', studyId)
    .where('visit', '=', visit)
    .orderBy('instrument')
    .orderBy('instance')
    .execute();
  return visitInstruments(deps.protocol, visit).map((id) => {
    const { def } = placement(deps, visit, id, '1');
    return {
      instrument: id,
      title: def.title,
      repeating: def.repeating,
      rows: rows
        .filter((r) => r.instrument === id)
        .map((r) => ({
          instance: r.instance,
          status: r.status,
          version: r.version,
          updatedAt: r.updated_at.toISOString(),
        })),
    };
  });
}

async function renderVisit(
  c: Ctx,
  deps: AppDeps,
  extra: {
    record?: VisitRecordValues;
    issues?: readonly Issue[];
    notice?: string | null;
    status?: 200 | 422;
  } = {},
) {
  const actor = userOf(c).actor;
  const studyId = c.req.param('studyId') ?? '';
  const siteId = await subjectSite(deps.registry, actor, studyId);
  const visit = visitOf(deps.registry, c.req.param('visit') ?? '');
  const [record, forms] = await Promise.all([
    visitRecord(deps.registry, studyId, visit.code),
    visitForms(deps.registry, studyId, visit.code),
  ]);
  return renderPage(
    c,
    `${visit.label} · ${studyId}`,
    <VisitPage
      studyId={studyId}
      visit={{ code: visit.code, label: visit.label }}
      record={extra.record ?? record.values}
      recorded={record.recorded}
      modes={VISIT_MODE_VALUES}
      forms={forms}
      issues={extra.issues ?? []}
      notice={extra.notice ?? null}
      editable={writesAt(actor, siteId)}
      signer={inScope(scopeFor(actor, 'response.sign'), siteId) ? { meaning: SIGNATURE_MEANING } : null}
    />,
    extra.status ?? 200,
  );
}

/** Data entry: the visit page (its date and forms), one form generated from its instrument, its history. */
export function formRoutes(routes: RouteTable, deps: AppDeps): void {
  routes.get(VISIT_PATH, READERS, (c) =>
    renderVisit(c, deps, {
      notice: c.req.query('saved')
        ? 'The visit is saved.'
        : c.req.query('removed')
          ? 'The draft was removed.'
          : null,
    }),
  );

  routes.post(VISIT_PATH, WRITERS, async (c) => {
    const actor = userOf(c).actor;
    const studyId = c.req.param('studyId') ?? '';
    await subjectSite(deps.registry, actor, studyId);
    const visit = visitOf(deps.registry, c.req.param('visit') ?? '');
    const form = await formOf(c);
    const typed: VisitRecordValues = {
      state: field(form, 'state') === 'missed' ? 'missed' : field(form, 'state') === 'done' ? 'done' : '',
      date: field(form, 'date'),
      mode: field(form, 'mode'),
      missedReason: field(form, 'missed_reason'),
    };
    // The state chosen decides which fields count; without one, whatever was filled in is sent.
    const state = typed.state || (typed.missedReason.trim() && !typed.date ? 'missed' : 'done');
    const given = (v: string) => (v.trim() === '' ? undefined : v.trim());
    try {
      await recordVisit(deps.registry, actor, {
        studyId,
        visit: visit.code,
        ...(state === 'missed'
          ? { missedReason: typed.missedReason.trim() }
          : { date: given(typed.date), mode: given(typed.mode) }),
      });
    } catch (error) {
      if (error instanceof RegistryError && error.code === 'VALIDATION_FAILED') {
        return renderVisit(c, deps, { record: typed, issues: error.issues, status: 422 });
      }
      throw error;
    }
    return c.redirect(
      `/subjects/${encodeURIComponent(studyId)}/visits/${encodeURIComponent(visit.code)}?saved=1`,
      303,
    );
  });

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
    const title = f.def.repeating ? `${f.def.title} #${f.instance}` : f.def.title;
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
