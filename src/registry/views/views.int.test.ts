import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/database.js';
import {
  ADMIN,
  APMSS_COORDINATOR,
  createTestRegistry,
  MONITOR,
  rejects,
  VCU_COORDINATOR,
} from '../../../test/helpers/registry.js';
import { analyseCareGap } from '../../analysis/study/analyse-care.js';
import { analyseCompleteness } from '../../analysis/study/analyse-flow.js';
import { analyseStudy } from '../../analysis/study/index.js';
import { SACROPLASTY_SIF, SACROPLASTY_STUDY } from '../../protocol/index.js';
import { appendAudit, extractCohort } from '../../store/index.js';
import {
  amendResponse,
  createSite,
  enrolSubject,
  loadDemo,
  markSdv,
  raiseQuery,
  recordResponse,
  recordVisit,
  SYSTEM_ACTOR,
  seededRandom,
} from '../index.js';
import { careCohort } from './care-facts.js';
import {
  assignedQueries,
  careGapPatients,
  careState,
  dueVisits,
  formsMissingItems,
  participantGrid,
  siteDashboards,
  subjectView,
  unsignedForms,
  ViewCache,
} from './index.js';
import { studyIdsByNextDue } from './next-due.js';
import { siteCohort } from './site-cohort.js';
import { readOpenQueries, readSubjectFacts } from './subject-facts.js';
import { nextDue, visitCells } from './visit-cells.js';

const NOW = '2026-03-02T09:00:00.000Z';
const TODAY = NOW.slice(0, 10);

