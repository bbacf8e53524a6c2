import { z } from 'zod';
import { RegistryError } from '../errors.js';
import { MAX_INT4 } from '../instruments/index.js';
import { appendAudit } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission } from './context.js';
import { parseInput } from './parse-input.js';
import { checkVersion, loadResponse } from './response-row.js';

const DISCARD_INPUT = z.object({
  id: z.number().int().positive(),
  version: z
    .number()
    .int()
    .positive({ message: 'version is required to remove a draft (optimistic locking)' })
    .max(MAX_INT4),
});

export type DiscardDraftInput = z.input<typeof DISCARD_INPUT>;

/**
 * Removes a draft (a repeating form's instance entered by mistake, a form started and abandoned):
 * only a draft, at the version the user saw, by site staff of its site; one transaction with its
 * audit event, which keeps what the draft held. A complete form is never removed: it is amended with
 * a reason. A draft a monitor has queried or verified stays (its thread and marks point at it).
 */
export async function discardDraft(
  deps: RegistryDeps,
  actor: Actor,
  input: DiscardDraftInput,
): Promise<{ id: number }> {
  requirePermission(actor, 'response.write');
  const d = parseInput(DISCARD_INPUT, input);
  return deps.db.transaction().execute(async (trx) => {
    const row = await loadResponse(trx, actor, 'response.write', d.id);
    await checkVersion(trx, row, d.version);
    if (row.status !== 'draft') {
      throw new RegistryError(
        'INVALID_STATE',
        `response ${d.id} is ${row.status}; only a draft can be removed (a completed form is amended with a reason)`,
      );
    }
    const [query, sdv] = await Promise.all([
      trx.selectFrom('query').select('id').where('response_id', '=', d.id).limit(1).executeTakeFirst(),
      trx.selectFrom('sdv').select('id').where('response_id', '=', d.id).limit(1).executeTakeFirst(),
    ]);
    if (query || sdv) {
      throw new RegistryError(
        'INVALID_STATE',
        `response ${d.id} has ${query ? 'a query' : 'source data verification'} on it and cannot be removed`,
      );
    }
    await trx.deleteFrom('response').where('id', '=', d.id).execute();
    await appendAudit(trx, {
      at: deps.clock(),
      actor: actor.username,
      action: 'response.discard',
      siteId: row.site_id,
      entity: 'response',
      entityId: String(d.id),
      before: {
        study_id: row.study_id,
        visit: row.visit,
        instrument: row.instrument,
        instance: row.instance,
        status: row.status,
        version: row.version,
        answers: row.answers,
        ...(row.missing ? { missing: row.missing } : {}),
      },
    });
    return { id: d.id };
  });
}
