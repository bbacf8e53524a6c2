import { RegistryError } from '../errors.js';
import { formatMissing, hasMissing, storedMissing } from '../instruments/index.js';
import { canonicalJson, type JsonObject, type JsonValue } from '../store/index.js';
import type { Actor, RegistryDeps } from './context.js';
import { inScope, requireScope } from './scope.js';
import { type SignatureView, signaturesFor } from './signature-views.js';

/*
 * Field-level history of one form, read from the audit trail (issue 8 §3.7): who, when (UTC), which
 * item, old -> new, and why, in the order it happened. The trail is the one record: nothing here is
 * stored twice.
 */

/** Status changes appear as this pseudo-item (old -> new status). */
export const STATUS_ITEM = '_status';

export interface FieldChange {
  /** Audit event id: the order of the trail. */
  eventId: number;
  /** UTC, ISO 8601. */
  at: string;
  actor: string;
  action: string;
  /** An item of the instrument, or `_status`. */
  item: string;
  old: JsonValue | null;
  new: JsonValue | null;
  reason: string | null;
}

export interface ResponseForEdit {
  id: number;
  siteId: string;
  studyId: string;
  visit: string;
  instrument: string;
  instance: number;
  instrumentVersion: string;
  status: string;
  /** The version to send back with an amendment (optimistic locking). */
  version: number;
  answers: JsonObject;
  scores: JsonObject;
  enteredBy: string;
  /** `patient` when the patient entered it through ePRO. */
  enteredByKind: 'staff' | 'patient';
  updatedAt: string;
  lockedBy: string | null;
  lockedAt: string | null;
  /** The signature in force, if any (state `in force` or `broken`). */
  signature: SignatureView | null;
}

async function loadReadable(deps: RegistryDeps, actor: Actor, id: number) {
  const scope = requireScope(actor, 'data.read');
  const row = await deps.db.selectFrom('response').selectAll().where('id', '=', id).executeTakeFirst();
  // Another site's form is "not found", so its existence does not leak.
  if (!row || !inScope(scope, row.site_id)) {
    throw new RegistryError('RESPONSE_NOT_FOUND', `response ${id} not found`);
  }
  return row;
}

/** One response as the form page loads it for editing: answers, status and the current version. */
export async function readResponse(deps: RegistryDeps, actor: Actor, id: number): Promise<ResponseForEdit> {
  const row = await loadReadable(deps, actor, id);
  const signatures = (await signaturesFor(deps, actor, [id])).get(id) ?? [];
  return {
    id: row.id,
    siteId: row.site_id,
    studyId: row.study_id,
    visit: row.visit,
    instrument: row.instrument,
    instance: row.instance,
    instrumentVersion: row.instrument_version,
    status: row.status,
    version: row.version,
    answers: row.answers as JsonObject,
    scores: row.scores as JsonObject,
    enteredBy: row.entered_by,
    enteredByKind: row.entered_by_kind === 'patient' ? 'patient' : 'staff',
    updatedAt: row.updated_at.toISOString(),
    lockedBy: row.locked_by,
    lockedAt: row.locked_at?.toISOString() ?? null,
    signature: signatures.find((s) => s.state !== 'void') ?? null,
  };
}

/**
 * An event side's item values: its answers, and each item marked missing as the code's text form
 * (`[missing:declined]`), so a code given, changed or cleared is a change of that item like any other.
 */
function answersOf(value: JsonValue | null): JsonObject | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const answers = (value as JsonObject).answers;
  if (!answers || typeof answers !== 'object' || Array.isArray(answers)) return null;
  return withMissing(answers as JsonObject, (value as JsonObject).missing);
}

function withMissing(answers: JsonObject, missing: unknown): JsonObject {
  const codes = storedMissing(missing);
  if (!hasMissing(codes)) return answers;
  const out: JsonObject = { ...answers };
  for (const [item, code] of Object.entries(codes)) if (code) out[item] = formatMissing(code);
  return out;
}

function statusOf(value: JsonValue | null): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const status = (value as JsonObject).status;
  return typeof status === 'string' ? status : null;
}

/**
 * The field-level history of one response (site staff of its site, the monitor): every item an
 * event changed, old -> new, with the event's actor, time and reason; status changes as `_status`.
 * A form recorded by an import or enrolment (no event of its own) starts from the values the first
 * amendment found, attributed to whoever entered the form, at its creation time.
 */
export async function responseHistory(deps: RegistryDeps, actor: Actor, id: number): Promise<FieldChange[]> {
  const row = await loadReadable(deps, actor, id);
  const events = await deps.db
    .selectFrom('audit_event')
    .select(['id', 'at', 'actor', 'action', 'before', 'after', 'reason'])
    .where('entity', '=', 'response')
    .where('entity_id', '=', String(id))
    .orderBy('id')
    .execute();
  const out: FieldChange[] = [];
  let known: JsonObject | null = null;
  let status: string | null = null;
  // The first values the trail knows of, when they came from outside it (an import, an enrolment):
  // what the first amendment found, or the form as it is when nothing amended it.
  const origin = (answers: JsonObject) => {
    for (const [item, value] of Object.entries(answers)) {
      out.push({
        eventId: 0,
        at: row.created_at.toISOString(),
        actor: row.entered_by,
        action: 'response.recorded',
        item,
        old: null,
        new: value,
        reason: null,
      });
    }
  };
  if (!events.some((e) => answersOf(e.before) !== null || answersOf(e.after) !== null)) {
    origin(withMissing(row.answers as JsonObject, row.missing));
  }
  for (const e of events) {
    const at = e.at.toISOString();
    const base = { eventId: e.id, at, actor: e.actor, action: e.action, reason: e.reason };
    const before = answersOf(e.before);
    const after = answersOf(e.after);
    if (known === null && before !== null) {
      origin(before);
      known = before;
    }
    const fromStatus: string | null = statusOf(e.before) ?? status;
    const toStatus = statusOf(e.after);
    if (toStatus !== null && toStatus !== fromStatus) {
      out.push({ ...base, item: STATUS_ITEM, old: fromStatus, new: toStatus });
    }
    if (toStatus !== null) status = toStatus;
    if (after !== null) {
      const old = known ?? {};
      for (const item of [...new Set([...Object.keys(old), ...Object.keys(after)])]) {
        const o = old[item] ?? null;
        const n = after[item] ?? null;
        if (canonicalJson(o) !== canonicalJson(n)) out.push({ ...base, item, old: o, new: n });
      }
      known = after;
    }
  }
  return out;
}