describe('the staff pages read a 120-subject demo registry at a fixed clock (2 March 2026)', () => {
  let registry: Awaited<ReturnType<typeof createTestRegistry>>;
  beforeAll(async () => {
    registry = await createTestRegistry(NOW);
    await loadDemo(registry.deps, SYSTEM_ACTOR, { subjects: 120, seed: 8 });
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

  test('worklists: due and overdue rows carry the state the grid shows and the form to open', async () => {
    const lists = await dueVisits(registry.deps, VCU_COORDINATOR);
    expect(lists.weekEnd).toBe('2026-03-08');
    const grid = await participantGrid(registry.deps, VCU_COORDINATOR, { sort: 'next_due', pageSize: 100 });
    const cell = (studyId: string, visit: string) =>
      grid.rows.find((r) => r.studyId === studyId)!.cells.find((c) => c.visit === visit)!;
    for (const row of lists.overdue) {
      expect(row.siteId).toBe('VCU');
      expect(cell(row.studyId, row.visit).state).toBe('overdue');
      expect(row.instrument).toBe(
        registry.deps.protocol.visits.find((v) => v.code === row.visit)!.instruments[0],
      );
    }
    for (const row of lists.due) {
      expect(['due', 'in_window', 'not_yet_due']).toContain(cell(row.studyId, row.visit).state);
      expect(row.target!.slice(0, 10) <= lists.weekEnd || row.state !== 'not_yet_due').toBe(true);
    }
    // The database narrows to the subjects who may have a visit open; nothing open is left out.
    const key = (studyId: string, visit: string) => `${studyId}/${visit}`;
    const cells = grid.rows.flatMap((r) => r.cells.map((c) => ({ ...c, studyId: r.studyId })));
    expect(lists.overdue.map((r) => key(r.studyId, r.visit)).sort()).toEqual(
      cells
        .filter((c) => c.state === 'overdue')
        .map((c) => key(c.studyId, c.visit))
        .sort(),
    );
    const soon = (c: (typeof cells)[number]) =>
      c.state === 'not_yet_due' &&
      c.schedule === 'upcoming' &&
      c.target !== null &&
      c.target.slice(0, 10) <= lists.weekEnd;
    const dueCells = cells.filter((c) => c.state === 'due' || c.state === 'in_window' || soon(c));
    expect(dueCells.length).toBeGreaterThan(0);
    expect(lists.due.map((r) => key(r.studyId, r.visit)).sort()).toEqual(
      dueCells.map((c) => key(c.studyId, c.visit)).sort(),
    );
    for (const state of ['overdue', 'in_window', 'due'] as const) {
      const filtered = await participantGrid(registry.deps, VCU_COORDINATOR, { state, pageSize: 100 });
      expect(filtered.rows.map((r) => r.studyId)).toEqual(
        grid.rows
          .filter((r) => r.cells.some((c) => c.state === state))
          .map((r) => r.studyId)
          .sort(),
      );
    }
  });

  test('the dashboard gives the study report’s KPIs, bands and completeness for each site', async () => {
    const report = analyseStudy(await extractCohort(registry.deps.db, registry.deps.protocol, TODAY), NOW);
    const dashboards = await siteDashboards(registry.deps, MONITOR);
    expect(dashboards.map((d) => d.siteId).sort()).toEqual(report.sites.map((s) => s.site).sort());
    for (const d of dashboards) {
      for (const k of d.kpis) {
        const own = report.care_gap.kpis
          .find((x) => x.kpi === k.kpi)!
          .by_site.find((b) => b.site === d.siteId)!;
        expect({ x: k.x, n: k.n, band: k.band }).toEqual({ x: own.x, n: own.n, band: own.band });
      }
      expect(d.completeness).toEqual(report.completeness.filter((c) => c.site === d.siteId));
      expect(d.enrolment.at(-1)?.cumulative).toBe(
        report.sites.find((s) => s.site === d.siteId)!.n ?? d.enrolment.at(-1)?.cumulative,
      );
    }
    expect(dashboards.reduce((a, d) => a + d.untreated, 0)).toBe(report.care_gap.untreated);
    const vcu = await siteDashboards(registry.deps, VCU_COORDINATOR);
    expect(vcu.map((d) => d.siteId)).toEqual(['VCU']);
    expect(vcu[0]).toEqual(dashboards.find((d) => d.siteId === 'VCU'));
  });

  test('the narrow care reader builds the cohort siteCohort builds (every field the care analyses read), at one site, two and all', async () => {
    for (const sites of [['VCU'], ['OC', 'VCU'], null]) {
      const facts = await readSubjectFacts(registry.deps.db, sites);
      const wide = await siteCohort(registry.deps.db, registry.deps.protocol, sites, facts, TODAY);
      const narrow = await careCohort(registry.deps.db, registry.deps.protocol, sites, TODAY);
      expect(narrow.subjects.length).toBeGreaterThan(0);
      expect(narrow.subjects.some((s) => s.treated && s.care.boneMedStartDate !== null)).toBe(true);
      expect(narrow.subjects.some((s) => s.endDate !== null)).toBe(true);
      expect(narrow).toEqual(wide);
      for (const s of narrow.subjects) {
        expect([...s.visits.keys()], s.studyId).toEqual([
          ...wide.subjects.find((w) => w.studyId === s.studyId)!.visits.keys(),
        ]);
      }
      expect(analyseCareGap(narrow)).toEqual(analyseCareGap(wide));
      expect(analyseCompleteness(narrow)).toEqual(analyseCompleteness(wide));
    }
  });

  test('a view cache keeps the care analyses while the registry is unchanged, and recomputes after any write', async () => {
    const cache = new ViewCache();
    const first = await careState(registry.deps, ['VCU'], TODAY, SACROPLASTY_STUDY, cache);
    expect(await careState(registry.deps, ['VCU'], TODAY, SACROPLASTY_STUDY, cache)).toBe(first);
    expect(await careState(registry.deps, ['OC'], TODAY, SACROPLASTY_STUDY, cache)).not.toBe(first);
    const vcu = await siteDashboards(registry.deps, VCU_COORDINATOR, { cache });
    expect(vcu).toEqual(await siteDashboards(registry.deps, VCU_COORDINATOR));
    const studyId = (await participantGrid(registry.deps, VCU_COORDINATOR)).rows[0]!.studyId;
    await recordVisit(registry.deps, VCU_COORDINATOR, {
      studyId,
      visit: 'week52',
      missedReason: 'no answer',
    });
    const after = await careState(registry.deps, ['VCU'], TODAY, SACROPLASTY_STUDY, cache);
    expect(after).not.toBe(first);
    expect(after).toEqual(await careState(registry.deps, ['VCU'], TODAY, SACROPLASTY_STUDY));
  });

  test('the care-gap worklist lists the report’s untreated patients, each linked to the bone medication form', async () => {
    const report = analyseStudy(await extractCohort(registry.deps.db, registry.deps.protocol, TODAY), NOW);
    const rows = await careGapPatients(registry.deps, MONITOR);
    expect(rows).toHaveLength(report.care_gap.untreated);
    for (const r of rows) {
      expect(r.instrument).toBe('osteoporosis_care');
      expect(r.daysSinceIndex).toBeGreaterThanOrEqual(112);
      expect(registry.deps.protocol.visits.find((v) => v.code === r.visit)!.instruments).toContain(
        'osteoporosis_care',
      );
    }
    const vcu = await careGapPatients(registry.deps, VCU_COORDINATOR);
    expect(vcu).toEqual(rows.filter((r) => r.siteId === 'VCU'));
  });

  test('after a write the cache reads again only the subjects it changed, and gives what a whole read gives', async () => {
    const cache = new ViewCache();
    const state = () => careState(registry.deps, ['VCU'], TODAY, SACROPLASTY_STUDY, cache);
    const fresh = () => careState(registry.deps, ['VCU'], TODAY, SACROPLASTY_STUDY);
    const before = await state();
    const [untreated] = await careGapPatients(registry.deps, VCU_COORDINATOR);
    expect(untreated).toBeDefined();
    // A bone medication started: the subject leaves the untreated list, the KPIs move.
    const form = await registry.deps.db
      .selectFrom('response')
      .select(['id', 'version', 'answers'])
      .where('study_id', '=', untreated!.studyId)
      .where('visit', '=', untreated!.visit)
      .where('instrument', '=', 'osteoporosis_care')
      .executeTakeFirst();
    const medication = { bone_med: 'denosumab', bone_med_start_date: TODAY };
    if (form)
      await amendResponse(registry.deps, VCU_COORDINATOR, {
        id: Number(form.id),
        version: form.version,
        answers: { ...(form.answers as Record<string, unknown>), ...medication },
        status: 'complete',
        reason: 'bone medication started',
      });
    else
      await recordResponse(registry.deps, VCU_COORDINATOR, {
        studyId: untreated!.studyId,
        visit: untreated!.visit,
        instrument: 'osteoporosis_care',
        answers: medication,
      });
    const treated = await state();
    expect(treated.untreated.map((u) => u.studyId)).not.toContain(untreated!.studyId);
    expect(treated.untreated).toHaveLength(before.untreated.length - 1);
    expect(treated).toEqual(await fresh());
    // A visit recorded missed, then a new subject (read again whole).
    const other = before.untreated.find((u) => u.studyId !== untreated!.studyId) ?? untreated!;
    await recordVisit(registry.deps, VCU_COORDINATOR, {
      studyId: other.studyId,
      visit: 'week52',
      missedReason: 'moved away',
    });
    expect(await state()).toEqual(await fresh());
    await enrolSubject(registry.deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: { consent_date: TODAY, index_date: TODAY },
      identity: { family_name: 'Late', given_name: 'Ada', mrn: 'MRN-LATE-1' },
    });
    expect(await state()).toEqual(await fresh());
  });
});

describe('the application role (least privilege) keeps the progress rows up to date', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.destroy());

  test('a form and a visit written as the application role show in the grid at once', async () => {
    const deps = {
      db: database.app!,
      clock: () => new Date(NOW),
      random: seededRandom(1),
      protocol: SACROPLASTY_SIF,
    };
    await createSite(deps, SYSTEM_ACTOR, { id: 'VCU', name: 'VCU spine center' });
    const { studyId } = await enrolSubject(deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: { consent_date: '2026-02-10', index_date: '2026-02-16' },
    });
    await recordVisit(deps, VCU_COORDINATOR, {
      studyId,
      visit: 'procedure',
      date: '2026-02-16',
      mode: 'clinic',
    });
    const [row] = (await participantGrid(deps, VCU_COORDINATOR)).rows;
    expect(row?.cells.filter((c) => c.state === 'done').map((c) => c.visit)).toEqual([
      'baseline',
      'procedure',
    ]);
  });
});

