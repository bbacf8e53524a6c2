import type { Transaction } from 'kysely';
import { z } from 'zod';
import { RegistryError } from '../errors.js';
import { getInstrument, MAX_INT4 } from '../instruments/index.js';
import { appendAudit, canonicalJson, type Database, type JsonObject } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission } from './context.js';
import { parseInput, ROW_ID } from './parse-input.js';
import { checkVersion, loadResponse, type ResponseRow } from './response-row.js';
import { requireScope, siteFilter } from './scope.js';

/*
 * Source data verification (issue 8 §3.10): a monitor marks a form, or single items of it, as
 * verified against the source documents at the version they saw. A later amendment that changes a
 * verified item (or any item, for a whole-form mark) makes the mark stale: kept, with when and why.
 */

const SDV_INPUT = z.object({
  forms: z
    .array(
      z.object({
        id: ROW_ID,
        version: z.number().int().positive().max(MAX_INT4),
        /** Items verified; absent: the whole form. */
        items: z.array(z.string().min(1).max(200)).min(1).max(500).optional(),
      }),
    )
    .min(1, 'forms: choose at least one form to verify')
    .max(5000),
});

export type SdvInput = z.input<typeof SDV_INPUT>;

/**
 * Marks forms (or items of them) as source-data verified, singly or in bulk: all or nothing, in one
 * transaction, one audit event per form. Each form must be entered (not a draft) and still at the
 * version the monitor verified; a mark already in force is not repeated.
 */
export async function markSdv(
  deps: RegistryDeps,
  actor: Actor,
  input: SdvInput,
): Promise<{ marked: number; alreadyVerified: number }> {
  requirePermission(actor, 'sdv.mark');
  const s = parseInput(SDV_INPUT, input);
  return deps.db.transaction().execute(async (trx) => {
    let marked = 0;
    let alreadyVerified = 0;
    const now = deps.clock();
    for (const form of s.forms) {
      const row = await loadResponse(trx, actor, 'sdv.mark', form.id);
      await checkVersion(trx, row, form.version);
      if (row.status === 'draft') {
        throw new RegistryError(
          'INVALID_STATE',
          `response ${row.id} is a draft; source data are verified on entered forms`,
        );
      }
      const known = new Set(getInstrument(row.instrument).items.map((i) => i.id));
      const unknown = (form.items ?? []).filter((i) => !known.has(i));
      if (unknown.length > 0) {
        throw new RegistryError(
          'VALIDATION_FAILED',
          `items: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not an item' : 'are not items'} of ${row.instrument}`,
          unknown.map((item) => ({
            path: ['items', item],
            code: 'unknown_item',
            message: `items: ${item} is not an item of ${row.instrument}`,
          })),
        );
      }
      const current = await trx
        .selectFrom('sdv')
        .select('item')
        .where('response_id', '=', row.id)
        .where('stale_at', 'is', null)
        .execute();
      const inForce = new Set(current.map((c) => c.item));
      const wanted: (string | null)[] = form.items ? [...new Set(form.items)] : [null];
      const fresh = wanted.filter((item) => !inForce.has(item));
      if (fresh.length === 0) {
        alreadyVerified++;
        continue;
      }
      await trx
        .insertInto('sdv')
        .values(
          fresh.map((item) => ({
            site_id: row.site_id,
            study_id: row.study_id,
            response_id: row.id,
            item,
            response_version: row.version,
            verified_by: actor.username,
            verified_at: now,
          })),
        )
        .execute();
      await appendAudit(trx, {
        at: now,
        actor: actor.username,
        action: 'sdv.mark',
        siteId: row.site_id,
        entity: 'response',
        entityId: String(row.id),
        after: { version: row.version, items: form.items ? fresh : 'form' },
      });
      marked++;
    }
    return { marked, alreadyVerified };
  });
}

/**
 * Inside an amendment: marks stale the SDV in force on the items the amendment changed (an answer or
 * a missing-data code), and any whole-form mark when anything changed. Returns the marks made stale.
 */
