import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { APMSS_COORDINATOR, MONITOR, rejects, VCU_COORDINATOR } from '../../test/helpers/registry.js';
import { createWorkflowRegistry, recordPain } from '../../test/helpers/workflow.js';
import { checkAuditedRows, verifyAudit } from '../store/index.js';
import { amendResponse, markSdv, sdvStatus } from './index.js';

type Registry = Awaited<ReturnType<typeof createWorkflowRegistry>>;

describe('the monitor verifies forms against source; a later change makes the verification stale', () => {
  let r: Registry;
  let week2: { id: number; version: number };
  let week4: { id: number; version: number };
  let apmss: { id: number; version: number };
  beforeAll(async () => {
    r = await createWorkflowRegistry();
    week2 = await recordPain(r, VCU_COORDINATOR, 'VCU-0001', 'week2', 4);
    week4 = await recordPain(r, VCU_COORDINATOR, 'VCU-0001', 'week4', 3);
    apmss = await recordPain(r, APMSS_COORDINATOR, 'APMSS-0001', 'week2', 2);
  });
  afterAll(() => r.destroy());

  test('only the monitor marks SDV, on entered forms at the version seen, with known items', async () => {
    const form = { id: week2.id, version: 1 };
    expect((await rejects(markSdv(r.deps, VCU_COORDINATOR, { forms: [form] }))).code).toBe('FORBIDDEN');
    expect((await rejects(markSdv(r.deps, MONITOR, { forms: [{ ...form, version: 2 }] }))).code).toBe(
      'VERSION_CONFLICT',
    );
    const unknown = await rejects(markSdv(r.deps, MONITOR, { forms: [{ ...form, items: ['scroe'] }] }));
    expect(unknown).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'items: scroe is not an item of pain',
    });
    const draft = await recordPain(r, VCU_COORDINATOR, 'VCU-0002', 'week2', undefined, 'draft');
    expect((await rejects(markSdv(r.deps, MONITOR, { forms: [{ id: draft.id, version: 1 }] }))).code).toBe(
      'INVALID_STATE',
    );
    expect((await rejects(markSdv(r.deps, MONITOR, { forms: [] }))).issues[0]?.path).toEqual(['forms']);
  });

  test('bulk marking is all or nothing: one stale version refuses the batch', async () => {
    const stale = await rejects(
      markSdv(r.deps, MONITOR, {
        forms: [
          { id: week2.id, version: 1 },
          { id: week4.id, version: 7 },
        ],
      }),
    );
    expect(stale.code).toBe('VERSION_CONFLICT');
    const status = await sdvStatus(r.deps, MONITOR, [week2.id, week4.id]);
    expect([...status.values()].map((s) => s.status)).toEqual(['not verified', 'not verified']);
  });

  test('a bulk mark of two forms and one of a single item; reads are scoped by site', async () => {
    r.setTime('2026-03-05T10:00:00.000Z');
    expect(
      await markSdv(r.deps, MONITOR, {
        forms: [
          { id: week2.id, version: 1 },
          { id: apmss.id, version: 1 },
        ],
      }),
    ).toEqual({ marked: 2, alreadyVerified: 0 });
    expect(
      await markSdv(r.deps, MONITOR, { forms: [{ id: week4.id, version: 1, items: ['score'] }] }),
    ).toEqual({
      marked: 1,
      alreadyVerified: 0,
    });
    // Marking again what is in force changes nothing.
    expect(await markSdv(r.deps, MONITOR, { forms: [{ id: week2.id, version: 1 }] })).toEqual({
      marked: 0,
      alreadyVerified: 1,
    });
    const status = await sdvStatus(r.deps, VCU_COORDINATOR, [week2.id, week4.id, apmss.id]);
    expect([...status.keys()]).toEqual([week2.id, week4.id]);
    expect(status.get(week2.id)).toMatchObject({
      status: 'verified',
      form: { version: 1, by: MONITOR.username, at: '2026-03-05T10:00:00.000Z', stale: null },
    });
    expect(status.get(week4.id)).toMatchObject({
      status: 'partial',
      items: { score: { version: 1, stale: null } },
    });
    const actions = await r.deps.db
      .selectFrom('audit_event')
      .select(['action', 'entity_id'])
      .where('action', '=', 'sdv.mark')
      .orderBy('id')
      .execute();
    expect(actions.map((a) => a.entity_id)).toEqual([String(week2.id), String(apmss.id), String(week4.id)]);
  });

  test('an amendment makes the whole-form mark and the changed item’s mark stale, kept with when and why', async () => {
    r.setTime('2026-03-06T11:00:00.000Z');
    await amendResponse(r.deps, VCU_COORDINATOR, {
      id: week2.id,
      version: 1,
      answers: { scale: 'nrs', score: 5 },
      reason: 'source shows 5',
    });
    await amendResponse(r.deps, VCU_COORDINATOR, {
      id: week4.id,
      version: 1,
      answers: { scale: 'nrs', score: 2 },
      reason: 'source shows 2',
    });
    const status = await sdvStatus(r.deps, MONITOR, [week2.id, week4.id]);
    expect(status.get(week2.id)).toMatchObject({
      status: 'stale',
      form: { version: 1, stale: { at: '2026-03-06T11:00:00.000Z', reason: 'score changed in version 2' } },
    });
    expect(status.get(week4.id)).toMatchObject({
      status: 'stale',
      items: { score: { stale: { reason: 'item changed in version 2' } } },
    });
    // Verified again at the new version: in force again, the stale mark kept in the table.
    await markSdv(r.deps, MONITOR, { forms: [{ id: week2.id, version: 2 }] });
    expect((await sdvStatus(r.deps, MONITOR, [week2.id])).get(week2.id)).toMatchObject({
      status: 'verified',
      form: { version: 2, stale: null },
    });
    const rows = await r.deps.db
      .selectFrom('sdv')
      .select(['response_version', 'stale_at'])
      .where('response_id', '=', week2.id)
      .orderBy('id')
      .execute();
    expect(rows.map((x) => [x.response_version, x.stale_at !== null])).toEqual([
      [1, true],
      [2, false],
    ]);
  });

  test('an item-level mark stays in force when another item changes', async () => {
    await markSdv(r.deps, MONITOR, { forms: [{ id: week4.id, version: 2, items: ['score', 'scale'] }] });
    expect((await sdvStatus(r.deps, MONITOR, [week4.id])).get(week4.id)?.status).toBe('verified');
    await amendResponse(r.deps, VCU_COORDINATOR, {
      id: week4.id,
      version: 2,
      answers: { scale: 'nrs', score: 1 },
      reason: 'source shows 1',
    });
    const after = (await sdvStatus(r.deps, MONITOR, [week4.id])).get(week4.id)!;
    expect(after.status).toBe('partial');
    expect(after.items.scale?.stale).toBeNull();
    expect(after.items.score?.stale).not.toBeNull();
  });

  test('marking an item missing with a code is a change too: its verification goes stale', async () => {
    const form = await recordPain(r, VCU_COORDINATOR, 'VCU-0002', 'week4', 4);
    await markSdv(r.deps, MONITOR, { forms: [{ id: form.id, version: 1, items: ['score'] }] });
    await amendResponse(r.deps, VCU_COORDINATOR, {
      id: form.id,
      version: 1,
      answers: { scale: 'nrs' },
      missing: { score: 'declined' },
      reason: 'the patient declined; 4 was a guess',
    });
    expect((await sdvStatus(r.deps, MONITOR, [form.id])).get(form.id)).toMatchObject({
      status: 'stale',
      items: { score: { stale: { reason: 'item changed in version 2' } } },
    });
    // Only the code changes (declined -> unknown): still a change of the verified item.
    await markSdv(r.deps, MONITOR, { forms: [{ id: form.id, version: 2, items: ['score'] }] });
    await amendResponse(r.deps, VCU_COORDINATOR, {
      id: form.id,
      version: 2,
      answers: { scale: 'nrs' },
      missing: { score: 'unknown' },
      reason: 'the source does not say whether she declined',
    });
    expect((await sdvStatus(r.deps, MONITOR, [form.id])).get(form.id)).toMatchObject({
      status: 'stale',
      items: { score: { version: 2, stale: { reason: 'item changed in version 3' } } },
    });
    expect(await verifyAudit(r.deps.db)).toMatchObject({ ok: true });
    expect(await checkAuditedRows(r.deps.db)).toMatchObject({ total: 0, orphans: 0 });
  });
});