describe('the next-due order kept in a ViewCache', () => {
  let registry: Awaited<ReturnType<typeof createTestRegistry>>;
  beforeAll(async () => {
    registry = await createTestRegistry(NOW);
    await loadDemo(registry.deps, SYSTEM_ACTOR, { subjects: 40, seed: 3 });
  });
  afterAll(() => registry.destroy());

  test('follows a write: a visit recorded missed moves its subject', async () => {
    const cache = new ViewCache();
    const grid = (options = {}) =>
      participantGrid(registry.deps, VCU_COORDINATOR, { sort: 'next_due', pageSize: 100 }, options);
    const first = await grid({ cache });
    expect(first).toEqual(await grid());
    const head = first.rows.find((r) => r.nextDue !== null)!;
    const visit = head.cells.find((c) => c.target?.slice(0, 10) === head.nextDue)!.visit;
    await recordVisit(registry.deps, VCU_COORDINATOR, {
      studyId: head.studyId,
      visit,
      missedReason: 'participant unreachable',
    });
    const after = await grid({ cache });
    expect(after).toEqual(await grid());
    expect(after.rows.find((r) => r.studyId === head.studyId)!.nextDue).not.toBe(head.nextDue);
  });

  test('a sign-in or an audited read (identifiers shown) leaves what the cache keeps; a write does not', async () => {
    const cache = new ViewCache();
    const first = await careState(registry.deps, ['VCU'], TODAY, SACROPLASTY_STUDY, cache);
    const studyId = (await participantGrid(registry.deps, VCU_COORDINATOR)).rows[0]!.studyId;
    for (const action of ['session.login', 'identity.read', 'export.deidentified']) {
      await appendAudit(registry.deps.db, {
        at: registry.deps.clock(),
        actor: VCU_COORDINATOR.username,
        action,
        siteId: 'VCU',
        entity: 'subject',
        entityId: studyId,
      });
    }
    expect(await careState(registry.deps, ['VCU'], TODAY, SACROPLASTY_STUDY, cache)).toBe(first);
    await recordVisit(registry.deps, VCU_COORDINATOR, {
      studyId,
      visit: 'week52',
      missedReason: 'no answer',
    });
    expect(await careState(registry.deps, ['VCU'], TODAY, SACROPLASTY_STUDY, cache)).not.toBe(first);
  });

  test('the grid by state, the due lists and the dashboard read through a ViewCache equal fresh reads, before and after a write', async () => {
    const cache = new ViewCache();
    const reads = async (options: { cache?: ViewCache }) => ({
      overdue: await participantGrid(
        registry.deps,
        VCU_COORDINATOR,
        { state: 'overdue', pageSize: 100 },
        options,
      ),
      inWindow: await participantGrid(
        registry.deps,
        MONITOR,
        { state: 'in_window', sort: 'next_due', pageSize: 10, page: 2 },
        options,
      ),
      due: await dueVisits(registry.deps, VCU_COORDINATOR, options),
      dashboards: await siteDashboards(registry.deps, MONITOR, options),
    });
    const before = await reads({ cache });
    expect(before).toEqual(await reads({}));
    const listed = (r: typeof before) => [...r.due.due, ...r.due.overdue];
    expect(listed(before).length).toBeGreaterThan(0);
    const late = listed(before)[0]!;
    await recordVisit(registry.deps, VCU_COORDINATOR, {
      studyId: late.studyId,
      visit: late.visit,
      missedReason: 'participant unreachable',
    });
    const after = await reads({ cache });
    expect(after).toEqual(await reads({}));
    expect(listed(after)).toHaveLength(listed(before).length - 1);
  });
});
