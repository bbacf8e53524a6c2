import { type Kysely, sql } from 'kysely';
import type { Cohort } from '../../analysis/study/cohort.js';
import { cohortVisits, kpiDaysOf } from '../../analysis/study/cohort-visits.js';
import { type Protocol, SACROPLASTY_STUDY, type StudyDefinition } from '../../protocol/index.js';
import type { Row } from '../../store/extract/answer-text.js';
import { careItemsWanted } from '../../store/extract/cohort-items.js';
import { addKpiFacts, kpiItemsOf } from '../../store/extract/item-facts.js';
import { addCare, addEndOfStudy, codeInterner, subjectRecords } from '../../store/extract/subject-records.js';
import type { Database } from '../../store/index.js';
import type { SubjectFacts } from './visit-cells.js';

/** Answers of one instrument at some sites, one row per form in the order saved (as the extraction). */
function answersOf(
  db: Kysely<Database>,
  sites: readonly string[] | null,
  instrument: string,
  items: string[],
) {
  let q = db
    .selectFrom('response')
    .select(['study_id', 'visit'])
    .select(items.map((i) => sql<string>`answers->>${i}`.as(i)))
    .where('instrument', '=', instrument)
    .where('status', '!=', 'draft')
    .orderBy('study_id')
    .orderBy('id');
  if (sites !== null) q = q.where('site_id', 'in', sites);
  return q.execute() as Promise<Row[]>;
}

/**
 * The part of the analysis cohort the staff dashboard and the care-gap worklist need, for some
 * sites only: subjects, treated, visits seen (with their recorded dates), end of study, the KPI
 * facts and the bone medication record, filled by the extraction's own functions
 * (store/extract), so `analyseCareGap`, `untreatedSubjects` and `analyseCompleteness` decide as
 * they do in the study report.
 */
export async function siteCohort(
  db: Kysely<Database>,
  protocol: Protocol,
  sites: readonly string[] | null,
  facts: readonly SubjectFacts[],
  asOf: string,
  definition: StudyDefinition = SACROPLASTY_STUDY,
): Promise<Cohort> {
  const kpiItems = kpiItemsOf(definition);
  const wanted = careItemsWanted(definition);
  let siteRows = db.selectFrom('site').select(['id', 'name']).orderBy('id');
  if (sites !== null) siteRows = siteRows.where('id', 'in', sites);
  let treated = db
    .selectFrom('response')
    .select('study_id')
    .where('instrument', '=', 'procedure')
    .where('status', '!=', 'draft');
  if (sites !== null) treated = treated.where('site_id', 'in', sites);
  const fetched = new Map(
    [...wanted].map(([instrument, items]) => [instrument, answersOf(db, sites, instrument, [...items])]),
  );
  const [siteList, treatedRows] = await Promise.all([siteRows.execute(), treated.execute()]);
  const intern = codeInterner([...protocol.visits.map((v) => v.code), ...siteList.map((s) => s.id)]);
  const subjects = subjectRecords(
    facts.map((f) => ({
      study_id: f.studyId,
      site_id: f.siteId,
      status: f.status as never,
      enrolled_on: f.enrolledOn,
      index_date: f.indexDate,
    })),
    intern,
  );
  for (const f of facts) {
    const s = subjects.get(f.studyId)!;
    for (const v of new Set([...f.seen, ...Object.keys(f.visitDates)])) {
      s.visits.set(intern(v), {
        pain: null,
        odi: null,
        mme: null,
        opioid: null,
        date: f.visitDates[v] ?? null,
      });
    }
  }
  for (const r of treatedRows) {
    const s = subjects.get(r.study_id);
    if (s) s.treated = true;
  }
  addKpiFacts(
    subjects,
    kpiItems,
    await Promise.all([...kpiItems.keys()].map((instrument) => fetched.get(instrument)!)),
  );
  addCare(
    subjects,
    await fetched.get('osteoporosis_care')!,
    (await fetched.get('physical_therapy')) as never,
  );
  addEndOfStudy(subjects, await fetched.get('end_of_study')!);
  return {
    asOf,
    definition,
    kpiDays: kpiDaysOf(protocol, definition),
    protocol: { id: protocol.id, version: protocol.version, title: protocol.title },
    sites: siteList.map((s) => ({ id: intern(s.id), name: s.name })),
    visits: cohortVisits(protocol),
    subjects: [...subjects.values()],
    aeTerms: [],
  };
}
