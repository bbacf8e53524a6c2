import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestRegistry, MONITOR, rejects, VCU_COORDINATOR } from '../../test/helpers/registry.js';
import { loadDemo, SYSTEM_ACTOR, studyReport } from './index.js';

describe('the study report as a use case', () => {
  let r: Awaited<ReturnType<typeof createTestRegistry>>;
  beforeAll(async () => {
    r = await createTestRegistry();
    await loadDemo(r.deps, SYSTEM_ACTOR, { subjects: 12, seed: 2 });
  });
  afterAll(() => r.destroy());

  test('a site coordinator may not run the cross-site report, and nothing is audited', async () => {
    const error = await rejects(studyReport(r.deps, VCU_COORDINATOR, 'json', (x) => x));
    expect(error.code).toBe('FORBIDDEN');
    const events = await r.deps.db
      .selectFrom('audit_event')
      .select('id')
      .where('action', '=', 'report.generate')
      .execute();
    expect(events).toHaveLength(0);
  });

  test('a monitor runs it; the audit event names who, the format and the cohort size', async () => {
    const { report, body } = await studyReport(r.deps, MONITOR, 'json', (x) => JSON.stringify(x));
    expect(report.meta.n_subjects).toBe(12);
    expect(JSON.parse(body).meta.n_subjects).toBe(12);
    const event = await r.deps.db
      .selectFrom('audit_event')
      .select(['actor', 'entity_id', 'after'])
      .where('action', '=', 'report.generate')
      .executeTakeFirstOrThrow();
    expect(event).toMatchObject({
      actor: MONITOR.username,
      entity_id: 'json',
      after: { format: 'json', subjects: 12 },
    });
  });

  test('a render that fails leaves no audit event behind', async () => {
    const before = await r.deps.db.selectFrom('audit_event').select('id').execute();
    await expect(
      studyReport(r.deps, SYSTEM_ACTOR, 'pdf', () => {
        throw new Error('no printer');
      }),
    ).rejects.toThrow('no printer');
    expect(await r.deps.db.selectFrom('audit_event').select('id').execute()).toHaveLength(before.length);
  });
});
