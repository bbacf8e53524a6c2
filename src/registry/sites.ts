import { z } from 'zod';
import { RegistryError } from '../errors.js';
import { isSiteCode } from '../protocol/identifiers.js';
import { appendAudit } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission } from './context.js';
import { parseInput } from './parse-input.js';

const SITE_INPUT = z.object({
  id: z
    .string()
    .refine(isSiteCode, 'site code must be 2–12 capital letters or digits, starting with a letter'),
  name: z.string().trim().min(1, 'site name is required').max(200),
});

export type SiteInput = z.input<typeof SITE_INPUT>;

/** Creates a site (admin); the site code prefixes its study ids, e.g. `VCU-0007`. */
export async function createSite(
  deps: RegistryDeps,
  actor: Actor,
  input: SiteInput,
): Promise<{ id: string }> {
  requirePermission(actor, 'site.manage');
  const site = parseInput(SITE_INPUT, input);
  return deps.db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('site').select('id').where('id', '=', site.id).executeTakeFirst();
    if (existing) throw new RegistryError('SITE_EXISTS', `site ${site.id} already exists`);
    await trx.insertInto('site').values({ id: site.id, name: site.name }).execute();
    await trx.insertInto('site_sequence').values({ site_id: site.id, last_seq: 0 }).execute();
    await appendAudit(trx, {
      at: deps.clock(),
      actor: actor.username,
      action: 'site.create',
      siteId: site.id,
      entity: 'site',
      entityId: site.id,
      after: site,
    });
    return { id: site.id };
  });
}

/** Every site, by code (admin pages and membership choices); no patient data. */
export async function listSites(deps: RegistryDeps, actor: Actor): Promise<{ id: string; name: string }[]> {
  requirePermission(actor, 'site.manage');
  return deps.db.selectFrom('site').select(['id', 'name']).orderBy('id').execute();
}
