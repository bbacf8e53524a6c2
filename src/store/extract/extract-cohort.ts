import { type Kysely, sql, type Transaction } from 'kysely';
import type { Cohort, CohortSubject, ItemFacts, VisitValues } from '../../analysis/study/cohort.js';
import { cohortVisits, kpiDaysOf } from '../../analysis/study/cohort-visits.js';
import { getInstrument } from '../../instruments/index.js';
import { type Protocol, SACROPLASTY_STUDY, type StudyDefinition } from '../../protocol/index.js';
import { readAuditHead } from '../audit-verify.js';
import type { Database } from '../schema.js';

type Row = Record<string, unknown>;

const bool = (v: unknown): boolean | null => (v === 'true' ? true : v === 'false' ? false : null);
const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

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

type Runner = <T>(query: (c: Kysely<Database>) => Promise<T>) => Promise<T>;

/**
 * Runs queries on other pooled connections inside the snapshot of `trx` (pg_export_snapshot /
 * SET TRANSACTION SNAPSHOT), so they see exactly what `trx` sees and may run concurrently.
 */
async function snapshotRunner(db: Kysely<Database>, trx: Transaction<Database>): Promise<Runner> {
  const { rows } = await sql<{ id: string }>`select pg_export_snapshot() as id`.execute(trx);
  const snapshot = rows[0]!.id;
  return (query) =>
    db.connection().execute(async (c) => {
      await sql`begin isolation level repeatable read read only`.execute(c);
      try {
        await sql`set transaction snapshot ${sql.lit(snapshot)}`.execute(c);
        // The queries already run side by side: parallel workers of each would only contend for the
        // same cores; enough memory keeps each sort and aggregate off disk.
        await sql`set local max_parallel_workers_per_gather = 0`.execute(c);
        await sql`set local work_mem = '64MB'`.execute(c);
        const result = await query(c);
        await sql`commit`.execute(c);
        return result;
      } catch (error) {
        await sql`rollback`.execute(c);
        throw error;
      }
    });
}

/**
 * A visit's values with every optional property present (undefined until set): one object shape for
 * every visit of every subject, so the analysis reads them monomorphically.
 */
function visitValues(
  pain: number | null,
  odi: number | null,
  mme: number | null,
  opioid: boolean | null,
): VisitValues {
  return {
    pain,
    odi,
    mme,
    opioid,
    opioidsTaken: undefined,
    opioidsStopped: undefined,
    date: undefined,
    scores: undefined,
  } as unknown as VisitValues;
}

