// The queries the cohort is read with, started at once on one snapshot; only needed columns travel.
import { type Kysely, sql } from 'kysely';
import type { Protocol, StudyDefinition } from '../../protocol/index.js';
import { readAuditHead } from '../audit-verify.js';
import type { Database } from '../schema.js';
import type { Row } from './answer-text.js';
import type { KpiItems, Table1Items } from './item-facts.js';
import type { Runner } from './snapshot-runner.js';

/** Answers of one instrument, one row per subject (the first instance at any visit unless `all`). */
async function answersOf(db: Kysely<Database>, instrument: string, items: string[]): Promise<Row[]> {
  const columns = items.map((i) => sql<string>`answers->>${i}`.as(i));
  return db
    .selectFrom('response')
    .select(['study_id', 'visit'])
    .select(columns)
    .where('instrument', '=', instrument)
    .where('status', '!=', 'draft')
    .orderBy('study_id')
    .orderBy('id')
    .execute() as Promise<Row[]>;
}

/** Scores kept in typed columns of `response` (read there, fast); any other score is read from `scores`. */
const TYPED_SCORES = new Set(['pain_nrs', 'odi_pct', 'mme_day']);

/** The study definition's outcomes without a typed score column: read from `scores`. */
export function otherOutcomesOf(definition: StudyDefinition): StudyDefinition['outcomes'] {
  return definition.outcomes.filter((o) => !TYPED_SCORES.has(o.score));
}

/** Items read by answers per instrument: the care forms' own, the KPIs' and Table 1's. */
function answerItemsToRead(kpiItems: KpiItems, table1Items: Table1Items): Map<string, Set<string>> {
  const wanted = new Map<string, Set<string>>([
    [
      'osteoporosis_care',
      new Set([
        'dxa_done',
        'dxa_date',
        'lowest_t_score',
        'vitamin_d_25oh',
        'calcium_vitd_started',
        'bone_med_recommended',
        'bone_med',
        'bone_med_start_date',
        'bone_med_persisting',
        'falls_risk_assessed',
      ]),
    ],
    ['physical_therapy', new Set(['pt_start_date'])],
  ]);
  const want = (instrument: string, items: Iterable<string>) => {
    const set = wanted.get(instrument) ?? new Set<string>();
    for (const item of items) set.add(item);
    wanted.set(instrument, set);
  };
  for (const [instrument, items] of kpiItems) {
    want(instrument, [...items.keys(), ...[...items.values()].flatMap((d) => [...d])]);
  }
  for (const [instrument, items] of table1Items) want(instrument, items);
  return wanted;
}

/**
 * Starts every query of the extraction at once, each on its own connection but all on one snapshot:
 * PostgreSQL works on the next while this process parses the last. Await the results in any order;
 * a rejection left unawaited is never reported as unhandled.
 */
