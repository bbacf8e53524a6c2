import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestRegistry, rejects } from '../../test/helpers/registry.js';
import { loadDemo } from './demo.js';
import { SYSTEM_ACTOR } from './index.js';

describe('the demo cohort is one transaction', () => {
  let registry: Awaited<ReturnType<typeof createTestRegistry>>;
  beforeAll(async () => {
    registry = await createTestRegistry();
  });
  afterAll(() => registry.destroy());

  const counts = async () => ({
    sites: (await registry.deps.db.selectFrom('site').select('id').execute()).length,
    subjects: (await registry.deps.db.selectFrom('subject').select('study_id').execute()).length,
    audit: (await registry.deps.db.selectFrom('audit_event').select('id').execute()).length,
  });

  test('a demo that fails half-way (after its sites) leaves nothing behind', async () => {
    const error = await rejects(
      loadDemo(registry.deps, SYSTEM_ACTOR, {
        subjects: 20,
        seed: 1,
        onProgress: () => {
          throw new Error('killed mid-import');
        },
      }),
    );
    expect(error.message).toBe('killed mid-import');
    expect(await counts()).toEqual({ sites: 0, subjects: 0, audit: 0 });
  });

  test('two demos at once: one loads, the other is refused as not empty (no duplicate key)', async () => {
    const results = await Promise.allSettled([
      loadDemo(registry.deps, SYSTEM_ACTOR, { subjects: 20, seed: 1 }),
      loadDemo(registry.deps, SYSTEM_ACTOR, { subjects: 20, seed: 2 }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'REGISTRY_NOT_EMPTY' });
    expect(await counts()).toMatchObject({ sites: 3, subjects: 20 });
  });

  test.each([0, 100_001, 1e20])('refuses %d subjects with the bound in the message', async (subjects) => {
    const error = await rejects(loadDemo(registry.deps, SYSTEM_ACTOR, { subjects, seed: 1 }));
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(error.message).toContain('from 1 to 100,000');
  });
});
