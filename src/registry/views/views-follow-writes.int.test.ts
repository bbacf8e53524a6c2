// The views follow writes: the progress rows kept up to date as the application role, and what a
// ViewCache keeps (the next-due order, the care state, the due lists) against fresh reads.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/database.js';
import {
  createDemoRegistry,
  MONITOR,
  type TestRegistry,
  VCU_COORDINATOR,
} from '../../../test/helpers/registry.js';
import { SACROPLASTY_SIF, SACROPLASTY_STUDY } from '../../protocol/index.js';
import { appendAudit } from '../../store/index.js';
import { createSite, enrolSubject, recordVisit, SYSTEM_ACTOR, seededRandom } from '../index.js';
import { careState, dueVisits, participantGrid, siteDashboards, ViewCache } from './index.js';

const NOW = '2026-03-02T09:00:00.000Z';
const TODAY = NOW.slice(0, 10);

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
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await createDemoRegistry(NOW, { subjects: 40, seed: 3 });
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
