import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { APMSS_COORDINATOR, rejects, VCU_COORDINATOR } from '../../test/helpers/registry.js';
import { createWorkflowRegistry } from '../../test/helpers/workflow.js';
import { openLink, tokenHash } from './epro-links.js';
import { createLink, eproUrl, listLinks, revokeLink } from './index.js';
import { enrolSubject } from './subjects.js';

let r: Awaited<ReturnType<typeof createWorkflowRegistry>>;

beforeAll(async () => {
  r = await createWorkflowRegistry();
  r.setTime('2026-03-17T10:00:00.000Z');
});
afterAll(() => r.destroy());

describe('ePRO links', () => {
  test('a token is 43 base64url characters (256 bits), fresh each time; only its sha256 is stored', async () => {
    const a = await createLink(r.deps, VCU_COORDINATOR, { studyId: 'VCU-0001', visit: 'week4' });
    const b = await createLink(r.deps, VCU_COORDINATOR, { studyId: 'VCU-0002', visit: 'week4' });
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.token, 'base64url')).toHaveLength(32);
    expect(a.token).not.toBe(b.token);
    const rows = await sql<{ hash: string }>`select hash from epro_link`.execute(r.deps.db);
    expect(JSON.stringify(rows.rows)).not.toContain(a.token);
    expect(rows.rows.map((x) => x.hash)).toContain(tokenHash(a.token));
    expect(eproUrl('https://registry.example.org/', a.token)).toBe(
      `https://registry.example.org/p/${a.token}`,
    );
  });

  test('a treated subject (after the procedure, when follow-up happens) gets links; one who left does not', async () => {
    await sql`update subject set status = 'treated' where study_id = 'VCU-0002'`.execute(r.deps.db);
    const link = await createLink(r.deps, VCU_COORDINATOR, { studyId: 'VCU-0002', visit: 'week2' });
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await sql`update subject set status = 'withdrawn' where study_id = 'VCU-0002'`.execute(r.deps.db);
    const refused = await rejects(
      createLink(r.deps, VCU_COORDINATOR, { studyId: 'VCU-0002', visit: 'week2' }),
    );
    expect(refused.message).toMatch(/left the study/);
    await sql`update subject set status = 'enrolled' where study_id = 'VCU-0002'`.execute(r.deps.db);
  });

  test('regenerate: a new link revokes the old one in the same transaction; one live link per visit', async () => {
    const first = await createLink(r.deps, VCU_COORDINATOR, { studyId: 'VCU-0001', visit: 'week2' });
    const second = await createLink(r.deps, VCU_COORDINATOR, { studyId: 'VCU-0001', visit: 'week2' });
    expect(await openLink(r.deps, first.token, 'ip-a')).toMatchObject({ kind: 'revoked' });
    expect((await openLink(r.deps, second.token, 'ip-a')).kind).toBe('opened');
    const links = (await listLinks(r.deps, VCU_COORDINATOR, 'VCU-0001')).filter((l) => l.visit === 'week2');
    expect(links.filter((l) => l.revokedAt === null)).toHaveLength(1);
    const audit = await sql<{ action: string }>`select action from audit_event
      where entity_id = 'VCU-0001' and action like 'epro.link.%' order by id`.execute(r.deps.db);
    expect(audit.rows.map((x) => x.action)).toEqual(
      expect.arrayContaining(['epro.link.create', 'epro.link.regenerate', 'epro.link.open']),
    );
  });

  test('refusals name the problem: another site, no window yet, window closed, nothing to revoke, unknown visit', async () => {
    expect(
      (await rejects(createLink(r.deps, APMSS_COORDINATOR, { studyId: 'VCU-0001', visit: 'week2' }))).code,
    ).toBe('SUBJECT_NOT_FOUND');
    const { studyId } = await enrolSubject(r.deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: { sex: 'male', birth_year: 1950, consent_date: '2026-03-02' },
    });
    const noWindow = await rejects(createLink(r.deps, VCU_COORDINATOR, { studyId, visit: 'week2' }));
    expect(noWindow).toMatchObject({
      code: 'INVALID_STATE',
      message: 'visit week2 has no window yet: the subject has no index date',
    });
    r.setTime('2026-04-01T10:00:00.000Z');
    try {
      const closed = await rejects(
        createLink(r.deps, VCU_COORDINATOR, { studyId: 'VCU-0002', visit: 'week2' }),
      );
      expect(closed).toMatchObject({
        code: 'INVALID_STATE',
        message: 'the window of visit week2 closed on 2026-03-22',
      });
    } finally {
      r.setTime('2026-03-17T10:00:00.000Z');
    }
    expect(
      (await rejects(revokeLink(r.deps, VCU_COORDINATOR, { studyId: 'VCU-0002', visit: 'week12' }))).code,
    ).toBe('EPRO_LINK_NOT_FOUND');
    expect(
      (await rejects(createLink(r.deps, VCU_COORDINATOR, { studyId: 'VCU-0002', visit: 'week99' }))).code,
    ).toBe('UNKNOWN_VISIT');
  });

  test('the link lifetime caps a long window (protocol epro.linkLifetimeDays)', async () => {
    const deps = {
      ...r.deps,
      protocol: { ...r.deps.protocol, epro: { reminderDays: [3], linkLifetimeDays: 2 } },
    };
    const link = await createLink(deps, VCU_COORDINATOR, { studyId: 'VCU-0002', visit: 'week2' });
    expect(link.validTo.getTime() - link.validFrom.getTime()).toBe(2 * 86_400_000);
  });
});
