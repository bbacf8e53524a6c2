import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startBoneMedication } from '../../../test/helpers/care.js';
import {
  APMSS_COORDINATOR,
  createDemoRegistry,
  MONITOR,
  type TestRegistry,
  VCU_COORDINATOR,
} from '../../../test/helpers/registry.js';
import { SACROPLASTY_STUDY } from '../../protocol/index.js';
import { formatDay, parseDay } from '../../schedule/index.js';
import { enrolSubject, recordVisit } from '../index.js';
import { recordVisitIn } from '../visits.js';
import { careState } from './care-state.js';
import { siteCare } from './care-tally.js';
import { dueVisits, participantGrid, siteDashboards, ViewCache, visitCells } from './index.js';
import { readSubjectFacts } from './subject-facts.js';

const NOW = '2026-03-02T09:00:00.000Z';
const TODAY = NOW.slice(0, 10);
const plus = (days: number) => formatDay(parseDay(TODAY, 'today') + days);

describe('the care tally gives the care analyses of the study report, per site, on a 120-subject demo registry', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await createDemoRegistry(NOW, { subjects: 120, seed: 8 });
  });
  afterAll(() => registry.destroy());

  const sites = async () =>
    (await registry.deps.db.selectFrom('site').select('id').orderBy('id').execute()).map((s) => s.id);

  /** The figures the dashboard showed before the tally: the analyses over every subject of the sites. */
  async function analysed(asOf: string) {
    const state = await careState(registry.deps, null, asOf, SACROPLASTY_STUDY);
    return (await sites()).map((site) => ({
      kpis: state.care.kpis.map((k) => {
        const own = k.by_site.find((b) => b.site === site)!;
        return { kpi: k.kpi, label: k.label, x: own.x, n: own.n, prop: own.prop, band: own.band };
      }),
      untreated: state.untreated.filter((u) => u.site === site).length,
      completeness: state.completeness.filter((c) => c.site === site),
    }));
  }
  const tallied = async (asOf: string, only: string[] | null = null) => {
    const care = await siteCare(registry.deps, only, asOf, SACROPLASTY_STUDY);
    return (only ?? (await sites())).map((site) => care(site));
  };

  test('equal to the analyses on report dates going forward (rows kept while they hold) and back', async () => {
    const expected = await analysed(TODAY);
    expect(expected.some((s) => s.untreated > 0 && s.kpis.some((k) => k.n > 0 && k.x > 0))).toBe(true);
    const visits = expected.flatMap((s) => s.completeness);
    expect(visits.some((c) => c.expected > c.seen)).toBe(true);
    expect(await tallied(TODAY)).toEqual(expected);
    const counted = await registry.deps.db
      .selectFrom('subject')
      .select((e) => e.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const { rows } = await sql<{ n: string }>`select count(*) as n from care_tally`.execute(registry.deps.db);
    expect(Number(rows[0]!.n)).toBe(Number(counted.n));
    // Each later date recounts only the rows that stop holding: the others are checked as kept.
    for (const days of [1, 2, 7, 14, 30, 45, 60, 91, 120, 182, 270, 365, 400, 730, 1500, -1, -90, -400]) {
      const asOf = plus(days);
      expect(await tallied(asOf), asOf).toEqual(await analysed(asOf));
    }
    expect(await tallied(TODAY, ['VCU'])).toEqual([expected[(await sites()).indexOf('VCU')]]);
  });

  test('after writes (a bone medication started, a visit missed, a subject enrolled) it counts the changed subjects again and still equals the analyses', async () => {
    await tallied(TODAY);
    const before = await sql<{ study_id: string; valid_from: string }>`select study_id, valid_from::text
      from care_tally`.execute(registry.deps.db);
    const untreatedBefore = (await analysed(TODAY)).reduce((a, x) => a + x.untreated, 0);
    await startBoneMedication(registry.deps, TODAY);
    const studyId = (await participantGrid(registry.deps, VCU_COORDINATOR)).rows[1]!.studyId;
    await recordVisit(registry.deps, VCU_COORDINATOR, {
      studyId,
      visit: 'week52',
      missedReason: 'no answer',
    });
    await enrolSubject(registry.deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: { consent_date: TODAY, index_date: TODAY },
      identity: { family_name: 'Late', given_name: 'Ada', mrn: 'MRN-TALLY-1' },
    });
    const after = await tallied(TODAY);
    expect(after).toEqual(await analysed(TODAY));
    expect(after.reduce((a, x) => a + x.untreated, 0)).toBe(untreatedBefore - 1);
    // Unchanged subjects keep their rows (counted once, on the earlier date or before).
    const now = await sql<{ study_id: string; valid_from: string }>`select study_id, valid_from::text
      from care_tally`.execute(registry.deps.db);
    const kept = new Map(before.rows.map((r) => [r.study_id, r.valid_from]));
    expect(now.rows.filter((r) => kept.get(r.study_id) === r.valid_from).length).toBeGreaterThan(
      now.rows.length - 5,
    );
    // The range of dates the rows hold for, narrowed by the rows counted again, still holds later.
    for (const days of [30, 120, 400]) expect(await tallied(plus(days))).toEqual(await analysed(plus(days)));
  });

  test('readers at once (two server processes) count once and agree', async () => {
    const studyId = (await participantGrid(registry.deps, VCU_COORDINATOR)).rows[2]!.studyId;
    await recordVisit(registry.deps, VCU_COORDINATOR, {
      studyId,
      visit: 'week52',
      missedReason: 'moved away',
    });
    const [a, b, c] = await Promise.all([tallied(TODAY), tallied(TODAY), tallied(plus(3))]);
    expect(a).toEqual(await analysed(TODAY));
    expect(b).toEqual(a);
    expect(c).toEqual(await analysed(plus(3)));
  });

  test('the dashboards read the tally: the monitor sees every site, the coordinator VCU alone, with equal figures', async () => {
    const all = await siteDashboards(registry.deps, MONITOR);
    const expected = await analysed(TODAY);
    expect(all.map((d) => ({ kpis: d.kpis, untreated: d.untreated, completeness: d.completeness }))).toEqual(
      expected,
    );
    expect(await siteDashboards(registry.deps, VCU_COORDINATOR)).toEqual(
      all.filter((d) => d.siteId === 'VCU'),
    );
  });

  test('the overdue count kept in a view cache is brought up to date after a write by the subjects it changed, equal to a fresh read', async () => {
    const cache = new ViewCache();
    const before = await siteDashboards(registry.deps, MONITOR, { cache });
    const [late] = (await dueVisits(registry.deps, VCU_COORDINATOR)).overdue;
    expect(late).toBeDefined();
    await recordVisit(registry.deps, VCU_COORDINATOR, {
      studyId: late!.studyId,
      visit: late!.visit,
      missedReason: 'participant unreachable',
    });
    const after = await siteDashboards(registry.deps, MONITOR, { cache });
    expect(after).toEqual(await siteDashboards(registry.deps, MONITOR));
    const vcu = (d: typeof before) => d.find((x) => x.siteId === 'VCU')!.overdueVisits;
    expect(vcu(after)).toBe(vcu(before) - 1);
  });

  test('a write that commits late is shown: a second write waits for it on the audit chain, so what a read records as counted never skips it', async () => {
    const db = registry.deps.db;
    // Audit ids are taken one at a time from the sequence (no per-session blocks handed out ahead).
    const { rows: seq } = await sql<{ cache: string }>`select seqcache::text as cache from pg_sequence
      where seqrelid = pg_get_serial_sequence('audit_event', 'id')::regclass`.execute(db);
    expect(seq[0]!.cache).toBe('1');
    const [first] = (await dueVisits(registry.deps, VCU_COORDINATOR)).overdue;
    const [second] = (await dueVisits(registry.deps, APMSS_COORDINATOR)).overdue;
    expect(first && second).toBeDefined();
    const cache = new ViewCache();
    const overdue = (d: Awaited<ReturnType<typeof siteDashboards>>) =>
      d.reduce((a, x) => a + x.overdueVisits, 0);
    const before = await siteDashboards(registry.deps, MONITOR, { cache });
    const tallyBefore = await tallied(TODAY);
    // T1: a visit recorded missed, its audit event appended, the transaction held open.
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let opened!: () => void;
    const open = new Promise<void>((r) => {
      opened = r;
    });
    const t1 = db.transaction().execute(async (trx) => {
      const record = { date: null, mode: null, missedReason: 'moved away' };
      await recordVisitIn(trx, VCU_COORDINATOR, first!, record, new Date(NOW));
      opened();
      await held;
    });
    await open;
    // T2: another subject's visit recorded missed, through the use case, started while T1 is open.
    let t2Done = false;
    const t2 = recordVisit(registry.deps, APMSS_COORDINATOR, {
      studyId: second!.studyId,
      visit: second!.visit,
      missedReason: 'no answer',
    }).then(() => {
      t2Done = true;
    });
    // While T1 is open: the writes waiting (T2 on T1's lock on the audit chain), then both read.
    let during: typeof before;
    let t2Early: boolean;
    let tallyDuring: Awaited<ReturnType<typeof tallied>>;
    try {
      for (let i = 0; i < 200; i++) {
        const { rows } = await sql<{ n: string }>`select count(*) as n from pg_locks
          where locktype = 'advisory' and not granted
            and database = (select oid from pg_database where datname = current_database())`.execute(db);
        if (Number(rows[0]!.n) > 0 || t2Done) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      during = await siteDashboards(registry.deps, MONITOR, { cache });
      tallyDuring = await tallied(TODAY);
      t2Early = t2Done;
    } finally {
      release();
      await Promise.all([t1, t2]);
    }
    // Both writes are shown by the cached dashboard and the tally, equal to fresh reads.
    const after = await siteDashboards(registry.deps, MONITOR, { cache });
    expect(after).toEqual(await siteDashboards(registry.deps, MONITOR));
    expect(await tallied(TODAY)).toEqual(await analysed(TODAY));
    expect(overdue(after)).toBe(overdue(before) - 2);
    // Why: T2 could not take a later id and commit before T1 (the reads in between saw neither).
    expect(t2Early).toBe(false);
    expect(overdue(during)).toBe(overdue(before));
    expect(tallyDuring).toEqual(tallyBefore);
  });

  test('the overdue count reads only the subjects who may have a visit overdue, and counts what every subject counts, at several clocks', async () => {
    const facts = await readSubjectFacts(registry.deps.db, null);
    let seen = 0;
    for (const hours of [0, 5, 24, 24 * 7, 24 * 30, 24 * 100, 24 * 200, 24 * 400, -24 * 10]) {
      const now = new Date(Date.parse(NOW) + hours * 3_600_000);
      const everyone = new Map<string, number>();
      for (const f of facts) {
        const n = visitCells(registry.deps.protocol, f, now).filter((c) => c.state === 'overdue').length;
        everyone.set(f.siteId, (everyone.get(f.siteId) ?? 0) + n);
      }
      const dashboards = await siteDashboards({ ...registry.deps, clock: () => now }, MONITOR);
      for (const d of dashboards)
        expect(d.overdueVisits, `${d.siteId} at ${now.toISOString()}`).toBe(everyone.get(d.siteId) ?? 0);
      seen += dashboards.reduce((a, d) => a + d.overdueVisits, 0);
    }
    expect(seen).toBeGreaterThan(0);
  });
});
