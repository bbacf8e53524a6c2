import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import { INSTRUMENT_LIST } from '../../instruments/index.js';
import type { Protocol } from '../../protocol/index.js';
import { formatDay, parseDay, visitDays } from '../../schedule/index.js';
import type { Database } from '../../store/index.js';
import { requireScope, type ScopedActor, siteFilter } from '../scope.js';
import type { SubjectFacts } from './visit-cells.js';

/** Instruments whose form ends participation (instrument data). */
const ENDING = INSTRUMENT_LIST.filter((d) => d.endsParticipation);

type From = Database & { s: Database['subject']; p: Database['subject_progress'] };

/** The sites an actor reads subject data at (null: every site); FORBIDDEN when none. */
export function readableSites(actor: ScopedActor): readonly string[] | null {
  return siteFilter(requireScope(actor, 'data.read'));
}

/**
 * The subjects of some sites (null: all) or the given study ids, in study id order, with their
 * progress (0006-subject-progress) and the day each left the study. Two short queries whatever the
 * number of forms.
 */
export async function readSubjectFacts(
  db: Kysely<Database>,
  sites: readonly string[] | null,
  studyIds?: readonly string[],
  openAround?: OpenAround,
): Promise<SubjectFacts[]> {
  if (studyIds?.length === 0 || sites?.length === 0) return [];
  let subjects = db
    .selectFrom('subject as s')
    .leftJoin('subject_progress as p', 'p.study_id', 's.study_id')
    .select([
      's.study_id',
      's.site_id',
      's.status',
      's.enrolled_on',
      's.index_date',
      // One text column: the driver parses it far faster than four arrays and a jsonb.
      sql<string | null>`concat_ws('|', array_to_string(p.seen, ','), array_to_string(p.unsigned, ','),
        array_to_string(p.unlocked, ','), array_to_string(p.missed, ','), p.visit_dates::text)`.as(
        'progress',
      ),
    ])
    .orderBy('s.study_id');
  if (sites !== null) subjects = subjects.where('s.site_id', 'in', sites);
  if (studyIds !== undefined) subjects = subjects.where('s.study_id', 'in', studyIds);
  if (openAround !== undefined) subjects = subjects.where((eb) => mayBeOpen(eb, openAround));
  // The day a subject left: the collection day of its form that ends participation.
  let ends = db
    .selectFrom('response')
    .select(['study_id', 'collected_on'])
    .where(
      'instrument',
      'in',
      ENDING.map((d) => d.id),
    )
    .where('status', '!=', 'draft')
    .where('collected_on', 'is not', null);
  if (sites !== null) ends = ends.where('site_id', 'in', sites);
  if (studyIds !== undefined) ends = ends.where('study_id', 'in', studyIds);
  const [rows, endRows] = await Promise.all([subjects.execute(), ends.execute()]);
  const endedOn = new Map<string, string>();
  for (const e of endRows) endedOn.set(e.study_id, e.collected_on!);
  return rows.map((r) => {
    const [seen = '', unsigned = '', unlocked = '', missed = '', dates = '{}'] = (r.progress ?? '').split(
      '|',
    );
    return {
      studyId: r.study_id,
      siteId: r.site_id,
      status: r.status,
      enrolledOn: r.enrolled_on,
      indexDate: r.index_date,
      endedOn: endedOn.get(r.study_id) ?? null,
      seen: list(seen),
      unsigned: list(unsigned),
      unlocked: list(unlocked),
      visitDates: dates === '{}' ? NO_DATES : (JSON.parse(dates) as Record<string, string>),
      missed: list(missed),
    };
  });
}

const NONE: readonly string[] = [];
const NO_DATES: Readonly<Record<string, string>> = {};
const list = (text: string): readonly string[] => (text === '' ? NONE : text.split(','));

/**
 * A narrowing to the subjects who may have a visit open around today (due, in window, overdue, or
 * due within `aheadDays`): a superset, the exact state is still decided by the schedule (visit-cells).
 */
export interface OpenAround {
  protocol: Protocol;
  today: string;
  aheadDays: number;
  /**
   * Only the subjects who may have a visit overdue today: a visit with a window whose target day
   * has come (the schedule's `overdue` lies between target and window end; a visit without a
   * window is never overdue).
   */
  overdueOnly?: boolean;
}

/**
 * Subjects with a procedure-anchored visit whose window (from schedule/ `visitDays`), widened by
 * `aheadDays` before its target, holds today; or a visit without a window not yet collected.
 */
function mayBeOpen(eb: ExpressionBuilder<From, 's' | 'p'>, o: OpenAround) {
  const today = parseDay(o.today, 'today');
  const or: Expression<SqlBool>[] = [];
  for (const v of visitDays(o.protocol)) {
    const visit = o.protocol.visits.find((x) => x.code === v.code)!;
    if (visit.window === null || v.day === null) {
      if (o.overdueOnly) continue;
      const notSeen = sql<SqlBool>`not (${v.code} = any(coalesce(p.seen, '{}')) or coalesce(p.visit_dates, '{}') ? ${v.code})`;
      or.push(visit.anchor === 'procedure' ? eb.and([eb('s.index_date', 'is not', null), notSeen]) : notSeen);
      continue;
    }
    // today − index ∈ [min(window start, target − ahead), window end]
    const first = o.overdueOnly ? v.day : Math.min(v.windowStartDay ?? v.day, v.day - o.aheadDays);
    const last = v.windowEndDay ?? v.day;
    or.push(eb.between('s.index_date', formatDay(today - last), formatDay(today - first)));
  }
  return or.length > 0 ? eb.or(or) : sql<SqlBool>`false`;
}

/** Open queries per subject and visit, for some sites (null: all) or the given study ids. */
export async function readOpenQueries(
  db: Kysely<Database>,
  sites: readonly string[] | null,
  studyIds?: readonly string[],
): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>();
  if (studyIds?.length === 0 || sites?.length === 0) return out;
  let q = db
    .selectFrom('query as q')
    .innerJoin('response as r', 'r.id', 'q.response_id')
    .select(['q.study_id', 'r.visit', sql<number>`count(*)::int`.as('n')])
    .where('q.status', '=', 'open')
    .groupBy(['q.study_id', 'r.visit']);
  if (sites !== null) q = q.where('q.site_id', 'in', sites);
  if (studyIds !== undefined) q = q.where('q.study_id', 'in', studyIds);
  for (const r of await q.execute()) {
    const visits = out.get(r.study_id) ?? new Map<string, number>();
    visits.set(r.visit, r.n);
    out.set(r.study_id, visits);
  }
  return out;
}
