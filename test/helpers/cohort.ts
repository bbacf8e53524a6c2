import type { Kysely } from 'kysely';
import {
  enrolSubject,
  type RecordInput,
  type RegistryDeps,
  recordResponse,
} from '../../src/registry/index.js';
import type { Database } from '../../src/store/index.js';

/*
 * A small synthetic cohort for route tests: one subject enrolled by each coordinator named (with an
 * identity that must never leave the registry) and one form recorded for each.
 */

/** Enrols one subject per [site, coordinator] (in order) and records the form `form(site)` for each. */
export async function enrolWithForm(
  deps: RegistryDeps,
  coordinators: readonly (readonly [site: string, username: string])[],
  form: (site: string) => Omit<RecordInput, 'studyId'>,
): Promise<string[]> {
  const studyIds: string[] = [];
  for (const [site, username] of coordinators) {
    const actor = { username, role: 'coordinator' as const, siteId: site };
    const { studyId } = await enrolSubject(deps, actor, {
      siteId: site,
      answers: { consent_date: '2026-02-01', index_date: '2026-02-03', sex: 'female', birth_year: 1940 },
      identity: { family_name: `Secret-${site}`, mrn: `MRN-${site}` },
    });
    await recordResponse(deps, actor, { studyId, ...form(site) });
    studyIds.push(studyId);
  }
  return studyIds;
}

/** The audit events of one action, oldest first: who, at which site, on what. */
export function auditsOf(db: Kysely<Database>, action: string) {
  return db
    .selectFrom('audit_event')
    .select(['actor', 'site_id', 'entity_id'])
    .where('action', '=', action)
    .orderBy('id')
    .execute();
}
