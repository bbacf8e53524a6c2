import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { analyseCareGap, band, meetsKpi, untreatedSubjects } from '../../analysis/study/analyse-care.js';
import {
  analyseCompleteness,
  completenessRow,
  expectedAt,
  expectedInFlow,
} from '../../analysis/study/analyse-flow.js';
import { proportion } from '../../analysis/study/analyse-outcomes.js';
import type { Cohort, CohortSubject } from '../../analysis/study/cohort.js';
import type { Protocol, StudyDefinition } from '../../protocol/index.js';
import { formatDay, parseDay, reachedDay, windowClosedBy } from '../../schedule/index.js';
import type { Database } from '../../store/index.js';
import type { RegistryDeps } from '../context.js';
import { careCohort } from './care-facts.js';
import { changedSubjects } from './care-state.js';
import { REGISTRY_STATE, registryState } from './view-cache.js';

/*
 * The dashboard's care figures (issue 8 §3.1) from per-subject counts kept in PostgreSQL (care_tally,
 * migration 0019). What a subject adds to its site's KPI numerators and denominators, untreated
 * count and completeness (expected, seen, out of window per visit) is decided by the study report's
 * own functions (`analyseCareGap`, `analyseCompleteness`) run on a cohort of that subject alone:
 * their figures are counts of subjects, so a site's are the sums of its subjects'. A row holds for
 * report dates from valid_from up to valid_until: each count only ever grows with the report date
 * (a time point reached, a window closed), so the first later date whose counts differ is found by
 * bisection. A site's figures are then one grouped sum. The rows are brought up to date on read:
 * the subjects the writes since the last count name (their audit rows), and those whose rows do not
 * hold for the day, are counted again in one transaction; a site change or more than MAX_CHANGED
 * subjects counts everyone again. Every process shares the rows; nothing is kept in memory.
 */

/** Bump when the counting below changes meaning, so that rows counted by older code are not used. */
const COUNTING = 1;
/**
 * The text of the rules the counts come from: a release that changes one of them starts a new tally
 * rather than summing rows its predecessor counted (their helpers are covered by COUNTING only).
 */
const RULES = [
  analyseCareGap,
  meetsKpi,
  untreatedSubjects,
  analyseCompleteness,
  expectedAt,
  expectedInFlow,
  reachedDay,
  windowClosedBy,
].map((f) => f.toString());
/** How far ahead a row's validity is searched (a row then holds for this long, then is counted again). */
const HORIZON_DAYS = 4096;
/** Past this many subjects to count again, everyone is counted (one read of the whole cohort). */
const MAX_CHANGED = 2000;

/** The KPI, untreated and completeness figures of one site, as the dashboard shows them. */
export interface SiteCare {
  kpis: {
    kpi: string;
    label: string;
    x: number;
    n: number;
    prop: number | null;
    band: ReturnType<typeof band>;
  }[];
  untreated: number;
  completeness: {
    site: string;
    visit: string;
    expected: number;
    seen: number;
    pct: number | null;
    out_of_window: number;
  }[];
}

interface Layout {
  key: string;
  kpis: { kpi: string; label: string }[];
  visits: string[];
}

const LAYOUTS = new WeakMap<StudyDefinition, Map<string, Layout>>();

/**
 * The order of a subject's counts: per KPI its denominator and numerator, the untreated count, per
 * completeness visit expected, seen and out of window. Read off the analyses themselves on a cohort
 * of one site and nobody (careCohort of no site reads nothing), so the KPIs and visits are theirs.
 */
async function layoutOf(
  db: Kysely<Database>,
  protocol: Protocol,
  definition: StudyDefinition,
): Promise<Layout> {
  const id = `${protocol.id}@${protocol.version}`;
  const known = LAYOUTS.get(definition)?.get(id);
  if (known) return known;
  const empty: Cohort = {
    ...(await careCohort(db, protocol, [], '2000-01-01', definition)),
    sites: [{ id: '-', name: '-' }],
  };
  const kpis = analyseCareGap(empty).kpis.map((k) => ({ kpi: k.kpi, label: k.label }));
  const visits = analyseCompleteness(empty).map((c) => c.visit);
  const key = createHash('sha256')
    .update(JSON.stringify({ COUNTING, RULES, id, definition, kpis, visits }))
    .digest('hex')
    .slice(0, 24);
  const layout = { key, kpis, visits };
  LAYOUTS.set(definition, (LAYOUTS.get(definition) ?? new Map()).set(id, layout));
  return layout;
}

