import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ADMIN,
  createTestRegistry,
  exportText,
  rejects,
  type TestRegistry,
  VCU_COORDINATOR,
} from '../../test/helpers/registry.js';
import { ODI_SECTIONS } from '../instruments/index.js';
import { verifyAudit } from '../store/index.js';
import {
  amendResponse,
  createSite,
  enrolSubject,
  importTidy,
  recordResponse,
  SYSTEM_ACTOR,
} from './index.js';

async function responseRow(r: TestRegistry, id: number) {
  return r.deps.db
    .selectFrom('response')
    .select(['answers', 'missing', 'scores', 'pain_nrs', 'odi_pct', 'status', 'version'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

async function lastAudit(r: TestRegistry, entityId: string) {
  return r.deps.db
    .selectFrom('audit_event')
    .select(['action', 'before', 'after', 'reason'])
    .where('entity', '=', 'response')
    .where('entity_id', '=', entityId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
}

/** ODI answers with every section scored 2 except the ones left out. */
function odiAnswers(except: string[]): Record<string, string[]> {
  return Object.fromEntries(ODI_SECTIONS.filter(([id]) => !except.includes(id)).map(([id]) => [id, ['2']]));
}

describe('missing-data codes: a VCU coordinator records, amends, exports and re-imports coded items', () => {
  let r: TestRegistry;
  let pain: { id: number; version: number };
  let odi: { id: number; version: number };
  beforeAll(async () => {
    r = await createTestRegistry();
    await createSite(r.deps, ADMIN, { id: 'VCU', name: 'Virginia Commonwealth University' });
  });
  afterAll(() => r.destroy());

  test('enrolment with sex "declined": the form is complete, the code is stored apart from the answers', async () => {
    const enrolled = await enrolSubject(r.deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: { birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-02' },
      missing: { sex: 'declined' },
    });
    const row = await responseRow(r, enrolled.responseId);
    expect(row.answers).not.toHaveProperty('sex');
    expect(row.missing).toEqual({ sex: 'declined' });
  });

  test('a required pain score marked "declined" completes the form; the typed column stays empty', async () => {
    const ref = await recordResponse(r.deps, VCU_COORDINATOR, {
      studyId: 'VCU-0001',
      visit: 'baseline',
      instrument: 'pain',
      answers: { scale: 'nrs' },
      missing: { score: 'declined' },
    });
    pain = ref;
    const row = await responseRow(r, ref.id);
    expect(row).toMatchObject({
      status: 'complete',
      answers: { scale: 'nrs' },
      missing: { score: 'declined' },
    });
    expect(row.pain_nrs).toBeNull();
    const audit = await lastAudit(r, String(ref.id));
    expect(audit.action).toBe('response.record');
    expect(audit.after).toMatchObject({ answers: { scale: 'nrs' }, missing: { score: 'declined' } });
  });

  test('without a code, the same form is refused: the score is required', async () => {
    const error = await rejects(
      recordResponse(r.deps, VCU_COORDINATOR, {
        studyId: 'VCU-0001',
        visit: 'week2',
        instrument: 'pain',
        answers: { scale: 'nrs' },
      }),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.issues.map((i) => i.path[0])).toEqual(['score']);
  });

  test('an unknown code, or a code on an answered item, is refused naming the item', async () => {
    const unknown = await rejects(
      recordResponse(r.deps, VCU_COORDINATOR, {
        studyId: 'VCU-0001',
        visit: 'week2',
        instrument: 'pain',
        answers: { scale: 'nrs' },
        missing: { score: 'skipped' },
      }),
    );
    expect(unknown.message).toContain('pain score missing-data code "skipped" is not one of');
    const both = await rejects(
      recordResponse(r.deps, VCU_COORDINATOR, {
        studyId: 'VCU-0001',
        visit: 'week2',
        instrument: 'pain',
        answers: { scale: 'nrs', score: 3 },
        missing: { score: 'unknown' },
      }),
    );
    expect(both.issues.map((i) => [i.path[0], (i as { code?: string }).code])).toEqual([
      ['score', 'answered_and_missing'],
    ]);
  });

  test('ODI with one section declined is prorated over the nine answered', async () => {
    odi = await recordResponse(r.deps, VCU_COORDINATOR, {
      studyId: 'VCU-0001',
      visit: 'baseline',
      instrument: 'odi',
      answers: odiAnswers(['s8_sex_life']),
      missing: { s8_sex_life: 'declined' },
    });
    const row = await responseRow(r, odi.id);
    expect(row.odi_pct).toBeCloseTo((18 / 45) * 100, 10);
    expect(row.scores).toMatchObject({ odi_missing: 1, odi_answered: 9 });
  });

  test('changing a code of a complete form is an amendment: it needs a reason and is audited', async () => {
    const noReason = await rejects(
      amendResponse(r.deps, VCU_COORDINATOR, {
        id: pain.id,
        version: pain.version,
        answers: { scale: 'nrs' },
        missing: { score: 'unknown' },
      }),
    );
    expect(noReason.code).toBe('REASON_REQUIRED');
    pain = await amendResponse(r.deps, VCU_COORDINATOR, {
      id: pain.id,
      version: pain.version,
      answers: { scale: 'nrs' },
      missing: { score: 'unknown' },
      reason: 'patient could not say, not a refusal',
    });
    expect((await responseRow(r, pain.id)).missing).toEqual({ score: 'unknown' });
    const audit = await lastAudit(r, String(pain.id));
    expect(audit).toMatchObject({
      action: 'response.amend',
      before: { missing: { score: 'declined' } },
      after: { missing: { score: 'unknown' } },
      reason: 'patient could not say, not a refusal',
    });
  });

  test('answering a coded item clears its code; the typed score column is filled', async () => {
    pain = await amendResponse(r.deps, VCU_COORDINATOR, {
      id: pain.id,
      version: pain.version,
      answers: { scale: 'nrs', score: 7 },
      reason: 'patient answered at the next call',
    });
    const row = await responseRow(r, pain.id);
    expect(row.missing).toBeNull();
    expect(row.pain_nrs).toBe(7);
    const audit = await lastAudit(r, String(pain.id));
    expect(audit.before).toMatchObject({ missing: { score: 'unknown' } });
    expect(audit.after).toMatchObject({ missing: {}, answers: { scale: 'nrs', score: 7 } });
  });

  test('an amendment of other items keeps the codes it does not touch', async () => {
    const answers = { ...odiAnswers(['s8_sex_life']), s1_pain_intensity: ['4'] };
    odi = await amendResponse(r.deps, VCU_COORDINATOR, {
      id: odi.id,
      version: odi.version,
      answers,
      reason: 'pain intensity misread from the paper form',
    });
    const row = await responseRow(r, odi.id);
    expect(row.missing).toEqual({ s8_sex_life: 'declined' });
    expect(row.odi_pct).toBeCloseTo((20 / 45) * 100, 10);
  });

  test('a typed answer in the reserved form of a code is refused', async () => {
    const error = await rejects(
      recordResponse(r.deps, VCU_COORDINATOR, {
        studyId: 'VCU-0001',
        visit: 'baseline',
        instrument: 'eligibility',
        answers: { eligible: false, ineligible_reason: '[missing:declined]' },
      }),
    );
    expect(error.issues.map((i) => [i.path[0], (i as { code?: string }).code])).toEqual([
      ['ineligible_reason', 'reserved'],
    ]);
  });

  test('the tidy export carries each code; import into an empty registry gives the same rows and file', async () => {
    const exported = await exportText(r);
    expect(exported).toContain('VCU-0001,VCU,baseline,enrollment,1,sex,[missing:declined]\n');
    expect(exported).toContain('VCU-0001,VCU,baseline,odi,1,s8_sex_life,[missing:declined]\n');
    expect(exported).toContain('VCU-0001,VCU,baseline,pain,1,score,7\n');
    const target = await createTestRegistry();
    try {
      await importTidy(target.deps, SYSTEM_ACTOR, exported);
      expect(await exportText(target)).toBe(exported);
      const rows = async (x: TestRegistry) =>
        x.deps.db
          .selectFrom('response')
          .select(['instrument', 'answers', 'missing', 'pain_nrs', 'odi_pct'])
          .orderBy('instrument')
          .execute();
      expect(await rows(target)).toEqual(await rows(r));
      expect((await verifyAudit(target.deps.db)).ok).toBe(true);
    } finally {
      await target.destroy();
    }
    expect((await verifyAudit(r.deps.db)).ok).toBe(true);
  });

  test('an import with a code the registry does not know is refused, naming the line and item', async () => {
    const target = await createTestRegistry();
    try {
      const csv = [
        'study_id,site,visit,instrument,instance,item,value',
        'VCU-0009,VCU,baseline,enrollment,1,study_id,VCU-0009',
        'VCU-0009,VCU,baseline,enrollment,1,site,VCU',
        'VCU-0009,VCU,baseline,enrollment,1,consent_date,2026-03-01',
        'VCU-0009,VCU,baseline,pain,1,scale,nrs',
        'VCU-0009,VCU,baseline,pain,1,score,[missing:maybe]',
        '',
      ].join('\n');
      const error = await rejects(importTidy(target.deps, SYSTEM_ACTOR, csv));
      expect(error.code).toBe('IMPORT_FAILED');
      expect(error.issues.map((i) => i.message).join('\n')).toMatch(
        /line 6.*score "\[missing:maybe\]" is not a missing-data code/,
      );
    } finally {
      await target.destroy();
    }
  });
});
