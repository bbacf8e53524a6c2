import {
  type Actor,
  type AmendInput,
  addUser,
  amendResponse,
  createSite,
  enrolSubject,
  type RegistryDeps,
  recordResponse,
} from '../../src/registry/index.js';
import {
  ADMIN,
  APMSS_COORDINATOR,
  createTestRegistry,
  MONITOR,
  VCU_COORDINATOR,
  VCU_INVESTIGATOR,
} from './registry.js';

export const PASSWORD = 'correct horse battery';
export const APMSS_INVESTIGATOR: Actor = { username: 'ines.apmss', role: 'investigator', siteId: 'APMSS' };

const ENROLMENT = { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' };

/**
 * A registry for the clinical workflow stories: sites VCU and APMSS, a user for every test actor
 * (password PASSWORD), subjects VCU-0001, VCU-0002 and APMSS-0001.
 */
export async function createWorkflowRegistry() {
  const r = await createTestRegistry();
  await createSite(r.deps, ADMIN, { id: 'VCU', name: 'Virginia Commonwealth University' });
  await createSite(r.deps, ADMIN, { id: 'APMSS', name: 'Atlantic Pain Management & Spine Surgery' });
  for (const actor of [VCU_COORDINATOR, VCU_INVESTIGATOR, APMSS_COORDINATOR, APMSS_INVESTIGATOR, MONITOR]) {
    await addUser(r.deps, ADMIN, {
      username: actor.username,
      role: actor.role as 'coordinator',
      siteId: actor.siteId,
      password: PASSWORD,
    });
  }
  await enrolSubject(r.deps, VCU_COORDINATOR, { siteId: 'VCU', answers: ENROLMENT });
  await enrolSubject(r.deps, VCU_COORDINATOR, { siteId: 'VCU', answers: ENROLMENT });
  await enrolSubject(r.deps, APMSS_COORDINATOR, { siteId: 'APMSS', answers: ENROLMENT });
  return r;
}

/** Records a complete NRS pain form (or a draft) and returns its reference. */
export function recordPain(
  r: Awaited<ReturnType<typeof createTestRegistry>>,
  actor: Actor,
  studyId: string,
  visit: string,
  score: number | undefined,
  status: 'complete' | 'draft' = 'complete',
) {
  return recordResponse(r.deps, actor, {
    studyId,
    visit,
    instrument: 'pain',
    answers: score === undefined ? { scale: 'nrs' } : { scale: 'nrs', score },
    status,
  });
}

/** Amends a form to an NRS pain score, with the reason or status given. */
export function amendPain(
  deps: RegistryDeps,
  actor: Actor,
  form: { id: number; version: number },
  score: number,
  more: Pick<AmendInput, 'reason' | 'status'> = {},
) {
  return amendResponse(deps, actor, { ...form, answers: { scale: 'nrs', score }, ...more });
}
