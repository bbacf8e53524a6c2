import type { Context } from 'hono';
import { RegistryError } from '../../errors.js';
import { getVisit } from '../../protocol/index.js';
import type { Actor, RegistryDeps } from '../../registry/index.js';
import { checkPlacement } from '../../registry/protocol-rules.js';
import { inScope, scopeFor } from '../../registry/scope.js';
import type { AppEnv } from '../env.js';

/* What the visit page and the form pages share (visit-routes.tsx, forms.tsx): who, where, and lookups. */

/** Who reads a visit and its forms (the monitor pseudonymised), and who enters data. */
export const READERS = ['coordinator', 'investigator', 'monitor'] as const;
export const WRITERS = ['coordinator', 'investigator'] as const;

export const VISIT_PATH = '/subjects/:studyId/visits/:visit';
export const FORM_PATH = `${VISIT_PATH}/forms/:instrument/:instance`;

export type Ctx = Context<AppEnv>;

export const notFound = (what: string) => new RegistryError('SUBJECT_NOT_FOUND', `${what} not found`);

/** The subject's site, when the actor may read it; another site's subject is "not found". */
export async function subjectSite(deps: RegistryDeps, actor: Actor, studyId: string): Promise<string> {
  const row = await deps.db
    .selectFrom('subject')
    .select('site_id')
    .where('study_id', '=', studyId)
    .executeTakeFirst();
  if (!row || !inScope(scopeFor(actor, 'data.read'), row.site_id)) throw notFound(`subject ${studyId}`);
  return row.site_id;
}

/** The visit of the URL, or "not found". */
export function visitOf(deps: RegistryDeps, code: string) {
  try {
    return getVisit(deps.protocol, code);
  } catch {
    throw notFound(`visit ${code}`);
  }
}

/** The instrument of the URL where the protocol collects it at this visit, with a valid instance. */
export function placement(deps: RegistryDeps, visit: string, instrument: string, instanceText: string) {
  const instance = /^[1-9][0-9]{0,9}$/.test(instanceText) ? Number(instanceText) : Number.NaN;
  try {
    return { def: checkPlacement(deps.protocol, visit, instrument, instance), instance };
  } catch {
    throw notFound(`form ${instrument} ${instanceText} at ${visit}`);
  }
}

/** The stored response of one form, if any: its id and its missing-data codes. */
export async function findResponse(
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
export function writesAt(actor: Actor, siteId: string): boolean {
  return inScope(scopeFor(actor, 'response.write'), siteId);
}
