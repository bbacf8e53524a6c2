// Reads the registry into the analysis cohort: starts the queries, then builds subjects from their rows.
import type { Kysely } from 'kysely';
import type { Cohort } from '../../analysis/study/cohort.js';
import { cohortVisits, kpiDaysOf } from '../../analysis/study/cohort-visits.js';
import { getInstrument } from '../../instruments/index.js';
import { type Protocol, SACROPLASTY_STUDY, type StudyDefinition } from '../../protocol/index.js';
import type { Database } from '../schema.js';
import { otherOutcomesOf, startCohortQueries } from './cohort-queries.js';
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

/**
 * Reads the registry into the analysis cohort (one snapshot). Only the columns the analysis needs
 * travel: typed score columns aggregated per subject and visit, the scores of the study
 * definition's other outcomes, and a few answers per instrument.
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
      const pending = startCohortQueries(run, protocol, kpiItems, table1Items, otherOutcomes);
      const sites = await pending.sites;
      const intern = codeInterner([...protocol.visits.map((v) => v.code), ...sites.map((s) => s.id)]);
      const subjects = subjectRecords(await pending.subjects, intern);
      const visits = cohortVisits(protocol);
      addOutcomeVisits(subjects, await pending.perVisit, visits, intern);
      addKpiFacts(subjects, kpiItems, await pending.kpiAnswers);
      addTable1Answers(subjects, table1Items, await pending.table1Answers);
      addVisitDates(subjects, await pending.visitDates, intern);
      addEnrollment(subjects, await pending.enrollment);
      addEligibility(subjects, await pending.eligibility, await pending.symptomWeeks);
      addPainScale(subjects, await pending.painScale);
      addProcedure(subjects, await pending.procedure);
      addCare(subjects, await pending.osteoporosisCare, await pending.physicalTherapy);
      addAdverseEvents(subjects, await pending.adverseEvent);
      addEndOfStudy(subjects, await pending.endOfStudy);
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
