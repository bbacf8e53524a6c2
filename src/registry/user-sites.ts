import { printable, RegistryError } from '../errors.js';
import { appendAudit } from '../store/index.js';
import { type Actor, type RegistryDeps, type Role, requirePermission } from './context.js';
import { requireSiteExists, SITE_ROLES, sitesOf, userRow, validation } from './user-rows.js';

/* Site membership (issue 8 §2): which sites a coordinator or investigator works at. */

/** The admin adds a site to a coordinator's or investigator's sites. */
export async function addMembership(
  deps: RegistryDeps,
  actor: Actor,
  userId: string,
  siteId: string,
): Promise<void> {
  requirePermission(actor, 'user.manage');
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const row = await userRow(trx, userId, true);
    if (!SITE_ROLES.includes(row.role as Role)) {
      throw validation('siteId', `a ${row.role} works across sites and has no site`);
    }
    await requireSiteExists(trx, siteId);
    const added = await trx
      .insertInto('user_site')
      .values({ user_id: row.id, site_id: siteId })
      .onConflict((oc) => oc.doNothing())
      .returning('site_id')
      .executeTakeFirst();
    if (!added) return;
    if (!row.site_id)
      await trx.updateTable('app_user').set({ site_id: siteId }).where('id', '=', row.id).execute();
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: 'user.site_add',
      siteId,
      entity: 'app_user',
      entityId: row.id,
      after: { site_id: siteId },
    });
  });
}

/** The admin removes a site from a user's sites; a coordinator or investigator keeps at least one. */
export async function removeMembership(
  deps: RegistryDeps,
  actor: Actor,
  userId: string,
  siteId: string,
): Promise<void> {
  requirePermission(actor, 'user.manage');
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const row = await userRow(trx, userId, true);
    const sites = await sitesOf(trx, row.id);
    if (!sites.includes(siteId)) {
      throw new RegistryError('SITE_NOT_FOUND', `site ${printable(siteId)} is not among the user's sites`);
    }
    const rest = sites.filter((s) => s !== siteId);
    if (rest.length === 0 && SITE_ROLES.includes(row.role as Role)) {
      throw validation('siteId', `a ${row.role} must keep at least one site; add another first`);
    }
    await trx.deleteFrom('user_site').where('user_id', '=', row.id).where('site_id', '=', siteId).execute();
    if (row.site_id === siteId) {
      await trx
        .updateTable('app_user')
        .set({ site_id: rest[0] ?? null })
        .where('id', '=', row.id)
        .execute();
    }
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: 'user.site_remove',
      siteId,
      entity: 'app_user',
      entityId: row.id,
      before: { site_id: siteId },
    });
  });
}
