import {
  assignedQueries,
  careGapPatients,
  dueVisits,
  eproClosing,
  formsMissingItems,
  participantGrid,
  siteDashboards,
  unsignedForms,
  ViewCache,
} from '../../registry/views/index.js';
import { DashboardPage } from '../../web/views/dashboard-page.js';
import { GridPage } from '../../web/views/grid-page.js';
import {
  WORKLIST_PAGE_SIZE,
  WORKLISTS,
  type WorklistData,
  type WorklistName,
  WorklistPage,
  WorklistsIndexPage,
} from '../../web/views/worklists-page.js';
import type { AppDeps } from '../deps.js';
import { errorPage, renderPage } from '../render.js';
import { type RouteTable, userOf } from '../router.js';

/** Site staff and the monitor work from these pages; the reads decide which sites each sees. */
const READERS = ['coordinator', 'investigator', 'monitor'] as const;

/** The dashboard, the participants × visits grid and the worklists (docs/web.md). */
export function viewRoutes(routes: RouteTable, deps: AppDeps): void {
  // The care analyses, kept while the registry is unchanged (view-cache.ts); this process's own.
  const cache = new ViewCache();
  const visitLabels = new Map(deps.registry.protocol.visits.map((v) => [v.code, v.label]));

  routes.get('/dashboard', READERS, async (c) => {
    const dashboards = await siteDashboards(deps.registry, userOf(c).actor, { cache });
    return renderPage(c, 'Dashboard', <DashboardPage dashboards={dashboards} visitLabels={visitLabels} />);
  });

  routes.get('/subjects', READERS, async (c) => {
    const q = c.req.query();
    const grid = await participantGrid(
      deps.registry,
      userOf(c).actor,
      {
        ...(q.state ? { state: q.state as never } : {}),
        ...(q.visit ? { visit: q.visit } : {}),
        ...(q.sort ? { sort: q.sort as never } : {}),
        ...(q.page ? { page: q.page as never } : {}),
        ...(q.pageSize ? { pageSize: q.pageSize as never } : {}),
      },
      { cache },
    );
    return renderPage(c, 'Participants', <GridPage grid={grid} />);
  });

  const read = async (
    list: WorklistName,
    actor: ReturnType<typeof userOf>['actor'],
    page: number,
  ): Promise<WorklistData> => {
    switch (list) {
      case 'due':
      case 'overdue': {
        const lists = await dueVisits(deps.registry, actor, { cache });
        return { list, rows: list === 'due' ? lists.due : lists.overdue, weekEnd: lists.weekEnd };
      }
      case 'unsigned':
        return {
          list,
          ...(await unsignedForms(deps.registry, actor, {
            limit: WORKLIST_PAGE_SIZE,
            offset: (page - 1) * WORKLIST_PAGE_SIZE,
          })),
        };
      case 'queries':
        return { list, rows: await assignedQueries(deps.registry, actor) };
      case 'care-gap':
        return { list, rows: await careGapPatients(deps.registry, actor, { cache }) };
      case 'missing':
        return { list, rows: await formsMissingItems(deps.registry, actor) };
      case 'epro-closing':
        return { list, rows: await eproClosing(deps.registry, actor, { cache }) };
    }
  };

  routes.get('/worklists', READERS, async (c) => {
    const actor = userOf(c).actor;
    const [due, unsigned, queries, care, missing, closing] = await Promise.all([
      dueVisits(deps.registry, actor, { cache }),
      unsignedForms(deps.registry, actor, { limit: 1 }),
      assignedQueries(deps.registry, actor),
      careGapPatients(deps.registry, actor, { cache }),
      formsMissingItems(deps.registry, actor),
      eproClosing(deps.registry, actor, { cache }),
    ]);
    const counts: Record<WorklistName, number> = {
      due: due.due.length,
      overdue: due.overdue.length,
      unsigned: unsigned.total,
      queries: queries.length,
      'care-gap': care.length,
      missing: missing.length,
      'epro-closing': closing.length,
    };
    return renderPage(c, 'Worklists', <WorklistsIndexPage counts={counts} />);
  });

  routes.get('/worklists/:list', READERS, async (c) => {
    const list = c.req.param('list') ?? '';
    if (!Object.hasOwn(WORKLISTS, list)) return errorPage(c, 404, 'There is no such worklist.');
    const page = Math.min(Math.max(Number.parseInt(c.req.query('page') ?? '1', 10) || 1, 1), 100_000);
    const data = await read(list as WorklistName, userOf(c).actor, page);
    return renderPage(
      c,
      WORKLISTS[list as WorklistName],
      <WorklistPage data={data} visitLabels={visitLabels} page={page} />,
    );
  });
}
