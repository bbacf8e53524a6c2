// Reads the registry into the analysis cohort: starts the queries, then builds subjects from their rows.
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Cohort } from '../../analysis/study/cohort.js';
import { cohortVisits, kpiDaysOf } from '../../analysis/study/cohort-visits.js';
import { getInstrument } from '../../instruments/index.js';
import { type Protocol, SACROPLASTY_STUDY, type StudyDefinition } from '../../protocol/index.js';
import type { Database } from '../schema.js';
import { AnswerColumns } from './answer-columns.js';
import { formReadsOf, otherOutcomesOf, startCohortQueries } from './cohort-queries.js';
import { addKpiFacts, addTable1Answers, kpiItemsOf, table1ItemsOf } from './item-facts.js';
import { snapshotRunner } from './snapshot-runner.js';
import {
  addAdverseEvents,
  addCare,
  addEligibility,
  addEndOfStudy,
  addEnrollment,
  addPainScale,
  addProcedure,
  codeInterner,
  subjectRecords,
} from './subject-records.js';
import { addOtherOutcomes, addOutcomeVisits, addVisitDates } from './subject-visits.js';

/** The size of cohort_form in heap pages now (its scan is split into ranges of pages). */
async function formPages(trx: Transaction<Database>): Promise<number> {
  const { rows } = await sql<{ pages: number }>`
    select (pg_relation_size('cohort_form') / current_setting('block_size')::int)::int as pages`.execute(trx);
  return rows[0]?.pages ?? 0;
}

/**
 * Reads the registry into the analysis cohort (one snapshot). Only the columns the analysis needs
 * travel: cohort_form (kept at write time, migration 0020) is scanned once for the typed scores of
 * every form and the few answers per instrument the cohort reads; the scores of the study
 * definition's other outcomes, and any answer cohort_form does not keep, come from `response`.
 */
export async function extractCohort(
  db: Kysely<Database>,
  protocol: Protocol,
  asOf: string,
  definition: StudyDefinition = SACROPLASTY_STUDY,
): Promise<Cohort> {
  const otherOutcomes = otherOutcomesOf(definition);
  const kpiItems = kpiItemsOf(definition);
  const table1Items = table1ItemsOf(definition);
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      // Every query at once, each on its own connection but all on this transaction's snapshot:
      // PostgreSQL works on the next while this process parses the last.
      const run = await snapshotRunner(db, trx);
      const pages = await formPages(trx);
      const reads = formReadsOf(protocol, kpiItems, table1Items);
      const pending = startCohortQueries(run, protocol, reads, otherOutcomes, pages);
      const sites = await pending.sites;
      const intern = codeInterner([...protocol.visits.map((v) => v.code), ...sites.map((s) => s.id)]);
      const subjects = subjectRecords(await pending.subjects, intern);
      const visits = cohortVisits(protocol);
      const forms = await pending.forms;
      const rowsOf = (instrument: string) => forms.rows.get(instrument) ?? new AnswerColumns([]);
      addOutcomeVisits(subjects, forms.tallies, visits, intern);
      addKpiFacts(subjects, kpiItems, [...kpiItems.keys()].map(rowsOf));
      addTable1Answers(subjects, table1Items, [...table1Items.keys()].map(rowsOf));
      addVisitDates(subjects, await pending.visitDates, intern);
      addEnrollment(subjects, rowsOf('enrollment'));
      addEligibility(subjects, rowsOf('eligibility'));
      addPainScale(subjects, rowsOf('pain'), protocol.visits[0]!.code);
      addProcedure(subjects, rowsOf('procedure'));
      addCare(subjects, rowsOf('osteoporosis_care'), rowsOf('physical_therapy'));
      addAdverseEvents(subjects, rowsOf('adverse_event'));
      addEndOfStudy(subjects, rowsOf('end_of_study'));
      addOtherOutcomes(subjects, otherOutcomes, await pending.otherOutcomes);
      const { instrument: aeInstrument, termItem } = definition.adverseEvents;
      const ae = getInstrument(aeInstrument).items.find((i) => i.id === termItem);
      return {
        asOf,
        auditHead: await pending.auditHead,
        definition,
        kpiDays: kpiDaysOf(protocol, definition),
        protocol: { id: protocol.id, version: protocol.version, title: protocol.title },
        sites: sites.map((s) => ({ id: intern(s.id), name: s.name })),
        visits,
        subjects: [...subjects.values()],
        aeTerms: (ae?.choices ?? []).map((c) => ({ code: c.code, label: c.label })),
      };
    });
}