export async function staleSdv(
  trx: Transaction<Database>,
  before: ResponseRow,
  after: { answers: Record<string, unknown>; missing?: Record<string, unknown> | null },
  newVersion: number,
  now: Date,
): Promise<number> {
  const item = (answers: unknown, missing: unknown) => {
    const a = (JSON.parse(JSON.stringify(answers ?? {})) ?? {}) as JsonObject;
    const m = (JSON.parse(JSON.stringify(missing ?? {})) ?? {}) as JsonObject;
    return (k: string) => canonicalJson([a[k] ?? null, m[k] ?? null]);
  };
  const old = item(before.answers, before.missing);
  const next = item(after.answers, after.missing);
  const keys = (x: unknown) => Object.keys((x ?? {}) as object);
  const changed = [
    ...new Set([
      ...keys(before.answers),
      ...keys(before.missing),
      ...keys(after.answers),
      ...keys(after.missing),
    ]),
  ].filter((k) => old(k) !== next(k));
  if (changed.length === 0) return 0;
  const items = await trx
    .updateTable('sdv')
    .set({ stale_at: now, stale_reason: `item changed in version ${newVersion}` })
    .where('response_id', '=', before.id)
    .where('stale_at', 'is', null)
    .where('item', 'in', changed)
    .executeTakeFirst();
  const form = await trx
    .updateTable('sdv')
    .set({ stale_at: now, stale_reason: `${changed.join(', ')} changed in version ${newVersion}` })
    .where('response_id', '=', before.id)
    .where('stale_at', 'is', null)
    .where('item', 'is', null)
    .executeTakeFirst();
  return Number(items.numUpdatedRows) + Number(form.numUpdatedRows);
}

/** One SDV mark as read: the version verified, by whom, when (UTC), and whether it went stale. */
export interface SdvMark {
  version: number;
  by: string;
  at: string;
  stale: { at: string; reason: string } | null;
}

export type SdvState = 'verified' | 'partial' | 'stale' | 'not verified';

export interface SdvStatus {
  /**
   * verified: a whole-form mark in force, or a mark in force on every answered item; partial: some
   * items verified; stale: every mark went stale since; not verified: none.
   */
  status: SdvState;
  /** The latest whole-form mark. */
  form: SdvMark | null;
  /** The latest mark of each item. */
  items: Record<string, SdvMark>;
}

/**
 * SDV status of each response asked for that the actor may read (others are left out, as if they
 * did not exist). Every id asked for and readable is in the map, `not verified` when never marked.
 */
export async function sdvStatus(
  deps: RegistryDeps,
  actor: Actor,
  responseIds: readonly number[],
): Promise<Map<number, SdvStatus>> {
  const sites = siteFilter(requireScope(actor, 'data.read'));
  const out = new Map<number, SdvStatus>();
  if (responseIds.length === 0) return out;
  let q = deps.db
    .selectFrom('response')
    .select(['id', 'answers'])
    .where('id', 'in', [...responseIds]);
  if (sites) q = q.where('site_id', 'in', sites);
  const responses = await q.execute();
  if (responses.length === 0) return out;
  const marks = await deps.db
    .selectFrom('sdv')
    .selectAll()
    .where(
      'response_id',
      'in',
      responses.map((r) => r.id),
    )
    .orderBy('id')
    .execute();
  const byResponse = new Map<number, typeof marks>();
  for (const m of marks) {
    const list = byResponse.get(m.response_id) ?? [];
    list.push(m);
    byResponse.set(m.response_id, list);
  }
  for (const r of responses) {
    let form: SdvMark | null = null;
    const items: Record<string, SdvMark> = {};
    for (const m of byResponse.get(r.id) ?? []) {
      const mark: SdvMark = {
        version: m.response_version,
        by: m.verified_by,
        at: m.verified_at.toISOString(),
        stale: m.stale_at ? { at: m.stale_at.toISOString(), reason: m.stale_reason ?? '' } : null,
      };
      if (m.item === null) form = mark;
      else items[m.item] = mark;
    }
    const answered = Object.entries(r.answers as JsonObject)
      .filter(([, v]) => v !== null && v !== '')
      .map(([k]) => k);
    const inForce = Object.values(items).filter((m) => m.stale === null).length;
    let status: SdvState = 'not verified';
    if (
      (form && form.stale === null) ||
      (answered.length > 0 && answered.every((k) => items[k] && items[k].stale === null))
    ) {
      status = 'verified';
    } else if (inForce > 0) {
      status = 'partial';
    } else if (form || Object.keys(items).length > 0) {
      status = 'stale';
    }
    out.set(r.id, { status, form, items });
  }
  return out;
}
