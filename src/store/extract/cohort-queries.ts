// The queries the cohort is read with, started at once on one snapshot: `response` is scanned once
// (form-scan.ts), the other tables read as compact text; only what the cohort needs travels.
import { sql } from 'kysely';
import type { Protocol, StudyDefinition } from '../../protocol/index.js';
import { readAuditHead } from '../audit-verify.js';
import { END_OF_STUDY_ITEMS } from './cohort-items.js';
import { FormReads, scanForms } from './form-scan.js';
import type { KpiItems, Table1Items } from './item-facts.js';
import type { Runner } from './snapshot-runner.js';

/** Scores kept in typed columns of `response` (read there, fast); any other score is read from `scores`. */
const TYPED_SCORES = new Set(['pain_nrs', 'odi_pct', 'mme_day']);

/** The study definition's outcomes without a typed score column: read from `scores`. */
export function otherOutcomesOf(definition: StudyDefinition): StudyDefinition['outcomes'] {
  return definition.outcomes.filter((o) => !TYPED_SCORES.has(o.score));
}

/** The items the cohort reads per instrument: its own records', the KPIs' and Table 1's. */
export function formReadsOf(protocol: Protocol, kpiItems: KpiItems, table1Items: Table1Items): FormReads {
  const reads = new FormReads()
    .want('enrollment', ['sex', 'birth_year', 'index_date'])
    .want(
      'eligibility',
      ['etiology', 'eligible', 'prior_fragility_fracture', 'steroid_use'],
      ['symptom_weeks'],
    )
    // The pain scale of the baseline visit (the scale is a site's choice, so it is shown by site).
    .want('pain', ['scale'], [], [protocol.visits[0]!.code])
    .want('procedure', ['denis_zone', 'ffp_type', 'sides', 'setting'])
    .want('osteoporosis_care', [
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
    ])
    .want('physical_therapy', ['pt_start_date'])
    .want('adverse_event', ['term', 'onset_date', 'severity_grade', 'serious', 'sir_class'])
    .want('end_of_study', END_OF_STUDY_ITEMS);
  for (const [instrument, items] of kpiItems) {
    reads.want(instrument, [...items.keys(), ...[...items.values()].flatMap((d) => [...d])]);
  }
  for (const [instrument, items] of table1Items) reads.want(instrument, items);
  return reads;
}

/** A subject row as the cohort starts from it. */
export interface SubjectRow {
  study_id: string;
  site_id: string;
  status: string;
  enrolled_on: string;
  index_date: string | null;
}

/** A done visit's date of assessment. */
export interface VisitDateRow {
  study_id: string;
  visit: string;
  date: string;
}

/** Splits a text of lines of fields (chr(31) between fields, chr(10) between lines); null: no lines. */
function fieldLines(text: string | null | undefined): string[][] {
  return text ? text.split('\n').map((line) => line.split('\x1f')) : [];
}

/**
 * Starts every query of the extraction at once, each on its own connection but all on one snapshot:
 * PostgreSQL works on the next while this process parses the last. Await the results in any order;
 * a rejection left unawaited is never reported as unhandled.
 * @param pages - the size of `response` in heap pages, to split its scan into ranges.
 */
export function startCohortQueries(
  run: Runner,
  protocol: Protocol,
  reads: FormReads,
  otherOutcomes: StudyDefinition['outcomes'],
  pages: number,
) {
  // Subjects in study id order, as one text.
  const subjects = run(async (c): Promise<SubjectRow[]> => {
    const { rows } = await sql<{ t: string | null }>`
      select string_agg(concat_ws(chr(31), study_id, site_id, status, enrolled_on, index_date), chr(10)
                        order by study_id) as t
      from subject`.execute(c);
    return fieldLines(rows[0]?.t).map(
      ([study_id = '', site_id = '', status = '', enrolled_on = '', index_date]) => ({
        study_id,
        site_id,
        status,
        enrolled_on,
        index_date: index_date ?? null,
      }),
    );
  });
  const pending = {
    // The chain head on this snapshot: the report names the exact registry state it shows.
    auditHead: run((c) => readAuditHead(c)),
    sites: run((c) => c.selectFrom('site').select(['id', 'name']).orderBy('id').execute()),
    subjects,
    // Every entered form, once: typed scores per subject and visit, and the answers read.
    forms: scanForms(
      run,
      [...reads.byInstrument.values()],
      pages,
      protocol.visits.map((v) => v.code),
      subjects.then((rows) => rows.map((r) => r.study_id)),
    ),
    // Dates of assessment (done visits; a missed visit has none).
    visitDates: run(async (c): Promise<VisitDateRow[]> => {
      const { rows } = await sql<{ t: string | null }>`
        select string_agg(concat_ws(chr(31), study_id, visit, visit_date), chr(10)) as t
        from visit where visit_date is not null`.execute(c);
      return fieldLines(rows[0]?.t).map(([study_id = '', visit = '', date = '']) => ({
        study_id,
        visit,
        date,
      }));
    }),
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
