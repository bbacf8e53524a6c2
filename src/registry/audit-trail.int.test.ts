import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN, MONITOR, rejects, VCU_COORDINATOR } from '../../test/helpers/registry.js';
import { createWorkflowRegistry, recordPain } from '../../test/helpers/workflow.js';
import { amendResponse, auditTrail, exportAuditCsv, raiseQuery } from './index.js';

type Registry = Awaited<ReturnType<typeof createWorkflowRegistry>>;

describe('the audit trail viewer’s reads', () => {
  let r: Registry;
  let painId: number;
  beforeAll(async () => {
    r = await createWorkflowRegistry();
    r.setTime('2026-03-10T12:00:00.000Z');
    const pain = await recordPain(r, VCU_COORDINATOR, 'VCU-0001', 'week2', 6);
    painId = pain.id;
    r.setTime('2026-03-11T12:00:00.000Z');
    await amendResponse(r.deps, VCU_COORDINATOR, {
      id: pain.id,
      version: 1,
      answers: { scale: 'nrs', score: 5 },
      reason: 'typo',
    });
    await raiseQuery(r.deps, MONITOR, { responseId: pain.id, item: 'score', text: 'why 5?' });
    await recordPain(r, VCU_COORDINATOR, 'VCU-0002', 'week2', 2);
  });
  afterAll(() => r.destroy());

  test('only the admin and the monitor read it', async () => {
    expect((await rejects(auditTrail(r.deps, VCU_COORDINATOR))).code).toBe('FORBIDDEN');
    expect((await auditTrail(r.deps, ADMIN)).entries.length).toBeGreaterThan(0);
  });

  test.each([
    [
      'subject',
      { subject: 'VCU-0001' },
      ['query.raise', 'response.amend', 'response.record', 'subject.enrol'],
    ],
    ['user and family of events', { user: MONITOR.username, action: 'query.' }, ['query.raise']],
    ['one day (UTC)', { from: '2026-03-10', to: '2026-03-10' }, ['response.record']],
    ['exact event type', { action: 'response.amend' }, ['response.amend']],
  ] as const)('filters by %s, newest first', async (_name, filter, actions) => {
    const { entries } = await auditTrail(r.deps, MONITOR, filter);
    expect(entries.map((e) => e.action)).toEqual(actions);
  });

  test('events name the subject they concern, and the reason', async () => {
    const { entries } = await auditTrail(r.deps, MONITOR, { action: 'response.amend' });
    expect(entries[0]).toMatchObject({
      studyId: 'VCU-0001',
      entity: 'response',
      entityId: String(painId),
      reason: 'typo',
      at: '2026-03-11T12:00:00.000Z',
    });
  });

  test('pages: `next` continues where the page stopped, to the last event', async () => {
    const all = (await auditTrail(r.deps, MONITOR, { limit: 500 })).entries.map((e) => e.id);
    const seen: number[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await auditTrail(r.deps, MONITOR, { limit: 3, ...(before ? { before } : {}) });
      seen.push(...page.entries.map((e) => e.id));
      if (page.next === null) break;
      before = page.next;
    }
    expect(seen).toEqual(all);
  });

  test('a bad date names its field; the CSV export is itself an audit event', async () => {
    const bad = await rejects(auditTrail(r.deps, MONITOR, { from: '2026-02-30' }));
    expect(bad.issues[0]?.path).toEqual(['from']);
    let csv = '';
    const { rows } = await exportAuditCsv(r.deps, MONITOR, { subject: 'VCU-0002' }, (chunk) => {
      csv += chunk;
    });
    expect(rows).toBe(2);
    expect(csv.trimEnd().split('\n')).toHaveLength(3);
    const [last] = (await auditTrail(r.deps, ADMIN, { limit: 1 })).entries;
    expect(last).toMatchObject({
      action: 'export.audit',
      actor: MONITOR.username,
      after: { rows: 2, filter: { subject: 'VCU-0002' } },
    });
  });
});