/** What one subject adds to its site's counts on the report date `asOf`, in the layout's order. */
function countsOf(cohort: Cohort, s: CohortSubject, asOf: string): number[] {
  const one: Cohort = { ...cohort, asOf, sites: cohort.sites.filter((x) => x.id === s.site), subjects: [s] };
  const care = analyseCareGap(one);
  const counts: number[] = [];
  for (const k of care.kpis) counts.push(k.by_site[0]?.n ?? 0, k.by_site[0]?.x ?? 0);
  counts.push(care.untreated);
  for (const c of analyseCompleteness(one)) counts.push(c.expected, c.seen, c.out_of_window);
  return counts;
}

const same = (a: number[], b: number[]) => a.every((v, i) => v === b[i]);

/** A subject's counts on `asOf` and the first later day they change (or the horizon). */
export function tallyOf(
  cohort: Cohort,
  s: CohortSubject,
  asOf: string,
): { counts: number[]; validUntil: string } {
  const day = parseDay(asOf, 'report date');
  const counts = countsOf(cohort, s, asOf);
  const at = (ahead: number) => countsOf(cohort, s, formatDay(day + ahead));
  if (same(at(HORIZON_DAYS), counts)) return { counts, validUntil: formatDay(day + HORIZON_DAYS) };
  // Counts only grow with the date: same up to `lo`, different from `hi` on.
  let lo = 0;
  let hi = HORIZON_DAYS;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (same(at(mid), counts)) lo = mid;
    else hi = mid;
  }
  return { counts, validUntil: formatDay(day + hi) };
}

/**
 * Brings the care tally of (protocol, definition) up to date for the report date `asOf`, in one
 * transaction: counts again the subjects changed since it was last brought up to date, and those
 * whose rows do not hold on `asOf` (everyone when there is no tally yet, a site changed, or too many
 * changed).
 */
export async function refreshCareTally(
  deps: RegistryDeps,
  asOf: string,
  definition: StudyDefinition,
): Promise<void> {
  await deps.db.transaction().execute((trx) => recount(trx, deps.protocol, asOf, definition));
}

async function recount(
  trx: Kysely<Database>,
  protocol: Protocol,
  asOf: string,
  definition: StudyDefinition,
): Promise<void> {
  const layout = await layoutOf(trx, protocol, definition);
  const key = layout.key;
  // One counter at a time per layout; a second one then finds the rows up to date.
  await sql`select pg_advisory_xact_lock(hashtextextended(${`care_tally:${key}`}, 0))`.execute(trx);
  const [head, state] = await Promise.all([
    registryState(trx),
    sql<{ through: string; holds: boolean }>`select through_event as through,
        ${asOf}::date >= valid_from and ${asOf}::date < valid_until as holds
      from care_tally_state where layout = ${key}`.execute(trx),
  ]);
  const known = state.rows[0];
  let ids: string[] | null = null;
  if (known) {
    const through = Number(known.through);
    const changed = through === head ? [] : await changedSubjects(trx, through, head);
    if (changed !== null) {
      // Rows that stop holding on `asOf` are counted again too (only looked for when some do).
      const { rows } = known.holds
        ? { rows: [] }
        : await sql<{ study_id: string }>`select study_id from care_tally where layout = ${key}
            and not (valid_from <= ${asOf}::date and ${asOf}::date < valid_until)`.execute(trx);
      ids = [...new Set([...changed, ...rows.map((r) => r.study_id)])];
      if (ids.length > MAX_CHANGED) ids = null;
    }
  }
  let rows: { s: CohortSubject; counts: number[]; validUntil: string }[] = [];
  if (ids === null || ids.length > 0) {
    const cohort = await careCohort(trx, protocol, null, asOf, definition, ids ?? undefined);
    rows = cohort.subjects.map((s) => ({ s, ...tallyOf(cohort, s, asOf) }));
    if (ids === null) await sql`delete from care_tally where layout = ${key}`.execute(trx);
    else
      await sql`delete from care_tally where layout = ${key} and study_id = any(${ids}::text[])`.execute(trx);
    if (rows.length > 0)
      await sql`insert into care_tally (layout, study_id, site_id, valid_from, valid_until, counts)
        select ${key}, study_id, site_id, ${asOf}::date, valid_until, counts::smallint[]
        from unnest(${rows.map((r) => r.s.studyId)}::text[], ${rows.map((r) => r.s.site)}::text[],
          ${rows.map((r) => r.validUntil)}::date[], ${rows.map((r) => `{${r.counts.join(',')}}`)}::text[])
          as t(study_id, site_id, valid_until, counts)`.execute(trx);
  }
  // The dates every row holds for: from the kept range and the new rows when the range held,
  // else read off all rows.
  const until = rows.reduce<string | null>(
    (a, r) => (a === null || r.validUntil < a ? r.validUntil : a),
    null,
  );
  if (known?.holds && ids !== null)
    await sql`update care_tally_state set through_event = ${head},
        valid_from = greatest(valid_from, ${asOf}::date),
        valid_until = least(valid_until, coalesce(${until}::date, valid_until))
      where layout = ${key}`.execute(trx);
  else
    await sql`insert into care_tally_state (layout, through_event, valid_from, valid_until)
      select ${key}, ${head}, coalesce(max(valid_from), '-infinity'), coalesce(min(valid_until), 'infinity')
      from care_tally where layout = ${key}
      on conflict (layout) do update set through_event = excluded.through_event,
        valid_from = excluded.valid_from, valid_until = excluded.valid_until`.execute(trx);
}

