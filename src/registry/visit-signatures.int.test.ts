// A visit signed, locked and exported in bulk across many subjects: all or nothing, one signature and one
// audit event per form, `_signature` rows in the tidy export, the chain still verified.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ADMIN,
  APMSS_COORDINATOR,
  createTestRegistry,
  exportText,
  MONITOR,
  rejects,
  VCU_COORDINATOR,
  VCU_INVESTIGATOR,
} from '../../test/helpers/registry.js';
import { amendPain, createWorkflowRegistry, PASSWORD, recordPain } from '../../test/helpers/workflow.js';
import { checkAuditedRows, verifyAudit } from '../store/index.js';
import {
  closeQuery,
  createSite,
  importTidy,
  lockVisit,
  raiseQuery,
  SIGNATURE_MEANING,
  SYSTEM_ACTOR,
  signaturesFor,
  signVisit,
} from './index.js';

type Registry = Awaited<ReturnType<typeof createWorkflowRegistry>>;

describe('bulk: one visit across many subjects, all or nothing', () => {
  let r: Registry;
  const forms: Record<string, { id: number; version: number }> = {};
  beforeAll(async () => {
    r = await createWorkflowRegistry();
    forms.one = await recordPain(r, VCU_COORDINATOR, 'VCU-0001', 'week12', 2);
    forms.two = await recordPain(r, VCU_COORDINATOR, 'VCU-0002', 'week12', 6, 'draft');
    forms.apmss = await recordPain(r, APMSS_COORDINATOR, 'APMSS-0001', 'week12', 1);
  });
  afterAll(() => r.destroy());

  const statuses = async () =>
    (
      await r.deps.db
        .selectFrom('response')
        .select(['study_id', 'status'])
        .where('visit', '=', 'week12')
        .orderBy('study_id')
        .execute()
    ).map((x) => `${x.study_id}:${x.status}`);

  test('another site’s subject in the list is "not found", and nothing is signed', async () => {
    const other = await rejects(
      signVisit(r.deps, VCU_INVESTIGATOR, {
        visit: 'week12',
        studyIds: ['VCU-0001', 'APMSS-0001'],
        password: PASSWORD,
      }),
    );
    expect(other).toMatchObject({ code: 'SUBJECT_NOT_FOUND', message: 'subject APMSS-0001 not found' });
    expect(await statuses()).toEqual(['APMSS-0001:complete', 'VCU-0001:complete', 'VCU-0002:draft']);
  });

  test('a draft in the batch refuses the whole batch; a wrong password too', async () => {
    const draft = await rejects(
      lockVisit(r.deps, VCU_INVESTIGATOR, {
        visit: 'week12',
        studyIds: ['VCU-0001', 'VCU-0002'],
        reason: 'done',
      }),
    );
    expect(draft.code).toBe('INVALID_STATE');
    expect(draft.message).toContain('VCU-0002 pain');
    const wrong = await rejects(
      signVisit(r.deps, VCU_INVESTIGATOR, { visit: 'week12', studyIds: ['VCU-0001'], password: 'nope nope' }),
    );
    expect(wrong.code).toBe('PASSWORD_INCORRECT');
    const visit = await rejects(
      signVisit(r.deps, VCU_INVESTIGATOR, { visit: 'week99', studyIds: ['VCU-0001'], password: PASSWORD }),
    );
    expect(visit.code).toBe('UNKNOWN_VISIT');
    expect(await statuses()).toEqual(['APMSS-0001:complete', 'VCU-0001:complete', 'VCU-0002:draft']);
  });

  test('an open query on one form refuses the whole batch', async () => {
    await amendPain(r.deps, VCU_COORDINATOR, { id: forms.two!.id, version: 1 }, 6, { status: 'complete' });
    const q = await raiseQuery(r.deps, MONITOR, { responseId: forms.two!.id, item: 'score', text: 'six?' });
    const open = await rejects(
      lockVisit(r.deps, VCU_INVESTIGATOR, {
        visit: 'week12',
        studyIds: ['VCU-0001', 'VCU-0002'],
        reason: 'done',
      }),
    );
    expect(open.code).toBe('QUERY_OPEN');
    expect(await statuses()).toEqual(['APMSS-0001:complete', 'VCU-0001:complete', 'VCU-0002:complete']);
    await closeQuery(r.deps, MONITOR, { queryId: q.id });
  });

  test('sign the visit for both subjects: one signature and one audit event per form; then lock skips them', async () => {
    const before = await r.deps.db
      .selectFrom('audit_event')
      .select('id')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    const signed = await signVisit(r.deps, VCU_INVESTIGATOR, {
      visit: 'week12',
      studyIds: ['VCU-0001', 'VCU-0002'],
      password: PASSWORD,
    });
    expect(signed).toEqual({ signed: 2, alreadySigned: 0 });
    const events = await r.deps.db
      .selectFrom('audit_event')
      .select(['action', 'entity_id'])
      .where('id', '>', before.id)
      .orderBy('id')
      .execute();
    expect(events).toEqual([
      { action: 'response.sign', entity_id: String(forms.one!.id) },
      { action: 'response.sign', entity_id: String(forms.two!.id) },
    ]);
    const sigs = await signaturesFor(r.deps, VCU_COORDINATOR, [forms.one!.id, forms.two!.id]);
    expect([...sigs.values()].map((s) => [s[0]?.scope, s[0]?.state])).toEqual([
      ['visit', 'in force'],
      ['visit', 'in force'],
    ]);
    expect(
      await lockVisit(r.deps, VCU_INVESTIGATOR, {
        visit: 'week12',
        studyIds: ['VCU-0001', 'VCU-0002'],
        reason: 'x',
      }),
    ).toEqual({ locked: 0, alreadyLocked: 2 });
    expect(
      await signVisit(r.deps, VCU_INVESTIGATOR, {
        visit: 'week12',
        studyIds: ['VCU-0001'],
        password: PASSWORD,
      }),
    ).toEqual({ signed: 0, alreadySigned: 1 });
  });

  test('the tidy export shows each signature in force as a `_signature` row; an import skips it', async () => {
    const csv = await exportText(r, MONITOR);
    const lines = csv.trimEnd().split('\n');
    const signature = lines.filter((l) => l.includes(',_signature,'));
    expect(signature).toHaveLength(2);
    const [hash] = (await signaturesFor(r.deps, MONITOR, [forms.one!.id])).get(forms.one!.id)!;
    expect(signature[0]).toBe(
      `VCU-0001,VCU,week12,pain,1,_signature,name=${VCU_INVESTIGATOR.username}; username=${VCU_INVESTIGATOR.username}; signed_at=2026-03-02T09:00:00.000Z; meaning=${SIGNATURE_MEANING}; sha256=${hash!.contentSha256}; state=in force`,
    );
    // The row follows the form's items.
    const at = lines.indexOf(signature[0]!);
    expect(lines[at - 1]).toMatch(/^VCU-0001,VCU,week12,pain,1,score,2$/);
    const target = await createTestRegistry();
    try {
      await createSite(target.deps, ADMIN, { id: 'VCU', name: 'Virginia Commonwealth University' });
      await createSite(target.deps, ADMIN, { id: 'APMSS', name: 'Atlantic Pain Management & Spine Surgery' });
      await importTidy(target.deps, SYSTEM_ACTOR, csv);
      const imported = await target.deps.db
        .selectFrom('response')
        .select(['study_id', 'status'])
        .where('visit', '=', 'week12')
        .orderBy('study_id')
        .execute();
      expect(imported.map((x) => `${x.study_id}:${x.status}`)).toEqual([
        'APMSS-0001:complete',
        'VCU-0001:complete',
        'VCU-0002:complete',
      ]);
      expect(await target.deps.db.selectFrom('signature').selectAll().execute()).toEqual([]);
    } finally {
      await target.destroy();
    }
  });

  test('the chain and every audited row still verify', async () => {
    expect(await verifyAudit(r.deps.db)).toMatchObject({ ok: true });
    expect(await checkAuditedRows(r.deps.db)).toMatchObject({ total: 0, orphans: 0 });
  });
});
