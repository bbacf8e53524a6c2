import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ADMIN,
  countRows,
  createRegistryWithSubject,
  rejects,
  type TestRegistry,
  VCU_COORDINATOR,
} from '../../test/helpers/registry.js';
import { amendResponse, createSite, enrolSubject, recordResponse } from './index.js';

describe('what the database cannot hold is refused at validation, naming the field, and nothing is written', () => {
  let r: TestRegistry;
  let studyId: string;
  beforeAll(async () => {
    ({ r, studyId } = await createRegistryWithSubject(
      { consent_date: '2026-02-01' },
      '2026-03-02T09:00:00.000Z',
    ));
  });
  afterAll(() => r.destroy());

  const events = () => countRows(r.deps.db, 'audit_event');

  test('a NUL byte in a site name, an answer or an identity field', async () => {
    const before = await events();
    const site = await rejects(createSite(r.deps, ADMIN, { id: 'NUL', name: 'Bad\u0000Site' }));
    expect(site).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(site.issues).toEqual([
      {
        path: ['name'],
        code: 'invalid_text',
        message: 'name contains a NUL character (\\u0000), which cannot be stored',
      },
    ]);
    const answer = await rejects(
      recordResponse(r.deps, VCU_COORDINATOR, {
        studyId,
        visit: 'week52',
        instrument: 'end_of_study',
        answers: { status: 'withdrawn', date: '2026-02-20', reason: 'moved\u0000away' },
      }),
    );
    expect(answer.issues.map((i) => i.path)).toEqual([['answers', 'reason']]);
    const identity = await rejects(
      enrolSubject(r.deps, VCU_COORDINATOR, {
        siteId: 'VCU',
        answers: { consent_date: '2026-02-01' },
        identity: { family_name: 'Ada\u0000' },
      }),
    );
    expect(identity.issues.map((i) => i.path)).toEqual([['identity', 'family_name']]);
    expect(await events()).toBe(before);
  });

  test('an instance or a version beyond a PostgreSQL integer', async () => {
    const instance = await rejects(
      recordResponse(r.deps, VCU_COORDINATOR, {
        studyId,
        visit: 'week2',
        instrument: 'adverse_event',
        instance: 99_999_999_999,
        answers: { term: 'pain_flare', onset_date: '2026-02-20' },
      }),
    );
    expect(instance.code).toBe('VALIDATION_FAILED');
    expect(instance.issues.map((i) => i.path)).toEqual([['instance']]);
    const version = await rejects(
      amendResponse(r.deps, VCU_COORDINATOR, { id: 1, version: 99_999_999_999, answers: {} }),
    );
    expect(version.code).toBe('VALIDATION_FAILED');
    expect(version.issues.map((i) => i.path)).toEqual([['version']]);
  });
});