/** Scores kept in typed columns of `response` (read there, fast); any other score is read from `scores`. */
const TYPED_SCORES = new Set(['pain_nrs', 'odi_pct', 'mme_day']);

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
  const otherOutcomes = definition.outcomes.filter((o) => !TYPED_SCORES.has(o.score));
  // Items read by answers per instrument: the care forms' own, the KPIs' and Table 1's.
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
  // Table 1 items read as answered, per instrument.
  const table1Items = new Map<string, Set<string>>();
  for (const v of definition.table1) {
    if (!('answer' in v.source)) continue;
    const [instrument = '', item = ''] = v.source.answer.split('.');
    table1Items.set(instrument, (table1Items.get(instrument) ?? new Set()).add(item));
  }
  // The KPIs' items, per instrument: each item once with the date items read beside it.
  const kpiItems = new Map<string, Map<string, Set<string>>>();
  for (const k of definition.kpis) {
    const items = kpiItems.get(k.instrument) ?? new Map<string, Set<string>>();
    const dates = items.get(k.item) ?? new Set<string>();
    if (k.dateItem !== undefined) dates.add(k.dateItem);
    items.set(k.item, dates);
    kpiItems.set(k.instrument, items);
  }
  for (const [instrument, items] of kpiItems) {
    want(instrument, [...items.keys(), ...[...items.values()].flatMap((d) => [...d])]);
  }
  for (const [instrument, items] of table1Items) want(instrument, items);
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      // Every query at once, each on its own connection but all on this transaction's snapshot:
      // PostgreSQL works on the next while this process parses the last.
      const run = await snapshotRunner(db, trx);
      // One query per instrument read by answers, with every item any consumer wants from it.
      const fetched = new Map(
        [...wanted].map(([instrument, items]) => [
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
                .select([
                  'study_id',
                  'visit',
                  sql<string | null>`max((scores->>${o.score})::float8)`.as('value'),
                ])
                .where('instrument', '=', o.instrument)
                .where('status', '!=', 'draft')
                .groupBy(['study_id', 'visit'])
                .execute(),
            ),
          ),
        ),
      };
      // Awaited in order below; a failure there must not leave the others' rejections unhandled.
      for (const p of Object.values(pending)) p.catch(() => {});
      const sites = await pending.sites;
      // Codes read 100,000 times over (visit, site, status) become one string each: the analysis
      // compares and hashes them by identity instead of by content.
      const interned = new Map<string, string>();
      for (const v of protocol.visits) interned.set(v.code, v.code);
      for (const site of sites) interned.set(site.id, site.id);
      const intern = <T extends string>(x: T): T => {
        const known = interned.get(x);
        if (known !== undefined) return known as T;
        interned.set(x, x);
        return x;
      };
      const rows = await pending.subjects;
      const subjects = new Map<string, CohortSubject>();
      for (const r of rows) {
        subjects.set(r.study_id, {
          studyId: r.study_id,
          site: intern(r.site_id),
          status: intern(r.status),
          enrolledOn: r.enrolled_on,
          indexDate: r.index_date,
          treated: false,
          sex: null,
          age: null,
          symptomWeeks: null,
          painScale: null,
          etiology: null,
          eligible: null,
          priorFragilityFracture: null,
          steroidUse: null,
          denisZone: null,
          ffpType: null,
          sides: null,
          setting: null,
          tScore: null,
          visits: new Map(),
          endStatus: null,
          endReason: null,
          endDate: null,
          adverseEvents: [],
          care: {
            dxaDone: false,
            vitaminDMeasured: false,
            calciumVitD: false,
            boneMedRecommended: false,
            boneMedStartDate: null,
            boneMedPersisting: null,
            fallsRiskAssessed: false,
            ptStarted: false,
            dxaDate: null,
            ptStartDate: null,
            boneMedRecorded: false,
          },
          // Every subject gets the same properties up front (filled below or left empty): one object
          // shape for the whole cohort keeps the analysis' property reads monomorphic and fast.
          answers: undefined,
          kpiFacts: undefined,
        } as unknown as CohortSubject);
      }
      const perVisit = await pending.perVisit;
      const visits = cohortVisits(protocol);
      const medVisits = new Set(visits.filter((v) => v.collectsMedication).map((v) => v.code));
      for (const r of perVisit.rows) {
        const s = subjects.get(r.study_id);
        // A visit counts as seen by its forms; an end-of-study or adverse event form alone is not a visit.
        if (!s || !r.seen) continue;
        // A visit's medication review without any opioid counts as "no opioid", MME 0.
        const reviewed = medVisits.has(r.visit);
        const values = visitValues(
          r.pain === null ? null : Number(r.pain),
          r.odi === null ? null : Number(r.odi),
          r.mme_unknown ? null : r.mme !== null ? Number(r.mme) : reviewed ? 0 : null,
          r.opioid !== null ? r.opioid : reviewed ? false : null,
        );
        if (reviewed) {
          values.opioidsTaken = r.taken ?? [];
          values.opioidsStopped = (r.stopped ?? []).map((x) => {
            const [drug = '', stopDate = ''] = x.split(' ');
            return { drug, stopDate };
          });
        }
        s.visits.set(intern(r.visit), values);
      }
      // KPI facts per subject and `instrument.item`, over its forms in the order they were saved.
      (await pending.kpiAnswers).forEach((rows, i) => {
        const [instrument, items] = [...kpiItems][i]!;
        // Keys and date items once per instrument, not once per form.
        const itemList = [...items].map(([item, dateItems]) => ({
          item,
          key: `${instrument}.${item}`,
          dateItems: [...dateItems],
        }));
        for (const r of rows) {
          const s = subjects.get(String(r.study_id));
          if (!s) continue;
          s.kpiFacts ??= {};
          const facts = s.kpiFacts as Record<string, ItemFacts>;
          for (const { item, key, dateItems } of itemList) {
            facts[key] ??= { yes: false, recorded: false, lastYes: false, dates: {} };
            const f = facts[key];
            const value = str(r[item]);
            if (value !== null) {
              f.recorded = true;
              if (value === 'true') f.yes = true;
              if (value === 'true' || value === 'false') f.lastYes = value === 'true';
            }
            // The earliest date, on forms that do not answer the item no (a DXA "not done").
            const dates = f.dates as Record<string, string | null>;
            for (const d of dateItems) {
              const date = str(r[d]);
              if (date !== null && value !== 'false' && (dates[d] == null || date < dates[d]!))
                dates[d] = date;
            }
          }
        }
      });
      // Table 1 items: the first answer on the subject's forms, in the order they were saved.
      (await pending.table1Answers).forEach((rows, i) => {
        const [instrument, items] = [...table1Items][i]!;
        const itemList = [...items].map((item) => ({ item, key: `${instrument}.${item}` }));
        for (const r of rows) {
          const s = subjects.get(String(r.study_id));
          if (!s) continue;
          s.answers ??= {};
          const answers = s.answers as Record<string, string | null>;
          for (const { item, key } of itemList) {
            if (answers[key] == null) answers[key] = str(r[item]);
          }
        }
      });
      // A visit done on a recorded date is seen there, with or without forms.
      for (const r of await pending.visitDates) {
        const s = subjects.get(r.study_id);
        if (!s) continue;
        const values = s.visits.get(r.visit);
        if (values) values.date = r.date;
        else {
          const seen = visitValues(null, null, null, null);
          seen.date = r.date;
          s.visits.set(intern(r.visit), seen);
        }
      }
      for (const r of await pending.enrollment) {
        const s = subjects.get(String(r.study_id));
        if (!s) continue;
        s.sex = str(r.sex);
        const by = num(r.birth_year);
        const year = Number((s.indexDate ?? s.enrolledOn).slice(0, 4));
        s.age = by === null ? null : year - by;
      }
      for (const r of await pending.eligibility) {
        const s = subjects.get(String(r.study_id));
        if (!s) continue;
        s.etiology = str(r.etiology);
        s.eligible = bool(r.eligible);
        s.priorFragilityFracture = bool(r.prior_fragility_fracture);
        s.steroidUse = bool(r.steroid_use);
      }
      for (const r of await pending.symptomWeeks) {
        const s = subjects.get(r.study_id);
        if (s) s.symptomWeeks ??= num(r.weeks);
      }
      for (const r of await pending.painScale) {
        const s = subjects.get(r.study_id);
        if (s) s.painScale = str(r.scale);
      }
      for (const r of await pending.procedure) {
        const s = subjects.get(String(r.study_id));
        if (!s) continue;
        s.treated = true;
        const zones = r.denis_zone ? (JSON.parse(String(r.denis_zone)) as string[]) : [];
        s.denisZone = zones.length ? zones.sort().join('+') : null;
        s.ffpType = str(r.ffp_type);
        s.sides = str(r.sides);
        s.setting = str(r.setting);
      }
      for (const r of await pending.osteoporosisCare) {
        const s = subjects.get(String(r.study_id));
        if (!s) continue;
        const c = s.care;
        c.dxaDone ||= bool(r.dxa_done) === true;
        const dxaDate = str(r.dxa_date);
        if (dxaDate !== null && bool(r.dxa_done) !== false && (c.dxaDate == null || dxaDate < c.dxaDate))
          c.dxaDate = dxaDate;
        if (num(r.lowest_t_score) !== null) s.tScore = num(r.lowest_t_score);
        c.vitaminDMeasured ||= num(r.vitamin_d_25oh) !== null;
        c.calciumVitD ||= bool(r.calcium_vitd_started) === true;
        c.boneMedRecommended ||= bool(r.bone_med_recommended) === true;
        c.boneMedStartDate ??= str(r.bone_med_start_date);
        const med = str(r.bone_med);
        c.boneMedRecorded ||= (med !== null && med !== 'none') || str(r.bone_med_start_date) !== null;
        c.fallsRiskAssessed ||= bool(r.falls_risk_assessed) === true;
        const persisting = bool(r.bone_med_persisting);
        if (persisting !== null) c.boneMedPersisting = persisting;
      }
      for (const r of await pending.physicalTherapy) {
        const s = subjects.get(String(r.study_id));
        const start = str(r.pt_start_date);
        if (!s || start === null) continue;
        s.care.ptStarted = true;
        if (s.care.ptStartDate == null || start < s.care.ptStartDate) s.care.ptStartDate = start;
      }
      for (const r of await pending.adverseEvent) {
        subjects.get(String(r.study_id))?.adverseEvents.push({
          term: String(r.term),
          onsetDate: str(r.onset_date),
          grade: num(r.severity_grade),
          serious: bool(r.serious),
          sirClass: str(r.sir_class),
        });
      }
      for (const r of await pending.endOfStudy) {
        const s = subjects.get(String(r.study_id));
        if (!s) continue;
        s.endStatus = str(r.status);
        s.endReason = str(r.reason);
        s.endDate = str(r.date);
      }
      (await pending.otherOutcomes).forEach((rows, i) => {
        const key = otherOutcomes[i]!.key;
        for (const r of rows) {
          const values = subjects.get(r.study_id)?.visits.get(r.visit);
          if (!values || r.value === null) continue;
          values.scores = { ...values.scores, [key]: Number(r.value) };
        }
      });
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
