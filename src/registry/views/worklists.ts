import { sql } from 'kysely';
import { INSTRUMENTS } from '../../instruments/index.js';
import { dayLimit, SACROPLASTY_STUDY, type StudyDefinition } from '../../protocol/index.js';
import { dayOf, daysBetween, formatDay, visitDays } from '../../schedule/index.js';
import type { Actor, RegistryDeps } from '../context.js';
import { queriesFor } from '../queries.js';
import { careState } from './care-state.js';
import { readableSites, readOpenQueries, readSubjectFacts } from './subject-facts.js';
import { cached, type ViewCache } from './view-cache.js';
import { type CellState, visitCells } from './visit-cells.js';

/** Where a worklist row's page links: the form that clears it. */
export interface FormLink {
  studyId: string;
  siteId: string;
  visit: string;
  /** The instrument to open; for a visit, the first the protocol collects there. */
  instrument: string;
  /** The form's instance, when the row is about one form. */
  instance?: number;
  responseId?: number;
}

export interface DueVisitRow extends FormLink {
  visitLabel: string;
  state: CellState;
  target: string | null;
  windowStart: string | null;
  windowEnd: string | null;
}

export interface UnsignedRow extends FormLink {
  instance: number;
  responseId: number;
  enteredBy: string;
  updatedAt: string;
}

export interface MissingItemsRow extends FormLink {
  instance: number;
  responseId: number;
  /** The required items not answered, with their labels. */
  missing: { item: string; label: string }[];
}

export interface CareGapRow extends FormLink {
  indexDate: string;
  /** Days since the index date, past the bone medication's start limit (`limitDays`). */
  daysSinceIndex: number;
  limitDays: number | null;
}

/** Procedures and adverse events are signed by the investigator (issue 8 §3.3, §3.9). */
export const SIGNED_INSTRUMENTS: readonly string[] = ['procedure', 'adverse_event'];

const firstInstrument = (deps: RegistryDeps, visit: string) =>
  deps.protocol.visits.find((v) => v.code === visit)?.instruments[0] ?? '';

/**
 * Visits due this week and overdue (issue 8 §3.3), from the schedule: `due` holds the visits whose
 * window is open and whose target is not passed (`due`, `in_window`), and those not yet due whose
 * target falls within the next 7 days; `overdue` holds the visits past their target with the
 * window still open and nothing recorded. Ordered by target, then study id. Kept in `cache` while
 * the registry is unchanged.
 */
export async function dueVisits(
  deps: RegistryDeps,
  actor: Actor,
  options: { cache?: ViewCache } = {},
): Promise<{ weekEnd: string; due: DueVisitRow[]; overdue: DueVisitRow[] }> {
  const sites = readableSites(actor);
  const now = deps.clock();
  // Day visits only (the grid places no minute visit): the lists change with the day, not the hour.
  const key = `due|${sites?.join(',') ?? '*'}|${formatDay(dayOf(now))}|${deps.protocol.id}@${deps.protocol.version}`;
  return cached(options.cache, deps.db, key, () => readDueVisits(deps, sites, now));
}

