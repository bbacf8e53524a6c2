import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ADMIN,
  APMSS_COORDINATOR,
  createTestRegistry,
  MONITOR,
  rejects,
  VCU_COORDINATOR,
  VCU_INVESTIGATOR,
} from '../../test/helpers/registry.js';
import { type Actor, createSite, enrolSubject, exportTidy, SYSTEM_ACTOR, studyReport } from './index.js';

const STATISTICIAN: Actor = { username: 'stan.stats', role: 'statistician', siteId: null };
/** A coordinator whose account lost its site: must reach nothing, never every site. */
const SITELESS_COORDINATOR: Actor = { username: 'nell.nosite', role: 'coordinator', siteId: null };

type Registry = Awaited<ReturnType<typeof createTestRegistry>>;

async function exportIds(r: Registry, actor: Actor): Promise<string[]> {
  let text = '';
  await exportTidy(r.deps, actor, (chunk) => {
    text += chunk;
  });
  const ids = text
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[0]!);
  return [...new Set(ids)].sort();
}

async function auditCount(r: Registry, action: string): Promise<number> {
  return (await r.deps.db.selectFrom('audit_event').select('id').where('action', '=', action).execute())
    .length;
}

describe('one scope rule decides every read, export and report, and refuses by default', () => {
  let r: Registry;
  beforeAll(async () => {
    r = await createTestRegistry();
    await createSite(r.deps, ADMIN, { id: 'VCU', name: 'Virginia Commonwealth University' });
    await createSite(r.deps, ADMIN, { id: 'APMSS', name: 'Atlantic Pain Management & Spine Surgery' });
    const answers = { sex: 'female', birth_year: 1948, consent_date: '2026-03-02' };
    await enrolSubject(r.deps, VCU_COORDINATOR, { siteId: 'VCU', answers });
    await enrolSubject(r.deps, VCU_COORDINATOR, { siteId: 'VCU', answers });
    await enrolSubject(r.deps, APMSS_COORDINATOR, { siteId: 'APMSS', answers });
  });
  afterAll(() => r.destroy());

  test('the admin manages sites and users but exports no patient data (it exported every site before)', async () => {
    const error = await rejects(exportIds(r, ADMIN));
    expect(error).toMatchObject({ code: 'FORBIDDEN', message: 'role admin may not data read' });
    expect(await auditCount(r, 'export.tidy')).toBe(0);
  });

  test('a coordinator without a site reaches nothing, not every site', async () => {
    expect((await rejects(exportIds(r, SITELESS_COORDINATOR))).code).toBe('FORBIDDEN');
    expect(await auditCount(r, 'export.tidy')).toBe(0);
  });

  test('site staff export their own site only, and the audit event names that site', async () => {
    expect(await exportIds(r, VCU_COORDINATOR)).toEqual(['VCU-0001', 'VCU-0002']);
    expect(await exportIds(r, VCU_INVESTIGATOR)).toEqual(['VCU-0001', 'VCU-0002']);
    expect(await exportIds(r, APMSS_COORDINATOR)).toEqual(['APMSS-0001']);
    const event = await r.deps.db
      .selectFrom('audit_event')
      .select(['actor', 'site_id', 'after'])
      .where('action', '=', 'export.tidy')
      .where('actor', '=', APMSS_COORDINATOR.username)
      .executeTakeFirstOrThrow();
    expect(event).toMatchObject({ site_id: 'APMSS', after: { subjects: 1, scope: ['APMSS'] } });
  });

  test('the monitor exports every site, pseudonymised by study id', async () => {
    expect(await exportIds(r, MONITOR)).toEqual(['APMSS-0001', 'VCU-0001', 'VCU-0002']);
    expect(await exportIds(r, SYSTEM_ACTOR)).toEqual(['APMSS-0001', 'VCU-0001', 'VCU-0002']);
  });

  test('the statistician takes reports and de-identified exports only, so not the tidy export', async () => {
    expect((await rejects(exportIds(r, STATISTICIAN))).code).toBe('FORBIDDEN');
  });

  test.each([
    ['admin', ADMIN],
    ['a coordinator', VCU_COORDINATOR],
    ['an investigator', VCU_INVESTIGATOR],
    ['a coordinator without a site', SITELESS_COORDINATOR],
  ])('%s may not run the cross-site report', async (_who, actor) => {
    const before = await auditCount(r, 'report.generate');
    expect((await rejects(studyReport(r.deps, actor, 'json', (x) => x))).code).toBe('FORBIDDEN');
    expect(await auditCount(r, 'report.generate')).toBe(before);
  });

  test.each([
    ['the monitor', MONITOR],
    ['the statistician', STATISTICIAN],
  ])('%s runs the report over every site', async (_who, actor) => {
    const { report } = await studyReport(r.deps, actor, 'json', (x) => x);
    expect(report.meta.n_subjects).toBe(3);
  });
});
