// The worklists, the dashboard and the care views on a 120-subject demo registry: each equal to what
// the study report's analyses give, read narrowly, cached, and read again after a write.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startBoneMedication } from '../../../test/helpers/care.js';
import {
  createDemoRegistry,
  MONITOR,
  type TestRegistry,
  VCU_COORDINATOR,
} from '../../../test/helpers/registry.js';
import { analyseCareGap } from '../../analysis/study/analyse-care.js';
import { analyseCompleteness } from '../../analysis/study/analyse-flow.js';
import { analyseStudy } from '../../analysis/study/index.js';
import { SACROPLASTY_STUDY } from '../../protocol/index.js';
import { extractCohort } from '../../store/index.js';
import { enrolSubject, recordVisit } from '../index.js';
import { careCohort } from './care-facts.js';
import {
  careGapPatients,
  careState,
  dueVisits,
  participantGrid,
  siteDashboards,
  ViewCache,
} from './index.js';
import { siteCohort } from './site-cohort.js';
import { readSubjectFacts } from './subject-facts.js';

const NOW = '2026-03-02T09:00:00.000Z';
const TODAY = NOW.slice(0, 10);

describe('the staff pages read a 120-subject demo registry at a fixed clock (2 March 2026)', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await createDemoRegistry(NOW, { subjects: 120, seed: 8 });
  });
  afterAll(() => registry.destroy());

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
    // A bone medication started: the subject leaves the untreated list, the KPIs move.
    const untreated = await startBoneMedication(registry.deps, TODAY);
    const treated = await state();
    expect(treated.untreated.map((u) => u.studyId)).not.toContain(untreated.studyId);
    expect(treated.untreated).toHaveLength(before.untreated.length - 1);
    expect(treated).toEqual(await fresh());
    // A visit recorded missed, then a new subject (read again whole).
    const other = before.untreated.find((u) => u.studyId !== untreated.studyId) ?? untreated;
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
