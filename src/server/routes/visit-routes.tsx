import { type Issue, RegistryError } from '../../errors.js';
import { visitInstruments } from '../../protocol/index.js';
import { type RegistryDeps, recordVisit, SIGNATURE_MEANING } from '../../registry/index.js';
import { inScope, scopeFor } from '../../registry/scope.js';
import { VISIT_MODE_VALUES } from '../../store/index.js';
import { type VisitFormGroup, VisitPage, type VisitRecordValues } from '../../web/forms/visit-page.js';
import type { AppDeps } from '../deps.js';
import { field, formOf, renderPage } from '../render.js';
import { type RouteTable, userOf } from '../router.js';
import {
  type Ctx,
  placement,
  READERS,
  subjectSite,
  VISIT_PATH,
  visitOf,
  WRITERS,
  writesAt,
} from './form-lookup.js';

/* The visit page: its date (or why it was missed) and the forms the protocol collects at it. */

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

/** The visit page and its record (docs/web.md). */
export function visitRoutes(routes: RouteTable, deps: AppDeps): void {
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
}