async function readDueVisits(
  deps: RegistryDeps,
  sites: readonly string[] | null,
  now: Date,
): Promise<{ weekEnd: string; due: DueVisitRow[]; overdue: DueVisitRow[] }> {
  const weekEnd = formatDay(dayOf(now) + 6);
  const [facts, queries] = await Promise.all([
    readSubjectFacts(deps.db, sites, undefined, {
      protocol: deps.protocol,
      today: formatDay(dayOf(now)),
      aheadDays: 6,
    }),
    readOpenQueries(deps.db, sites),
  ]);
  const labels = new Map(deps.protocol.visits.map((v) => [v.code, v.label]));
  const due: DueVisitRow[] = [];
  const overdue: DueVisitRow[] = [];
  for (const f of facts) {
    for (const c of visitCells(deps.protocol, f, now, queries.get(f.studyId))) {
      const soon =
        c.state === 'not_yet_due' &&
        c.target !== null &&
        c.schedule === 'upcoming' &&
        c.target.slice(0, 10) <= weekEnd;
      if (c.state !== 'due' && c.state !== 'in_window' && c.state !== 'overdue' && !soon) continue;
      const item: DueVisitRow = {
        studyId: f.studyId,
        siteId: f.siteId,
        visit: c.visit,
        visitLabel: labels.get(c.visit) ?? c.visit,
        instrument: firstInstrument(deps, c.visit),
        state: c.state,
        target: c.target,
        windowStart: c.windowStart,
        windowEnd: c.windowEnd,
      };
      (c.state === 'overdue' ? overdue : due).push(item);
    }
  }
  const byTarget = (a: DueVisitRow, b: DueVisitRow) =>
    (a.target ?? '').localeCompare(b.target ?? '') || a.studyId.localeCompare(b.studyId);
  return { weekEnd, due: due.sort(byTarget), overdue: overdue.sort(byTarget) };
}

/** Days before a window closes that an unanswered ePRO visit enters the worklist. */
export const EPRO_CLOSING_DAYS = 3;

/**
 * ePRO not answered, window closing (issue 9 §4): due or overdue visits whose window closes within
 * EPRO_CLOSING_DAYS and whose ePRO invitation went out (sent, or sent by hand), still unanswered.
 */
export async function eproClosing(
  deps: RegistryDeps,
  actor: Actor,
  options: { cache?: ViewCache } = {},
): Promise<DueVisitRow[]> {
  const lists = await dueVisits(deps, actor, options);
  const last = formatDay(dayOf(deps.clock()) + EPRO_CLOSING_DAYS);
  const closing = [...lists.due, ...lists.overdue].filter(
    (r) => r.windowEnd !== null && r.windowEnd.slice(0, 10) <= last,
  );
  if (closing.length === 0) return [];
  const invited = await deps.db
    .selectFrom('epro_message')
    .select(['study_id', 'visit'])
    .where('study_id', 'in', [...new Set(closing.map((r) => r.studyId))])
    .where('outcome', 'in', ['sent', 'sent_by_hand'])
    .execute();
  const keys = new Set(invited.map((m) => `${m.study_id}|${m.visit}`));
  return closing
    .filter((r) => keys.has(`${r.studyId}|${r.visit}`))
    .sort((a, b) => a.windowEnd!.localeCompare(b.windowEnd!) || a.studyId.localeCompare(b.studyId));
}

export interface QueryRow extends FormLink {
  instance: number;
  responseId: number;
  queryId: number;
  item: string;
  status: string;
  raisedAt: string;
}

/**
 * Queries assigned to me (queries.ts `mine`): for site staff the open queries of their site
 * assigned to them or to nobody, for a monitor the answered queries they raised.
 */
export async function assignedQueries(deps: RegistryDeps, actor: Actor): Promise<QueryRow[]> {
  return (await queriesFor(deps, actor, { mine: true, limit: 1000 })).map((q) => ({
    studyId: q.studyId,
    siteId: q.siteId,
    visit: q.visit,
    instrument: q.instrument,
    instance: q.instance,
    responseId: q.responseId,
    queryId: q.id,
    item: q.item,
    status: q.status,
    raisedAt: q.raisedAt,
  }));
}