/**
 * The care figures of `sites` (null: every site) on `asOf`: the tally brought up to date, then
 * summed per site in PostgreSQL; proportions and bands by the report's `proportion` and `band`.
 * Gives each site's figures (zeros for a site without subjects).
 */
export async function siteCare(
  deps: RegistryDeps,
  sites: readonly string[] | null,
  asOf: string,
  definition: StudyDefinition,
): Promise<(site: string) => SiteCare> {
  const layout = await layoutOf(deps.db, deps.protocol, definition);
  const size = layout.kpis.length * 2 + 1 + layout.visits.length * 3;
  const sums = sql.join(
    Array.from({ length: size }, (_, i) => sql`coalesce(sum(counts[${sql.lit(i + 1)}]), 0)::int`),
  );
  // One round trip when the tally is up to date: whether it is, and the sums (none when not, unless
  // `anyway`).
  const read = (anyway: boolean) =>
    sql<{ current: boolean; site_id: string | null; totals: number[] | null }>`
    with state as (select coalesce(
      (select s.through_event = coalesce((${REGISTRY_STATE}), 0)
          and ${asOf}::date >= s.valid_from and ${asOf}::date < s.valid_until
        from care_tally_state s where s.layout = ${layout.key}), false) as current)
    select state.current, t.site_id, t.totals from state left join lateral (
      select site_id, array[${sums}] as totals from care_tally
      where (state.current or ${sql.lit(anyway)}) and layout = ${layout.key}
        ${sites === null ? sql`` : sql`and site_id = any(${sites}::text[])`}
      group by site_id) t on true`.execute(deps.db);
  let { rows } = await read(false);
  if (!rows[0]!.current) {
    await refreshCareTally(deps, asOf, definition);
    // Up to date at least to the registry state read before (a later write is counted next time).
    ({ rows } = await read(true));
  }
  const bySite = new Map(rows.filter((r) => r.site_id !== null).map((r) => [r.site_id!, r.totals!]));
  const at = layout.kpis.length * 2 + 1;
  return (site) => {
    const t = bySite.get(site) ?? new Array<number>(size).fill(0);
    return {
      kpis: layout.kpis.map((k, i) => {
        const p = proportion(t[2 * i + 1]!, t[2 * i]!);
        return { ...k, x: p.x, n: p.n, prop: p.prop, band: band(p.prop) };
      }),
      untreated: t[layout.kpis.length * 2]!,
      completeness: layout.visits.map((visit, i) =>
        completenessRow(site, visit, t[at + 3 * i]!, t[at + 3 * i + 1]!, t[at + 3 * i + 2]!),
      ),
    };
  };
}
