import { type Kysely, sql } from 'kysely';
import { INSTRUMENT_LIST } from '../../instruments/index.js';
import { getVisit, type Protocol } from '../../protocol/index.js';
import { daysBetween, visitSchedule } from '../../schedule/index.js';
import type { Database } from '../../store/index.js';

/** Instruments whose form ends participation (instrument data). */
const ENDING = INSTRUMENT_LIST.filter((d) => d.endsParticipation).map((d) => d.id);

// Day 0 of the count; no procedure end time, as the grid schedules.
const ORIGIN = '1970-01-01';

/**
 * Each protocol visit as days after its anchor (its target, and the last day of its window, null
 * without one), read from schedule/ `visitSchedule` for a subject enrolled and treated on day 0:
 * the same placement the grid's cells get, the numbers the SQL below compares.
 */
function visitOffsets(protocol: Protocol) {
  const placed = visitSchedule(protocol, { enrolledOn: ORIGIN, indexDate: ORIGIN }, {}, new Date(0));
  const out: { code: string; onEnrolment: boolean; target: number; last: number | null }[] = [];
  for (const s of placed) {
    if (s.target === null) continue;
    out.push({
      code: s.visit,
      onEnrolment: getVisit(protocol, s.visit).anchor === 'enrolment',
      target: daysBetween(ORIGIN, s.target.slice(0, 10)),
      last: s.windowEnd === null ? null : daysBetween(ORIGIN, s.windowEnd.slice(0, 10)),
    });
  }
  return out;
}

/**
 * The study ids of some sites (null: all) in the order the grid sorts by next due date: the
 * earliest target among the visits still outstanding on `today` (not collected, not recorded
 * missed, window not closed, not after the day the subject left), no date last, then study id.
 * The same rule as `nextDue(visitCells(...))`, evaluated by PostgreSQL: one `least` of a `case` per
 * visit (its window checked first, the cheapest test), no per-subject schedule in JavaScript.
 */
export async function studyIdsByNextDue(
  db: Kysely<Database>,
  protocol: Protocol,
  sites: readonly string[] | null,
  today: string,
): Promise<string[]> {
  if (sites?.length === 0) return [];
  const siteWhere = sites === null ? sql`true` : sql`s.site_id in (${sql.join(sites)})`;
  const endSite = sites === null ? sql`true` : sql`site_id in (${sql.join(sites)})`;
  const targets = visitOffsets(protocol).map((o) => {
    const anchor = o.onEnrolment ? sql`s.enrolled_on` : sql`s.index_date`;
    const target = sql`(${anchor} + ${o.target}::int)`;
    const open =
      o.last === null ? sql`${anchor} is not null` : sql`${anchor} + ${o.last}::int >= ${today}::date`;
    return sql`case when ${open} and (e.day is null or ${target} <= e.day)
      and not (${o.code}::text = any(coalesce(p.seen, '{}')) or ${o.code}::text = any(coalesce(p.missed, '{}'))
               or coalesce(p.visit_dates, '{}') ? ${o.code}::text)
      then ${target} end`;
  });
  const nextDue = targets.length === 0 ? sql`null::date` : sql`least(${sql.join(targets)})`;
  const { rows } = await sql<{ study_id: string }>`
    with ended as (
      select study_id, max(collected_on) as day from response
      where instrument in (${sql.join(ENDING)}) and status <> 'draft' and collected_on is not null and ${endSite}
      group by study_id
    )
    select s.study_id from subject s
      left join subject_progress p on p.study_id = s.study_id
      left join ended e on e.study_id = s.study_id
    where ${siteWhere}
    order by ${nextDue} nulls last, s.study_id collate "C"`.execute(db);
  return rows.map((r) => r.study_id);
}
