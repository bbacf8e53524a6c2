import { z } from 'zod';
import { RegistryError } from '../../errors.js';
import { dayOf, formatDay } from '../../schedule/index.js';
import type { Actor, RegistryDeps } from '../context.js';
import { parseInput } from '../parse-input.js';
import { studyIdsByNextDue } from './next-due.js';
import { addSdv } from './sdv-cells.js';
import { readableSites, readOpenQueries, readSubjectFacts } from './subject-facts.js';
import { cached, type ViewCache } from './view-cache.js';
import { CELL_STATES, type CellState, nextDue, type VisitCell, visitCells } from './visit-cells.js';

const GRID_QUERY = z.object({
  state: z.enum(CELL_STATES).optional(),
  visit: z.string().min(1).optional(),
  sort: z.enum(['study_id', 'next_due']).default('study_id'),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.coerce.number().int().min(10).max(100).default(50),
});

export type GridQuery = z.input<typeof GRID_QUERY>;

/** One row of the grid: a subject (study id only, never identifiers) and a cell per protocol visit. */
export interface GridRow {
  studyId: string;
  siteId: string;
  status: string;
  indexDate: string | null;
  /** Earliest target among the visits still to do; null when none is left. */
  nextDue: string | null;
  cells: VisitCell[];
}

export interface GridPage {
  /** The protocol's visits, in order: the grid's columns. */
  visits: { code: string; label: string }[];
  rows: GridRow[];
  /** Subjects matching the filter, and the page shown. */
  total: number;
  page: number;
  pageSize: number;
  pages: number;
  query: { state: CellState | null; visit: string | null; sort: 'study_id' | 'next_due' };
}

function row(
  deps: RegistryDeps,
  f: Awaited<ReturnType<typeof readSubjectFacts>>[number],
  now: Date,
  q?: Map<string, number>,
): GridRow {
  const cells = visitCells(deps.protocol, f, now, q);
  return {
    studyId: f.studyId,
    siteId: f.siteId,
    status: f.status,
    indexDate: f.indexDate,
    nextDue: nextDue(cells),
    cells,
  };
}

/**
 * The participants × visits grid (issue 8 §3.2): one row per subject of the actor's sites, one
 * cell per protocol visit, its state from the schedule and the forms (visit-cells.ts). Filters by
 * a cell state (at one visit, or at any), pages 10–100 subjects at a time, sorts by study id or by
 * next due date (no date last, then study id). Each cell of the page carries its SDV status.
 * Everybody sees study ids only. A page reads only its own subjects; the order by next due date
 * (PostgreSQL, from the schedule's visit offsets) and the subjects in a state (the sites' subjects
 * read) are kept in `cache` while the registry is unchanged.
 */
export async function participantGrid(
  deps: RegistryDeps,
  actor: Actor,
  query: GridQuery = {},
  options: { cache?: ViewCache } = {},
): Promise<GridPage> {
  const sites = readableSites(actor);
  const q = parseInput(GRID_QUERY, query);
  if (q.visit !== undefined && !deps.protocol.visits.some((v) => v.code === q.visit)) {
    throw new RegistryError('VALIDATION_FAILED', `visit: ${q.visit} is not a visit of the protocol`, [
      {
        path: ['visit'],
        code: 'invalid_choice',
        message: `visit: ${q.visit} is not a visit of the protocol`,
      },
    ]);
  }
  const now = deps.clock();
  const visits = deps.protocol.visits.map((v) => ({ code: v.code, label: v.label }));
  const shown = { state: q.state ?? null, visit: q.visit ?? null, sort: q.sort };
  const offset = (q.page - 1) * q.pageSize;
  // The page's study ids: by study id, the database pages; by next due date (next-due.ts) or by
  // state, the order is kept in `cache` while the registry is unchanged. Only the page's subjects
  // are then read.
  let studyIds: string[];
  let total: number;
  const today = formatDay(dayOf(now));
  const keyOf = (what: string) =>
    `${what}|${sites?.join(',') ?? '*'}|${today}|${deps.protocol.id}@${deps.protocol.version}`;
  if (q.state !== undefined) {
    // Subjects with a cell in the state, in the grid's order: kept in `cache` while the registry
    // is unchanged; the page then reads only its own subjects.
    const matching = await cached(
      options.cache,
      deps.db,
      keyOf(`state|${q.state}|${q.visit ?? ''}|${q.sort}`),
      () => studyIdsInState(deps, sites, now, q.state!, q.visit, q.sort),
    );
    studyIds = matching.slice(offset, offset + q.pageSize);
    total = matching.length;
  } else if (q.sort === 'next_due') {
    const ordered = await cached(options.cache, deps.db, keyOf('next_due'), () =>
      studyIdsByNextDue(deps.db, deps.protocol, sites, today),
    );
    studyIds = ordered.slice(offset, offset + q.pageSize);
    total = ordered.length;
  } else {
    let ids = deps.db
      .selectFrom('subject')
      .select('study_id')
      .orderBy('study_id')
      .offset(offset)
      .limit(q.pageSize);
    let count = deps.db.selectFrom('subject').select((e) => e.fn.countAll<string>().as('n'));
    if (sites !== null) {
      ids = ids.where('site_id', 'in', sites);
      count = count.where('site_id', 'in', sites);
    }
    const [page, counted] = await Promise.all([ids.execute(), count.executeTakeFirstOrThrow()]);
    studyIds = page.map((r) => r.study_id);
    total = Number(counted.n);
  }
  const [facts, queries] = await Promise.all([
    readSubjectFacts(deps.db, sites, studyIds),
    readOpenQueries(deps.db, sites, studyIds),
  ]);
  const order = new Map(studyIds.map((id, i) => [id, i]));
  const rows = facts
    .map((f) => row(deps, f, now, queries.get(f.studyId)))
    .sort((a, b) => order.get(a.studyId)! - order.get(b.studyId)!);
  await addSdv(deps, actor, rows);
  return {
    visits,
    rows,
    total,
    page: q.page,
    pageSize: q.pageSize,
    pages: Math.max(1, Math.ceil(total / q.pageSize)),
    query: shown,
  };
}

/**
 * The study ids of the subjects with a cell in `state` (at `visit`, or at any), in the grid's order
 * (study id, or next due date then study id). A visit open now (due, in window, overdue) is looked
 * for among the subjects whose schedule may hold one today: the database narrows, the schedule
 * decides.
 */
async function studyIdsInState(
  deps: RegistryDeps,
  sites: readonly string[] | null,
  now: Date,
  state: CellState,
  visit: string | undefined,
  sort: 'study_id' | 'next_due',
): Promise<string[]> {
  const openNow = state === 'due' || state === 'in_window' || state === 'overdue';
  const around = openNow
    ? { protocol: deps.protocol, today: formatDay(dayOf(now)), aheadDays: 0 }
    : undefined;
  const [facts, queries] = await Promise.all([
    readSubjectFacts(deps.db, sites, undefined, around),
    readOpenQueries(deps.db, sites),
  ]);
  const rows = facts
    .map((f) => row(deps, f, now, queries.get(f.studyId)))
    .filter((r) => r.cells.some((c) => c.state === state && (visit === undefined || c.visit === visit)));
  if (sort === 'next_due') {
    rows.sort((a, b) => {
      if (a.nextDue !== b.nextDue) {
        if (a.nextDue === null) return 1;
        if (b.nextDue === null) return -1;
        return a.nextDue < b.nextDue ? -1 : 1;
      }
      return a.studyId < b.studyId ? -1 : a.studyId > b.studyId ? 1 : 0;
    });
  }
  return rows.map((r) => r.studyId);
}
