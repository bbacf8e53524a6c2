import { type Kysely, sql } from 'kysely';
import type { Cohort } from '../../analysis/study/cohort.js';
import { cohortVisits, kpiDaysOf } from '../../analysis/study/cohort-visits.js';
import { type Protocol, SACROPLASTY_STUDY, type StudyDefinition } from '../../protocol/index.js';
import type { Row } from '../../store/extract/answer-text.js';
import { careItemsWanted } from '../../store/extract/cohort-items.js';
import { addKpiFacts, kpiItemsOf } from '../../store/extract/item-facts.js';
import { addCare, addEndOfStudy, codeInterner, subjectRecords } from '../../store/extract/subject-records.js';
import type { Database } from '../../store/index.js';

/**
 * The care-gap cohort of some sites (null: all) as `siteCohort` builds it, from three short reads:
 * the subjects with their seen visits and visit dates (subject_progress), the sites, and ONE pass
 * over the sites' saved procedure, care, KPI and end-of-study forms (only the items those read, in
 * the order saved), instead of a read per instrument and the whole subject facts. The cohort is
 * filled by the extraction's own functions (`addKpiFacts`, `addCare`, `addEndOfStudy`), so
 * `analyseCareGap`, `untreatedSubjects` and `analyseCompleteness` decide as in the study report.
 * With `studyIds`, only those subjects (of the sites).
 */
export async function careCohort(
  db: Kysely<Database>,
  protocol: Protocol,
  sites: readonly string[] | null,
  asOf: string,
  definition: StudyDefinition = SACROPLASTY_STUDY,
  studyIds?: readonly string[],
): Promise<Cohort> {
  const kpiItems = kpiItemsOf(definition);
  const wanted = careItemsWanted(definition);
  // Every row carries each item wanted by any instrument: each add* function reads only its own
  // items, so another instrument's (null or not) is never read.
  const columns = [...new Set([...wanted.values()].flatMap((s) => [...s]))];
  const instruments = [...new Set(['procedure', ...wanted.keys()])];
  if (sites?.length === 0 || studyIds?.length === 0)
    return cohortOf(protocol, asOf, definition, [], new Map());
  let siteRows = db.selectFrom('site').select(['id', 'name']).orderBy('id');
  if (sites !== null) siteRows = siteRows.where('id', 'in', sites);
  let subjects = db
    .selectFrom('subject as s')
    .leftJoin('subject_progress as p', 'p.study_id', 's.study_id')
    .select([
      's.study_id',
      's.site_id',
      's.status',
      's.enrolled_on',
      's.index_date',
      sql<string | null>`array_to_string(p.seen, ',')`.as('seen'),
      sql<string | null>`p.visit_dates::text`.as('visit_dates'),
    ])
    .orderBy('s.study_id');
  if (sites !== null) subjects = subjects.where('s.site_id', 'in', sites);
  if (studyIds !== undefined) subjects = subjects.where('s.study_id', 'in', studyIds);
  // Each form as one JSON text ([study id, instrument, item values…]), in the order saved: the
  // driver parses one text column far faster than a dozen.
  const values = sql.join(columns.map((i) => sql`answers->>${i}`));
  let forms = db
    .selectFrom('response')
    .select(sql<string>`json_build_array(study_id, instrument, ${values})::text`.as('form'))
    .where('instrument', 'in', instruments)
    .where('status', '!=', 'draft')
    .orderBy('id');
  if (sites !== null) forms = forms.where('site_id', 'in', sites);
  if (studyIds !== undefined) forms = forms.where('study_id', 'in', studyIds);
  const [siteList, subjectRows, formRows] = await Promise.all([
    siteRows.execute(),
    subjects.execute(),
    forms.execute(),
  ]);
  const intern = codeInterner([...protocol.visits.map((v) => v.code), ...siteList.map((s) => s.id)]);
  const records = subjectRecords(subjectRows as never, intern);
  for (const r of subjectRows) {
    const s = records.get(r.study_id)!;
    const dates =
      r.visit_dates === null || r.visit_dates === '{}'
        ? {}
        : (JSON.parse(r.visit_dates) as Record<string, string>);
    const seen = r.seen ? r.seen.split(',') : [];
    for (const v of new Set([...seen, ...Object.keys(dates)])) {
      s.visits.set(intern(v), { pain: null, odi: null, mme: null, opioid: null, date: dates[v] ?? null });
    }
  }
  const byInstrument = new Map<string, Row[]>(instruments.map((i) => [i, []]));
  for (const { form } of formRows) {
    const [study_id, instrument, ...answers] = JSON.parse(form) as [string, string, ...(string | null)[]];
    const row: Row = { study_id };
    columns.forEach((c, i) => {
      row[c] = answers[i];
    });
    byInstrument.get(instrument)!.push(row);
  }
  for (const r of byInstrument.get('procedure')!) {
    const s = records.get(r.study_id as string);
    if (s) s.treated = true;
  }
  addKpiFacts(
    records,
    kpiItems,
    [...kpiItems.keys()].map((instrument) => byInstrument.get(instrument)!),
  );
  addCare(records, byInstrument.get('osteoporosis_care')!, byInstrument.get('physical_therapy')!);
  addEndOfStudy(records, byInstrument.get('end_of_study')!);
  return cohortOf(
    protocol,
    asOf,
    definition,
    siteList.map((s) => ({ id: intern(s.id), name: s.name })),
    records,
  );
}

function cohortOf(
  protocol: Protocol,
  asOf: string,
  definition: StudyDefinition,
  sites: Cohort['sites'],
  subjects: Map<string, Cohort['subjects'][number]>,
): Cohort {
  return {
    asOf,
    definition,
    kpiDays: kpiDaysOf(protocol, definition),
    protocol: { id: protocol.id, version: protocol.version, title: protocol.title },
    sites,
    visits: cohortVisits(protocol),
    subjects: [...subjects.values()],
    aeTerms: [],
  };
}
