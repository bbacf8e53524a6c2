import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  APMSS_COORDINATOR,
  MONITOR,
  rejects,
  VCU_COORDINATOR,
  VCU_INVESTIGATOR,
} from '../../test/helpers/registry.js';
import { createWorkflowRegistry, recordPain } from '../../test/helpers/workflow.js';
import { checkAuditedRows, verifyAudit } from '../store/index.js';
import { answerQuery, closeQuery, lockResponse, queriesFor, raiseQuery, reopenQuery } from './index.js';

type Registry = Awaited<ReturnType<typeof createWorkflowRegistry>>;

describe('the monitor queries a pain score; VCU answers; the monitor closes it', () => {
  let r: Registry;
  let pain: { id: number; version: number };
  let queryId: number;
  beforeAll(async () => {
    r = await createWorkflowRegistry();
    pain = await recordPain(r, VCU_COORDINATOR, 'VCU-0001', 'week2', 8);
  });
  afterAll(() => r.destroy());

  test('only a monitor raises a query, on an item of an entered form, assigned to staff of its site', async () => {
    const text = 'Score 8 at week 2 after 2 at procedure: please check the source';
    expect(
      (await rejects(raiseQuery(r.deps, VCU_COORDINATOR, { responseId: pain.id, item: 'score', text }))).code,
    ).toBe('FORBIDDEN');
    const unknown = await rejects(raiseQuery(r.deps, MONITOR, { responseId: pain.id, item: 'scroe', text }));
    expect(unknown).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'item: scroe is not an item of pain',
    });
    expect(unknown.issues[0]?.path).toEqual(['item']);
    const noText = await rejects(
      raiseQuery(r.deps, MONITOR, { responseId: pain.id, item: 'score', text: ' ' }),
    );
    expect(noText.issues[0]?.path).toEqual(['text']);
    const elsewhere = await rejects(
      raiseQuery(r.deps, MONITOR, {
        responseId: pain.id,
        item: 'score',
        text,
        assignee: APMSS_COORDINATOR.username,
      }),
    );
    expect(elsewhere.issues[0]?.path).toEqual(['assignee']);
    const draft = await recordPain(r, VCU_COORDINATOR, 'VCU-0001', 'week4', undefined, 'draft');
    expect(
      (await rejects(raiseQuery(r.deps, MONITOR, { responseId: draft.id, item: 'score', text }))).code,
    ).toBe('INVALID_STATE');
    expect(
      (await rejects(raiseQuery(r.deps, MONITOR, { responseId: 999_999, item: 'score', text }))).code,
    ).toBe('RESPONSE_NOT_FOUND');
    const raised = await raiseQuery(r.deps, MONITOR, {
      responseId: pain.id,
      item: 'score',
      text,
      assignee: VCU_COORDINATOR.username,
    });
    expect(raised.status).toBe('open');
    queryId = raised.id;
  });

  test('"assigned to me": the assignee and the unassigned site staff see it; another site sees nothing', async () => {
    const mine = await queriesFor(r.deps, VCU_COORDINATOR, { mine: true });
    expect(mine.map((q) => [q.id, q.studyId, q.visit, q.instrument, q.item, q.status])).toEqual([
      [queryId, 'VCU-0001', 'week2', 'pain', 'score', 'open'],
    ]);
    expect(mine[0]!.messages).toMatchObject([
      { kind: 'raise', author: MONITOR.username, at: '2026-03-02T09:00:00.000Z' },
    ]);
    // Assigned to the coordinator: not the investigator's work.
    expect(await queriesFor(r.deps, VCU_INVESTIGATOR, { mine: true })).toEqual([]);
    expect((await queriesFor(r.deps, VCU_INVESTIGATOR, {})).map((q) => q.id)).toEqual([queryId]);
    expect(await queriesFor(r.deps, APMSS_COORDINATOR, {})).toEqual([]);
    // The monitor's own worklist holds answered queries waiting for them.
    expect(await queriesFor(r.deps, MONITOR, { mine: true })).toEqual([]);
    expect((await queriesFor(r.deps, MONITOR, { status: ['open'] })).map((q) => q.id)).toEqual([queryId]);
  });

  test('another site answers "not found"; an open query stops the form being locked', async () => {
    const other = await rejects(answerQuery(r.deps, APMSS_COORDINATOR, { queryId, text: 'checked' }));
    expect(other).toMatchObject({ code: 'QUERY_NOT_FOUND', message: `query ${queryId} not found` });
    expect((await rejects(closeQuery(r.deps, VCU_COORDINATOR, { queryId }))).code).toBe('FORBIDDEN');
    const locked = await rejects(
      lockResponse(r.deps, VCU_INVESTIGATOR, {
        id: pain.id,
        version: pain.version,
        reason: 'visit reviewed',
      }),
    );
    expect(locked.code).toBe('QUERY_OPEN');
    expect(locked.message).toContain('open query on score');
  });

  test('an answer by amendment on a stale version is refused, and the query stays open', async () => {
    const stale = await rejects(
      answerQuery(r.deps, VCU_COORDINATOR, {
        queryId,
        text: 'transcription error',
        amendment: { version: pain.version + 5, value: 3 },
      }),
    );
    expect(stale.code).toBe('VERSION_CONFLICT');
    expect((await queriesFor(r.deps, MONITOR, { responseId: pain.id }))[0]!.status).toBe('open');
  });

  test('the coordinator answers with an amendment: the value changes with the answer as its reason', async () => {
    r.setTime('2026-03-03T10:00:00.000Z');
    const answered = await answerQuery(r.deps, VCU_COORDINATOR, {
      queryId,
      text: 'transcription error: the source says 3',
      amendment: { version: pain.version, value: 3 },
    });
    expect(answered).toMatchObject({ status: 'answered', response: { version: pain.version + 1 } });
    const row = await r.deps.db
      .selectFrom('response')
      .selectAll()
      .where('id', '=', pain.id)
      .executeTakeFirstOrThrow();
    expect(row.answers).toEqual({ scale: 'nrs', score: 3 });
    expect(row.pain_nrs).toBe(3);
    const amend = await r.deps.db
      .selectFrom('audit_event')
      .select(['actor', 'reason'])
      .where('action', '=', 'response.amend')
      .where('entity_id', '=', String(pain.id))
      .executeTakeFirstOrThrow();
    expect(amend).toEqual({
      actor: VCU_COORDINATOR.username,
      reason: `query ${queryId}: transcription error: the source says 3`,
    });
    expect((await rejects(answerQuery(r.deps, VCU_COORDINATOR, { queryId, text: 'again' }))).code).toBe(
      'INVALID_STATE',
    );
    expect((await queriesFor(r.deps, MONITOR, { mine: true })).map((q) => q.id)).toEqual([queryId]);
    expect(await queriesFor(r.deps, VCU_COORDINATOR, { mine: true })).toEqual([]);
  });

  test('the monitor reopens it, the site explains, the monitor closes it; the thread keeps every step', async () => {
    expect((await rejects(reopenQuery(r.deps, MONITOR, { queryId, text: '' }))).issues[0]?.path).toEqual([
      'text',
    ]);
    await reopenQuery(r.deps, MONITOR, { queryId, text: 'Please attach the clinic note reference' });
    expect((await rejects(reopenQuery(r.deps, MONITOR, { queryId, text: 'again' }))).code).toBe(
      'INVALID_STATE',
    );
    await answerQuery(r.deps, VCU_INVESTIGATOR, {
      queryId,
      text: 'Clinic note 2026-03-03 says 3; value stays',
    });
    await closeQuery(r.deps, MONITOR, { queryId });
    expect((await rejects(closeQuery(r.deps, MONITOR, { queryId }))).code).toBe('INVALID_STATE');
    const [q] = await queriesFor(r.deps, VCU_COORDINATOR, { studyId: 'VCU-0001' });
    expect(q!.status).toBe('closed');
    expect(q!.messages.map((m) => [m.kind, m.author, m.text, m.responseVersion])).toEqual([
      ['raise', MONITOR.username, 'Score 8 at week 2 after 2 at procedure: please check the source', null],
      ['answer', VCU_COORDINATOR.username, 'transcription error: the source says 3', pain.version + 1],
      ['reopen', MONITOR.username, 'Please attach the clinic note reference', null],
      ['answer', VCU_INVESTIGATOR.username, 'Clinic note 2026-03-03 says 3; value stays', null],
      ['close', MONITOR.username, 'answer accepted', null],
    ]);
    // Closed: the form can be locked now.
    const locked = await lockResponse(r.deps, VCU_INVESTIGATOR, {
      id: pain.id,
      version: pain.version + 1,
      reason: 'week 2 reviewed',
    });
    expect(locked.status).toBe('locked');
  });

  test('the monitor may withdraw an open query; every step above is in a verifiable chain', async () => {
    const q = await raiseQuery(r.deps, MONITOR, { responseId: pain.id, item: 'scale', text: 'NRS or VAS?' });
    expect(await closeQuery(r.deps, MONITOR, { queryId: q.id, text: 'raised in error' })).toMatchObject({
      status: 'closed',
    });
    expect(await verifyAudit(r.deps.db)).toMatchObject({ ok: true });
    expect(await checkAuditedRows(r.deps.db)).toMatchObject({ total: 0, orphans: 0 });
    const actions = await r.deps.db
      .selectFrom('audit_event')
      .select('action')
      .where('entity', '=', 'query')
      .orderBy('id')
      .execute();
    expect(actions.map((a) => a.action)).toEqual([
      'query.raise',
      'query.answer',
      'query.reopen',
      'query.answer',
      'query.close',
      'query.raise',
      'query.close',
    ]);
  });
});