export function startCohortQueries(
  run: Runner,
  protocol: Protocol,
  kpiItems: KpiItems,
  table1Items: Table1Items,
  otherOutcomes: StudyDefinition['outcomes'],
) {
  // One query per instrument read by answers, with every item any consumer wants from it.
  const fetched = new Map(
    [...answerItemsToRead(kpiItems, table1Items)].map(([instrument, items]) => [
      instrument,
      run((c) => answersOf(c, instrument, [...items])),
    ]),
  );
  const pending = {
    // The chain head on this snapshot: the report names the exact registry state it shows.
    auditHead: run((c) => readAuditHead(c)),
    sites: run((c) => c.selectFrom('site').select(['id', 'name']).orderBy('id').execute()),
    subjects: run((c) =>
      c
        .selectFrom('subject')
        .select(['study_id', 'site_id', 'status', 'enrolled_on', 'index_date'])
        .orderBy('study_id')
        .execute(),
    ),
    // Outcome values per subject and visit from the typed score columns. An analgesic listed
    // with a stop date has stopped by that review: it adds neither opioid use nor MME there. MME
    // is summed in exact hundredths, and is unknown when an opioid still taken has no factor.
    perVisit: run((c) =>
      sql<{
        study_id: string;
        visit: string;
        pain: number | null;
        odi: number | null;
        mme: number | null;
        mme_unknown: boolean | null;
        opioid: boolean | null;
        taken: string[] | null;
        stopped: string[] | null;
        seen: boolean;
      }>`
        select study_id, visit, max(pain_nrs) as pain, max(odi_pct) as odi,
               sum(round(mme_day * 100)) filter (where not stopped) / 100 as mme,
               bool_or(opioid_any and mme_day is null) filter (where not stopped) as mme_unknown,
               bool_or(opioid_any) filter (where not stopped) as opioid,
               array_agg(answers->>'drug') filter (where opioid_any and not stopped) as taken,
               array_agg(concat(answers->>'drug', ' ', answers->>'stop_date'))
                 filter (where opioid_any and stopped) as stopped,
               bool_or(instrument not in ('end_of_study', 'adverse_event')) as seen
        from (select study_id, visit, instrument, pain_nrs, odi_pct, mme_day, opioid_any, answers,
                     instrument = 'analgesic' and answers->>'stop_date' is not null as stopped
              from response where status <> 'draft') r
        group by study_id, visit`.execute(c),
    ),
    // The pain scale of the baseline visit (the scale is a site's choice, so it is shown by site).
    painScale: run((c) =>
      c
        .selectFrom('response')
        .select(['study_id', sql<string>`answers->>'scale'`.as('scale')])
        .where('instrument', '=', 'pain')
        .where('visit', '=', protocol.visits[0]!.code)
        .where('status', '!=', 'draft')
        .execute(),
    ),
    symptomWeeks: run((c) =>
      c
        .selectFrom('response')
        .select(['study_id', sql<string>`scores->>'symptom_weeks'`.as('weeks')])
        .where('instrument', '=', 'eligibility')
        .where('status', '!=', 'draft')
        .orderBy('study_id')
        .orderBy('id')
        .execute(),
    ),
    enrollment: run((c) => answersOf(c, 'enrollment', ['sex', 'birth_year', 'index_date'])),
    eligibility: run((c) =>
      answersOf(c, 'eligibility', [
        'etiology',
        'eligible',
        'prior_fragility_fracture',
        'steroid_use',
        'flag_prior_fragility_fracture',
        'flag_steroid_use',
      ]),
    ),
    procedure: run((c) => answersOf(c, 'procedure', ['denis_zone', 'ffp_type', 'sides', 'setting'])),
    osteoporosisCare: fetched.get('osteoporosis_care')!,
    physicalTherapy: fetched.get('physical_therapy')!,
    adverseEvent: run((c) =>
      answersOf(c, 'adverse_event', ['term', 'onset_date', 'severity_grade', 'serious', 'sir_class']),
    ),
    endOfStudy: run((c) => answersOf(c, 'end_of_study', ['status', 'reason', 'date'])),
    // The answers the KPIs are decided on, per instrument of the study definition's KPIs.
    kpiAnswers: Promise.all([...kpiItems.keys()].map((instrument) => fetched.get(instrument)!)),
    table1Answers: Promise.all([...table1Items.keys()].map((instrument) => fetched.get(instrument)!)),
    // Dates of assessment (done visits; a missed visit has none).
    visitDates: run((c) =>
      c
        .selectFrom('visit')
        .select(['study_id', 'visit', sql<string>`visit_date::text`.as('date')])
        .where('visit_date', 'is not', null)
        .execute(),
    ),
    // An outcome without a typed column: its score per subject and visit (one form per visit).
    otherOutcomes: Promise.all(
      otherOutcomes.map((o) =>
        run((c) =>
          c
            .selectFrom('response')
            .select(['study_id', 'visit', sql<string | null>`max((scores->>${o.score})::float8)`.as('value')])
            .where('instrument', '=', o.instrument)
            .where('status', '!=', 'draft')
            .groupBy(['study_id', 'visit'])
            .execute(),
        ),
      ),
    ),
  };
  // Awaited in order by the caller; a failure there must not leave the others' rejections unhandled.
  for (const p of Object.values(pending)) p.catch(() => {});
  return pending;
}

/** The extraction's queries under way. */
export type CohortQueries = ReturnType<typeof startCohortQueries>;

/** The rows one of the queries gives. */
export type RowsOf<K extends keyof CohortQueries> = Awaited<CohortQueries[K]>;
