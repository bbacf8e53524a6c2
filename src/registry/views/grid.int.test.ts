// The participant grid on a 120-subject demo registry: paging, order by next due date, filters, who
// may read it, and one VCU subject's visits moving through their states on the grid and subject page.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ADMIN,
  APMSS_COORDINATOR,
  createDemoRegistry,
  MONITOR,
  rejects,
  type TestRegistry,
  VCU_COORDINATOR,
} from '../../../test/helpers/registry.js';
import { SACROPLASTY_SIF } from '../../protocol/index.js';
import { extractCohort } from '../../store/index.js';
import { enrolSubject, markSdv, raiseQuery, recordResponse, recordVisit } from '../index.js';
import {
  assignedQueries,
  dueVisits,
  formsMissingItems,
  participantGrid,
  siteDashboards,
  subjectView,
  unsignedForms,
} from './index.js';
import { studyIdsByNextDue } from './next-due.js';
import { readOpenQueries, readSubjectFacts } from './subject-facts.js';
import { nextDue, visitCells } from './visit-cells.js';

const NOW = '2026-03-02T09:00:00.000Z';
const TODAY = NOW.slice(0, 10);

describe('the staff pages read a 120-subject demo registry at a fixed clock (2 March 2026)', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await createDemoRegistry(NOW, { subjects: 120, seed: 8 });
  });
  afterAll(() => registry.destroy());

  test('a visit is collected in the grid exactly where the study report sees it (the progress triggers keep up)', async () => {
    const cohort = await extractCohort(registry.deps.db, registry.deps.protocol, TODAY);
    const facts = await readSubjectFacts(registry.deps.db, null);
    expect(facts).toHaveLength(cohort.subjects.length);
    const now = registry.deps.clock();
    for (const f of facts) {
      const s = cohort.subjects.find((x) => x.studyId === f.studyId)!;
      const collected = visitCells(registry.deps.protocol, f, now)
        .filter((c) => ['done', 'done_out_of_window', 'signed', 'locked', 'open_query'].includes(c.state))
        .map((c) => c.visit)
        .sort();
      expect(collected, f.studyId).toEqual([...s.visits.keys()].sort());
    }
  });

  test('the grid pages by study id: 50 a page, the VCU coordinator sees VCU only, the monitor every site', async () => {
    const vcu = await participantGrid(registry.deps, VCU_COORDINATOR, { page: 1 });
    const total = await registry.deps.db
      .selectFrom('subject')
      .select((e) => e.fn.countAll<string>().as('n'))
      .where('site_id', '=', 'VCU')
      .executeTakeFirstOrThrow();
    expect(vcu.total).toBe(Number(total.n));
    expect(vcu.rows.length).toBe(Math.min(50, vcu.total));
    expect(vcu.rows.every((r) => r.siteId === 'VCU')).toBe(true);
    expect(vcu.rows[0]!.cells.map((c) => c.visit)).toEqual(registry.deps.protocol.visits.map((v) => v.code));
    const ids = vcu.rows.map((r) => r.studyId);
    expect(ids).toEqual([...ids].sort());
    const monitor = await participantGrid(registry.deps, MONITOR, { page: 2, pageSize: 10 });
    expect(monitor.total).toBe(120);
    expect(monitor.pages).toBe(12);
    expect(monitor.rows).toHaveLength(10);
    const everySite = await participantGrid(registry.deps, MONITOR, { pageSize: 100 });
    expect(new Set(everySite.rows.map((r) => r.siteId)).size).toBeGreaterThan(1);
    // Study ids only: nothing from subject_identity travels in the grid.
    expect(JSON.stringify(monitor)).not.toMatch(/family_name|familyName|mrn|birth/i);
  });

  test('a page read alone gives the same cells as the whole registry read at once', async () => {
    const page = await participantGrid(registry.deps, MONITOR, { page: 3, pageSize: 20 });
    const all = await participantGrid(registry.deps, MONITOR, { sort: 'next_due', pageSize: 100 });
    const rest = await participantGrid(registry.deps, MONITOR, { sort: 'next_due', pageSize: 100, page: 2 });
    const byId = new Map([...all.rows, ...rest.rows].map((r) => [r.studyId, r]));
    expect(byId.size).toBe(120);
    for (const r of page.rows) expect(byId.get(r.studyId)).toEqual(r);
  });

  test('sorts by next due date, subjects with nothing left last', async () => {
    const rows = [
      ...(await participantGrid(registry.deps, MONITOR, { sort: 'next_due', pageSize: 100 })).rows,
      ...(await participantGrid(registry.deps, MONITOR, { sort: 'next_due', pageSize: 100, page: 2 })).rows,
    ];
    const keys = rows.map((r) => r.nextDue ?? '9999-12-31');
    expect(keys).toEqual([...keys].sort());
  });

  test('PostgreSQL orders by next due date as the schedule does, on any day, at one site or all', async () => {
    for (const day of ['2025-01-10', TODAY, '2026-06-15', '2027-02-01']) {
      const now = new Date(`${day}T09:00:00.000Z`);
      for (const sites of [null, ['VCU']]) {
        const facts = await readSubjectFacts(registry.deps.db, sites);
        const queries = await readOpenQueries(registry.deps.db, sites);
        const expected = facts
          .map((f) => ({
            id: f.studyId,
            due: nextDue(visitCells(SACROPLASTY_SIF, f, now, queries.get(f.studyId))),
          }))
          .sort((a, b) =>
            a.due !== b.due
              ? a.due === null
                ? 1
                : b.due === null
                  ? -1
                  : a.due < b.due
                    ? -1
                    : 1
              : a.id < b.id
                ? -1
                : a.id > b.id
                  ? 1
                  : 0,
          )
          .map((r) => r.id);
        expect(await studyIdsByNextDue(registry.deps.db, SACROPLASTY_SIF, sites, day)).toEqual(expected);
      }
    }
  });

  test('filters by state at one visit, and by state at any visit', async () => {
    const overdue = await participantGrid(registry.deps, MONITOR, { state: 'overdue', pageSize: 100 });
    for (const r of overdue.rows) expect(r.cells.some((c) => c.state === 'overdue')).toBe(true);
    const doneWeek2 = await participantGrid(registry.deps, MONITOR, {
      state: 'done',
      visit: 'week2',
      pageSize: 100,
    });
    expect(doneWeek2.total).toBeGreaterThan(0);
    for (const r of doneWeek2.rows) expect(r.cells.find((c) => c.visit === 'week2')!.state).toBe('done');
    const error = await rejects(participantGrid(registry.deps, MONITOR, { visit: 'week3' }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toBe('visit: week3 is not a visit of the protocol');
  });

  test('the admin and the statistician read no patient data', async () => {
    expect((await rejects(participantGrid(registry.deps, ADMIN))).code).toBe('FORBIDDEN');
    expect((await rejects(dueVisits(registry.deps, ADMIN))).code).toBe('FORBIDDEN');
    expect((await rejects(siteDashboards(registry.deps, ADMIN))).code).toBe('FORBIDDEN');
    const statistician = { username: 'stan', role: 'statistician' as const, siteId: null };
    expect((await rejects(subjectView(registry.deps, statistician, 'VCU-0001'))).code).toBe('FORBIDDEN');
  });

  describe('a VCU subject treated on 16 February, seen at baseline and the procedure only', () => {
    let studyId = '';
    const cell = async (visit: string, actor = VCU_COORDINATOR) =>
      (await subjectView(registry.deps, actor, studyId, { identifiers: false })).timeline.find(
        (c) => c.visit === visit,
      )!;
    beforeAll(async () => {
      ({ studyId } = await enrolSubject(registry.deps, VCU_COORDINATOR, {
        siteId: 'VCU',
        answers: { consent_date: '2026-02-10', index_date: '2026-02-16' },
        identity: { family_name: 'Doe', given_name: 'Jane', mrn: 'MRN-1' },
      }));
      await recordResponse(registry.deps, VCU_COORDINATOR, {
        studyId,
        visit: 'baseline',
        instrument: 'pain',
        answers: { scale: 'nrs', score: 8 },
      });
      await recordResponse(registry.deps, VCU_COORDINATOR, {
        studyId,
        visit: 'procedure',
        instrument: 'procedure',
        answers: { procedure_date: '2026-02-16', sides: 'bilateral' },
      });
    });
    afterAll(() => registry.setTime(NOW));

    test('on day 14 week 2 is in its window (27 Feb – 5 Mar, target 2 Mar) and on the due list', async () => {
      expect(await cell('week2')).toMatchObject({
        state: 'in_window',
        schedule: 'open',
        target: '2026-03-02',
        windowStart: '2026-02-27',
        windowEnd: '2026-03-05',
      });
      expect((await cell('baseline')).state).toBe('done');
      expect((await cell('procedure')).state).toBe('done');
      expect((await cell('week4')).state).toBe('not_yet_due');
      const lists = await dueVisits(registry.deps, VCU_COORDINATOR);
      expect(lists.due.filter((r) => r.studyId === studyId)).toEqual([
        expect.objectContaining({
          visit: 'week2',
          instrument: 'pain',
          state: 'in_window',
          target: '2026-03-02',
        }),
      ]);
      const unsigned = await unsignedForms(registry.deps, VCU_COORDINATOR, { limit: 1000 });
      expect(unsigned.total).toBe(unsigned.rows.length);
      expect((await unsignedForms(registry.deps, VCU_COORDINATOR, { limit: 2 })).rows).toEqual(
        unsigned.rows.slice(0, 2),
      );
      expect(unsigned.rows.filter((r) => r.studyId === studyId)).toMatchObject([
        { visit: 'procedure', instrument: 'procedure', instance: 1 },
      ]);
    });

    test('on day 16 it is overdue: on the overdue list and counted on the dashboard', async () => {
      const before = (await siteDashboards(registry.deps, VCU_COORDINATOR))[0]!.overdueVisits;
      registry.setTime('2026-03-04T09:00:00.000Z');
      expect((await cell('week2')).state).toBe('overdue');
      const lists = await dueVisits(registry.deps, VCU_COORDINATOR);
      expect(lists.overdue.filter((r) => r.studyId === studyId).map((r) => r.visit)).toEqual(['week2']);
      const after = (await siteDashboards(registry.deps, VCU_COORDINATOR))[0]!.overdueVisits;
      expect(after).toBeGreaterThanOrEqual(1);
      expect(typeof before).toBe('number');
    });

    test('a draft with its score left out is on the missing-items list, and collects nothing', async () => {
      await recordResponse(registry.deps, VCU_COORDINATOR, {
        studyId,
        visit: 'week2',
        instrument: 'odi',
        answers: {},
        status: 'draft',
      }).catch(() => undefined);
      await recordResponse(registry.deps, VCU_COORDINATOR, {
        studyId,
        visit: 'week2',
        instrument: 'pain',
        answers: { scale: 'nrs' },
        status: 'draft',
      });
      const missing = (await formsMissingItems(registry.deps, VCU_COORDINATOR)).filter(
        (r) => r.studyId === studyId && r.instrument === 'pain',
      );
      expect(missing).toMatchObject([{ visit: 'week2', instance: 1, missing: [{ item: 'score' }] }]);
      expect((await cell('week2')).state).toBe('overdue');
    });

    test('recorded done on 4 March it is done in its window, and leaves the overdue list', async () => {
      await recordVisit(registry.deps, VCU_COORDINATOR, {
        studyId,
        visit: 'week2',
        date: '2026-03-04',
        mode: 'clinic',
      });
      expect(await cell('week2')).toMatchObject({
        state: 'done',
        schedule: 'done_in_window',
        visitDate: '2026-03-04',
      });
      const lists = await dueVisits(registry.deps, VCU_COORDINATOR);
      expect(lists.overdue.some((r) => r.studyId === studyId)).toBe(false);
    });

    test('a week 4 visit recorded missed with a reason is missed before its window opens', async () => {
      await recordVisit(registry.deps, VCU_COORDINATOR, {
        studyId,
        visit: 'week4',
        missedReason: 'moved away',
      });
      expect((await cell('week4')).state).toBe('missed');
    });

    test('signed, then locked, then an open query: the procedure cell shows each', async () => {
      const form = await registry.deps.db
        .selectFrom('response')
        .select('id')
        .where('study_id', '=', studyId)
        .where('instrument', '=', 'procedure')
        .executeTakeFirstOrThrow();
      await sql`update response set signed_at = now(), signed_by = 'ivan.vcu' where id = ${form.id}`.execute(
        registry.deps.db,
      );
      expect((await cell('procedure')).state).toBe('signed');
      const unsigned = await unsignedForms(registry.deps, VCU_COORDINATOR, { limit: 1000 });
      expect(unsigned.rows.some((r) => r.studyId === studyId)).toBe(false);
      await sql`update response set locked_at = now(), locked_by = 'ivan.vcu' where id = ${form.id}`.execute(
        registry.deps.db,
      );
      expect((await cell('procedure')).state).toBe('locked');
      await raiseQuery(registry.deps, MONITOR, { responseId: form.id, item: 'sides', text: 'Both sides?' });
      expect(await cell('procedure', MONITOR)).toMatchObject({ state: 'open_query', openQueries: 1 });
      expect(
        (await assignedQueries(registry.deps, VCU_COORDINATOR)).filter((q) => q.studyId === studyId),
      ).toMatchObject([
        { visit: 'procedure', instrument: 'procedure', responseId: form.id, item: 'sides', status: 'open' },
      ]);
      expect(await assignedQueries(registry.deps, APMSS_COORDINATOR)).toEqual([]);
      const view = await subjectView(registry.deps, MONITOR, studyId);
      expect(view.forms.find((f) => f.instrument === 'procedure')).toMatchObject({
        openQueries: 1,
        sdv: 'not verified',
      });
    });

    test('source data verification shows on the grid cell and the subject page', async () => {
      const forms = await registry.deps.db
        .selectFrom('response')
        .select(['id', 'version', 'visit'])
        .where('study_id', '=', studyId)
        .where('status', '!=', 'draft')
        .execute();
      const baseline = forms.filter((f) => f.visit === 'baseline');
      await markSdv(registry.deps, MONITOR, {
        forms: [{ id: baseline[0]!.id, version: baseline[0]!.version }],
      });
      // Both ways of reading the grid: a page by study id, and the whole registry sorted by next due.
      const cellsOf = async () => {
        const byId = (await participantGrid(registry.deps, MONITOR, { pageSize: 100, page: 2 })).rows.find(
          (r) => r.studyId === studyId,
        );
        const byDue = [
          ...(await participantGrid(registry.deps, MONITOR, { sort: 'next_due', pageSize: 100 })).rows,
          ...(await participantGrid(registry.deps, MONITOR, { sort: 'next_due', pageSize: 100, page: 2 }))
            .rows,
        ].find((r) => r.studyId === studyId);
        expect(byId).toEqual(byDue);
        return byDue!.cells;
      };
      const sdvOf = async (visit: string) => (await cellsOf()).find((c) => c.visit === visit)!.sdv;
      expect(await sdvOf('baseline')).toBe('partial');
      await markSdv(registry.deps, MONITOR, {
        forms: baseline.slice(1).map((f) => ({ id: f.id, version: f.version })),
      });
      expect(await sdvOf('baseline')).toBe('verified');
      expect(await sdvOf('procedure')).toBe('none');
      expect(await sdvOf('week12')).toBeNull();
      const view = await subjectView(registry.deps, VCU_COORDINATOR, studyId, { identifiers: false });
      expect(view.forms.filter((f) => f.visit === 'baseline').map((f) => f.sdv)).toEqual([
        'verified',
        'verified',
      ]);
    });

    test('the subject page: pain trajectory, forms, identifiers for the own site only, the read audited', async () => {
      const reads = () =>
        registry.deps.db
          .selectFrom('audit_event')
          .select(['actor', 'entity_id'])
          .where('action', '=', 'identity.read')
          .execute();
      const mine = await subjectView(registry.deps, VCU_COORDINATOR, studyId);
      expect(mine.identifiers).toMatchObject({ familyName: 'Doe', givenName: 'Jane', mrn: 'MRN-1' });
      expect(await reads()).toEqual([{ actor: 'cora.vcu', entity_id: studyId }]);
      expect(mine.trajectories.find((t) => t.outcome === 'pain')).toMatchObject({
        mcid: 2,
        points: [{ visit: 'baseline', day: null, value: 8 }],
      });
      expect(mine.forms.map((f) => `${f.visit}/${f.instrument}/${f.status}`)).toEqual([
        'baseline/enrollment/complete',
        'baseline/pain/complete',
        'procedure/procedure/complete',
        ...mine.forms.filter((f) => f.visit === 'week2').map((f) => `week2/${f.instrument}/draft`),
      ]);
      const monitor = await subjectView(registry.deps, MONITOR, studyId);
      expect(monitor.identifiers).toBeNull();
      expect(await reads()).toHaveLength(1);
      const other = await rejects(subjectView(registry.deps, APMSS_COORDINATOR, studyId));
      expect(other).toMatchObject({ code: 'SUBJECT_NOT_FOUND', message: `subject ${studyId} not found` });
      expect(
        (await participantGrid(registry.deps, APMSS_COORDINATOR, { pageSize: 100 })).rows.some(
          (r) => r.studyId === studyId,
        ),
      ).toBe(false);
    });
  });
});