/** Entered procedures and adverse events not yet signed, oldest first: `limit` of them from `offset`, and how many in all. */
export async function unsignedForms(
  deps: RegistryDeps,
  actor: Actor,
  options: { limit?: number; offset?: number } = {},
): Promise<{ total: number; rows: UnsignedRow[] }> {
  const sites = readableSites(actor);
  const unsigned = deps.db
    .selectFrom('response')
    .where('instrument', 'in', SIGNED_INSTRUMENTS)
    .where('status', '!=', 'draft')
    .where('signed_at', 'is', null)
    .$if(sites !== null, (q) => q.where('site_id', 'in', sites!));
  const [rows, count] = await Promise.all([
    unsigned
      .select(['id', 'site_id', 'study_id', 'visit', 'instrument', 'instance', 'entered_by', 'updated_at'])
      .orderBy('updated_at')
      .orderBy('id')
      .limit(Math.min(Math.max(options.limit ?? 100, 1), 1000))
      .offset(Math.max(options.offset ?? 0, 0))
      .execute(),
    unsigned.select((e) => e.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    total: Number(count.n),
    rows: rows.map((r) => ({
      studyId: r.study_id,
      siteId: r.site_id,
      visit: r.visit,
      instrument: r.instrument,
      instance: r.instance,
      responseId: r.id,
      enteredBy: r.entered_by,
      updatedAt: r.updated_at.toISOString(),
    })),
  };
}

/**
 * Forms with required items not answered (the instrument definitions say which): drafts saved
 * part-way. An item marked missing with a code is answered for this list.
 */
export async function formsMissingItems(deps: RegistryDeps, actor: Actor): Promise<MissingItemsRow[]> {
  const sites = readableSites(actor);
  let q = deps.db
    .selectFrom('response')
    .select([
      'id',
      'site_id',
      'study_id',
      'visit',
      'instrument',
      'instance',
      sql<string[]>`array(select jsonb_object_keys(answers))`.as('answered'),
      // Items marked missing with a code (0007-missing-data-codes), read so where that column exists.
      sql<
        string[]
      >`array(select jsonb_object_keys(case when jsonb_typeof(to_jsonb(response) -> 'missing') = 'object'
        then to_jsonb(response) -> 'missing' else '{}'::jsonb end))`.as('coded'),
    ])
    .where('status', '=', 'draft')
    .orderBy('study_id')
    .orderBy('id');
  if (sites !== null) q = q.where('site_id', 'in', sites);
  const rows: MissingItemsRow[] = [];
  for (const r of await q.execute()) {
    const def = INSTRUMENTS.get(r.instrument);
    if (!def) continue;
    const have = new Set([...r.answered, ...r.coded]);
    const missing = def.items
      .filter((i) => i.required && !have.has(i.id))
      .map((i) => ({ item: i.id, label: i.label }));
    if (missing.length === 0) continue;
    rows.push({
      studyId: r.study_id,
      siteId: r.site_id,
      visit: r.visit,
      instrument: r.instrument,
      instance: r.instance,
      responseId: r.id,
      missing,
    });
  }
  return rows;
}

/**
 * Patients with no bone medication past its start limit (16 weeks): the care-gap KPI's own rule
 * (`untreatedSubjects`, as the study report counts "untreated"). Each links to the bone
 * medication's form at the latest visit collecting it that the subject has reached.
 */
export async function careGapPatients(
  deps: RegistryDeps,
  actor: Actor,
  options: { definition?: StudyDefinition; cache?: ViewCache } = {},
): Promise<CareGapRow[]> {
  const sites = readableSites(actor);
  const definition = options.definition ?? SACROPLASTY_STUDY;
  const asOf = formatDay(dayOf(deps.clock()));
  const state = await careState(deps, sites, asOf, definition, options.cache);
  const instrument = definition.boneMedication.instrument;
  const collecting = visitDays(deps.protocol).filter((v) =>
    deps.protocol.visits.find((p) => p.code === v.code)?.instruments.includes(instrument),
  );
  const limit = dayLimit(deps.protocol, definition.boneMedication.limit);
  return state.untreated
    .map((s) => {
      const days = daysBetween(s.indexDate, asOf);
      const reached = collecting.filter((v) => v.day === null || v.day <= days);
      const visit = (reached.at(-1) ?? collecting[0])?.code ?? '';
      return {
        studyId: s.studyId,
        siteId: s.site,
        visit,
        instrument,
        indexDate: s.indexDate,
        daysSinceIndex: days,
        limitDays: limit,
      };
    })
    .sort((a, b) => a.indexDate.localeCompare(b.indexDate) || a.studyId.localeCompare(b.studyId));
}
