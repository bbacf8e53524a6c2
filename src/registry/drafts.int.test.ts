import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ADMIN,
  APMSS_COORDINATOR,
  createTestRegistry,
  MONITOR,
  rejects,
  VCU_COORDINATOR,
} from '../../test/helpers/registry.js';
import { createSite, discardDraft, enrolSubject, recordResponse } from './index.js';

type Registry = Awaited<ReturnType<typeof createTestRegistry>>;

const ENROLMENT = { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' };

describe('a coordinator removes a draft entered by mistake', () => {
  let r: Registry;
  let studyId: string;
  const analgesic = (instance: number, status: 'draft' | 'complete') =>
    recordResponse(r.deps, VCU_COORDINATOR, {
      studyId,
      visit: 'baseline',
      instrument: 'analgesic',
      instance,
      answers: { drug: 'acetaminophen' },
      status,
    });
  beforeAll(async () => {
    r = await createTestRegistry();
    await createSite(r.deps, ADMIN, { id: 'VCU', name: 'VCU' });
    await createSite(r.deps, ADMIN, { id: 'APMSS', name: 'APMSS' });
    ({ studyId } = await enrolSubject(r.deps, VCU_COORDINATOR, { siteId: 'VCU', answers: ENROLMENT }));
  });
  afterAll(() => r.destroy());

  test('the draft is gone and the audit event keeps what it held', async () => {
    const draft = await analgesic(2, 'draft');
    await discardDraft(r.deps, VCU_COORDINATOR, { id: draft.id, version: draft.version });
    const left = await r.deps.db.selectFrom('response').select('id').where('id', '=', draft.id).execute();
    expect(left).toEqual([]);
    const event = await r.deps.db
      .selectFrom('audit_event')
      .selectAll()
      .where('action', '=', 'response.discard')
      .executeTakeFirstOrThrow();
    expect(event).toMatchObject({ actor: 'cora.vcu', entity_id: String(draft.id), site_id: 'VCU' });
    expect(event.before).toMatchObject({
      instrument: 'analgesic',
      instance: 2,
      answers: { drug: 'acetaminophen' },
    });
  });

  test('a complete form, a stale version, another site and a monitor are refused', async () => {
    const done = await analgesic(3, 'complete');
    expect(
      (await rejects(discardDraft(r.deps, VCU_COORDINATOR, { id: done.id, version: done.version }))).code,
    ).toBe('INVALID_STATE');
    const draft = await analgesic(4, 'draft');
    expect((await rejects(discardDraft(r.deps, VCU_COORDINATOR, { id: draft.id, version: 7 }))).code).toBe(
      'VERSION_CONFLICT',
    );
    expect(
      (await rejects(discardDraft(r.deps, APMSS_COORDINATOR, { id: draft.id, version: draft.version }))).code,
    ).toBe('RESPONSE_NOT_FOUND');
    expect(
      (await rejects(discardDraft(r.deps, MONITOR, { id: draft.id, version: draft.version }))).code,
    ).toBe('FORBIDDEN');
    const still = await r.deps.db.selectFrom('response').select('id').where('id', '=', draft.id).execute();
    expect(still).toHaveLength(1);
  });
});
