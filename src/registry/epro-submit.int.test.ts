import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rejects, VCU_COORDINATOR } from '../../test/helpers/registry.js';
import { createWorkflowRegistry } from '../../test/helpers/workflow.js';
import { carriedMedicines, stopDateIssues } from './epro-analgesics.js';
import { loadPatientSession, openLink } from './epro-links.js';
import { saveDraft, submitLink } from './epro-submit.js';
import { amendResponse, createLink, recordResponse } from './index.js';
import { enrolSubject } from './subjects.js';
import { subjectView } from './views/subject-view.js';
import { recordVisit } from './visits.js';

let r: Awaited<ReturnType<typeof createWorkflowRegistry>>;

const ODI = Object.fromEntries(
  [
    's1_pain_intensity',
    's2_personal_care',
    's3_lifting',
    's4_walking',
    's5_sitting',
    's6_standing',
    's7_sleeping',
    's8_sex_life',
    's9_social_life',
    's10_travelling',
  ].map((id) => [id, ['1']]),
);

/** A subject of VCU with the week-2 window open today, and analgesics recorded at baseline by staff. */
async function subjectWithBaselineAnalgesics(): Promise<string> {
  const { studyId } = await enrolSubject(r.deps, VCU_COORDINATOR, {
    siteId: 'VCU',
    answers: { sex: 'female', birth_year: 1947, consent_date: '2026-03-02', index_date: '2026-03-05' },
  });
  const baseline = [
    {
      drug: 'oxycodone',
      strength: 10,
      unit: 'mg',
      route: 'oral',
      doses_per_day: 3,
      start_date: '2026-02-20',
    },
    { drug: 'acetaminophen', strength: 500, unit: 'mg', route: 'oral', doses_per_day: 4 },
    // Stopped by the baseline review: not carried forward.
    { drug: 'morphine', strength: 15, unit: 'mg', route: 'oral', doses_per_day: 2, stop_date: '2026-02-28' },
  ];
  for (const [i, answers] of baseline.entries()) {
    await recordResponse(r.deps, VCU_COORDINATOR, {
      studyId,
      visit: 'baseline',
      instrument: 'analgesic',
      instance: i + 1,
      answers,
    });
  }
  return studyId;
}

/** The patient's session on the subject's week-2 link. */
async function patientSession(studyId: string) {
  const link = await createLink(r.deps, VCU_COORDINATOR, { studyId, visit: 'week2' });
  const opened = await openLink(r.deps, link.token, '203.0.113.9');
  if (opened.kind !== 'opened') throw new Error(opened.kind);
  const session = await loadPatientSession(r.deps, opened.session);
  if (!session) throw new Error('no session');
  return session;
}

const week2 = (studyId: string) =>
  r.deps.db
    .selectFrom('response')
    .select(['instrument', 'instance', 'answers', 'mme_day', 'entered_by', 'entered_by_kind'])
    .where('study_id', '=', studyId)
    .where('visit', '=', 'week2')
    .orderBy('instrument')
    .orderBy('instance')
    .execute();

const auditOf = async (studyId: string) =>
  (
    await sql<{ action: string }>`select action from audit_event
      where entity_id = ${studyId} or (action = 'response.record' and after->>'study_id' = ${studyId})
      order by id`.execute(r.deps.db)
  ).rows.map((x) => x.action);

beforeAll(async () => {
  r = await createWorkflowRegistry();
  r.setTime('2026-03-17T10:00:00.000Z');
});
afterAll(() => r.destroy());

describe('ePRO analgesics and the one-transaction submit', () => {
  test('the medicines of the latest earlier visit are carried forward in patient words, stopped ones left out', async () => {
    const studyId = await subjectWithBaselineAnalgesics();
    const carried = await carriedMedicines(r.deps.db, r.deps, studyId, 'week2');
    expect(carried.map((c) => [c.instance, c.words])).toEqual([
      [1, 'Oxycodone 10 mg tablet, 3 a day'],
      [2, 'Paracetamol 500 mg tablet, 4 a day'],
    ]);
    expect(carried[0]?.strengths).toEqual([5, 10, 15, 20, 30]);
    expect(await carriedMedicines(r.deps.db, r.deps, studyId, 'baseline')).toEqual([]);
  });

  test('a patient stops an opioid, keeps one, adds one: analgesic forms entered by the patient, MME scored by the instrument', async () => {
    const studyId = await subjectWithBaselineAnalgesics();
    const s = await patientSession(studyId);
    await saveDraft(r.deps, s, 'pain', { scale: 'nrs', score: 3 });
    await saveDraft(r.deps, s, 'odi', ODI);
    await saveDraft(r.deps, s, 'analgesic', {
      carried: { '1': { answer: 'stopped', stopDate: '2026-03-14' }, '2': { answer: 'same' } },
      added: [
        { key: 'tramadol', strength: 50, perDay: 2 },
        { key: 'fentanyl_patch', strength: 'unsure', perDay: null },
      ],
      none: false,
      other: 'white pills from my neighbour',
      done: true,
    });
    await saveDraft(r.deps, s, 'problems', { any: 'yes', description: 'dizzy in the mornings' });
    expect(await submitLink(r.deps, s)).toBe('recorded');
    const rows = await week2(studyId);
    expect(rows.map((x) => [x.instrument, x.instance, x.entered_by, x.entered_by_kind])).toEqual([
      ['analgesic', 1, 'ePRO', 'patient'],
      ['analgesic', 2, 'ePRO', 'patient'],
      ['analgesic', 3, 'ePRO', 'patient'],
      ['odi', 1, 'ePRO', 'patient'],
      ['pain', 1, 'ePRO', 'patient'],
    ]);
    const analgesics = rows.filter((x) => x.instrument === 'analgesic');
    expect(analgesics.map((x) => [x.answers.drug, x.answers.stop_date ?? null, Number(x.mme_day)])).toEqual([
      ['oxycodone', '2026-03-14', 45],
      ['acetaminophen', null, 0],
      ['tramadol', null, 20],
    ]);
    expect(analgesics[2]?.answers).toEqual({
      drug: 'tramadol',
      strength: 50,
      unit: 'mg',
      route: 'oral',
      doses_per_day: 2,
    });
    // What could not be placed waits for the site, never guessed.
    const draft = await sql<{ answers: { unplaced: string[] } }>`select d.answers from epro_draft d
      join epro_link l on l.id = d.link_id where l.study_id = ${studyId} and d.page = 'analgesic'`.execute(
      r.deps.db,
    );
    expect(draft.rows[0]?.answers.unplaced).toEqual([
      'Fentanyl (strength not sure)',
      'white pills from my neighbour',
    ]);
    expect(await auditOf(studyId)).toEqual(expect.arrayContaining(['response.record', 'epro.submit']));
    // The subject's page counts MME by the extract's rule: stopped drugs left out (morphine at
    // baseline, oxycodone at week 2), the fentanyl patch not placed, so not counted.
    const view = await subjectView(r.deps, VCU_COORDINATOR, studyId, { identifiers: false });
    expect(view.mmeByVisit).toEqual([
      { visit: 'baseline', mmeDay: 45 },
      { visit: 'week2', mmeDay: 20 },
    ]);
  });

  test("a stop date after the visit date or after today is refused by the instrument's own rule, on the page as at submit", async () => {
    const studyId = await subjectWithBaselineAnalgesics();
    const [oxycodone] = await carriedMedicines(r.deps.db, r.deps, studyId, 'week2');
    expect(await stopDateIssues(r.deps, studyId, 'week2', oxycodone!, '2026-03-16')).toEqual([]);
    expect((await stopDateIssues(r.deps, studyId, 'week2', oxycodone!, '2026-03-20'))[0]?.code).toBe(
      'in_future',
    );
    expect((await stopDateIssues(r.deps, studyId, 'week2', oxycodone!, '2026-02-10'))[0]?.path).toEqual([
      'stop_date',
    ]);
    await recordVisit(r.deps, VCU_COORDINATOR, {
      studyId,
      visit: 'week2',
      date: '2026-03-15',
      mode: 'phone',
    });
    const later = await stopDateIssues(r.deps, studyId, 'week2', oxycodone!, '2026-03-16');
    expect(later).toEqual([expect.objectContaining({ path: ['stop_date'], code: 'in_future' })]);
    expect(later[0]?.message).toContain('after the date of the week2 visit (2026-03-15)');
  });

  test('a failure mid-submit leaves nothing written: no form, no candidate, no audit event, the link open', async () => {
    const studyId = await subjectWithBaselineAnalgesics();
    const s = await patientSession(studyId);
    const before = await auditOf(studyId);
    await saveDraft(r.deps, s, 'pain', { scale: 'nrs', score: 4 });
    // The second instrument fails (an answer the ODI refuses) after the first was written.
    await saveDraft(r.deps, s, 'odi', { ...ODI, s1_pain_intensity: ['9'] });
    await saveDraft(r.deps, s, 'analgesic', {
      carried: { '1': { answer: 'same' }, '2': { answer: 'same' } },
      added: [],
      none: false,
      other: '',
      done: true,
    });
    await saveDraft(r.deps, s, 'problems', { any: 'yes', description: 'a fall' });
    expect((await rejects(submitLink(r.deps, s))).code).toBe('VALIDATION_FAILED');
    expect(await week2(studyId)).toEqual([]);
    expect(await auditOf(studyId)).toEqual(before);
    const link = await sql<{ submitted_at: Date | null }>`select submitted_at from epro_link
      where id = ${s.linkId}`.execute(r.deps.db);
    expect(link.rows[0]?.submitted_at).toBeNull();
    const candidates = await sql`select id from epro_ae_candidate where study_id = ${studyId}`.execute(
      r.deps.db,
    );
    expect(candidates.rows).toEqual([]);
  });

  test('two submits at once (two tabs): exactly one records', async () => {
    const studyId = await subjectWithBaselineAnalgesics();
    const s = await patientSession(studyId);
    await saveDraft(r.deps, s, 'pain', { scale: 'nrs', score: 2 });
    await saveDraft(r.deps, s, 'odi', ODI);
    await saveDraft(r.deps, s, 'analgesic', {
      carried: { '1': { answer: 'changed', strength: 5, perDay: 2 }, '2': { answer: 'same' } },
      added: [],
      none: false,
      other: '',
      done: true,
    });
    await saveDraft(r.deps, s, 'problems', { any: 'no', description: '' });
    const results = await Promise.all([submitLink(r.deps, s), submitLink(r.deps, s)]);
    expect(results.sort()).toEqual(['already_submitted', 'recorded']);
    const rows = await week2(studyId);
    expect(rows.map((x) => `${x.instrument}#${x.instance}`)).toEqual([
      'analgesic#1',
      'analgesic#2',
      'odi#1',
      'pain#1',
    ]);
    expect(Number(rows[0]?.mme_day)).toBe(15); // oxycodone 5 mg twice a day × 1.5
    expect((await auditOf(studyId)).filter((a) => a === 'epro.submit')).toHaveLength(1);
  });
});

const visitRow = async (studyId: string) =>
  (
    await sql<{ date: string | null; mode: string | null; entered_by: string; version: number }>`
      select visit_date::text as date, mode, entered_by, version from visit
      where study_id = ${studyId} and visit = 'week2'`.execute(r.deps.db)
  ).rows;

const visitAudits = async (studyId: string) =>
  (
    await sql<{ actor: string; after: Record<string, unknown> }>`select actor, after from audit_event
      where action = 'visit.record' and after->>'study_id' = ${studyId} order by id`.execute(r.deps.db)
  ).rows;

/** The week-2 cell of the subject's timeline: the schedule's status and the date recorded. */
const week2Cell = async (studyId: string) =>
  (await subjectView(r.deps, VCU_COORDINATOR, studyId, { identifiers: false })).timeline.find(
    (c) => c.visit === 'week2',
  );

async function submitPain(studyId: string) {
  const s = await patientSession(studyId);
  await saveDraft(r.deps, s, 'pain', { scale: 'nrs', score: 3 });
  expect(await submitLink(r.deps, s)).toBe('recorded');
}

describe('the visit date at an ePRO submit', () => {
  test('a submit at a visit without a date records the day the patient answered, mode epro, with its audit event (channel ePRO), in the window', async () => {
    const studyId = await subjectWithBaselineAnalgesics();
    expect(await visitRow(studyId)).toEqual([]);
    await submitPain(studyId);
    expect(await visitRow(studyId)).toEqual([
      { date: '2026-03-17', mode: 'epro', entered_by: 'ePRO', version: 1 },
    ]);
    expect(await visitAudits(studyId)).toEqual([
      {
        actor: 'ePRO',
        after: expect.objectContaining({
          visit: 'week2',
          visit_date: '2026-03-17',
          mode: 'epro',
          channel: 'ePRO',
        }),
      },
    ]);
    // Week 2 of an index date of 2026-03-05 is 2026-03-19 ± 3 days: the 17th is in the window.
    expect(await week2Cell(studyId)).toMatchObject({
      visitDate: '2026-03-17',
      schedule: 'done_in_window',
      windowStart: '2026-03-16',
      windowEnd: '2026-03-22',
    });
  });

  test('a date staff recorded before the submit is kept, and no visit event is added', async () => {
    const studyId = await subjectWithBaselineAnalgesics();
    await recordVisit(r.deps, VCU_COORDINATOR, {
      studyId,
      visit: 'week2',
      date: '2026-03-16',
      mode: 'phone',
    });
    await submitPain(studyId);
    expect(await visitRow(studyId)).toEqual([
      { date: '2026-03-16', mode: 'phone', entered_by: 'cora.vcu', version: 1 },
    ]);
    expect((await visitAudits(studyId)).map((a) => a.actor)).toEqual(['cora.vcu']);
  });

  test('a submit after the window moved (the index date corrected) is recorded, and the schedule marks it out of window', async () => {
    const { studyId, responseId } = await enrolSubject(r.deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: { sex: 'female', birth_year: 1947, consent_date: '2026-02-20', index_date: '2026-03-05' },
    });
    const s = await patientSession(studyId);
    await saveDraft(r.deps, s, 'pain', { scale: 'nrs', score: 5 });
    const enrolment = await r.deps.db
      .selectFrom('response')
      .select(['version', 'answers'])
      .where('id', '=', responseId)
      .executeTakeFirstOrThrow();
    await amendResponse(r.deps, VCU_COORDINATOR, {
      id: responseId,
      version: enrolment.version,
      answers: { ...(enrolment.answers as Record<string, unknown>), index_date: '2026-02-25' },
      reason: 'procedure date corrected',
    });
    expect(await submitLink(r.deps, s)).toBe('recorded');
    // Week 2 of 2026-02-25 closes on 2026-03-14: the 17th is late, allowed and marked so.
    expect(await week2Cell(studyId)).toMatchObject({
      visitDate: '2026-03-17',
      schedule: 'done_out_of_window',
      windowEnd: '2026-03-14',
    });
  });

  test('the stop date is checked against the day the submit will record while the visit has none', async () => {
    const studyId = await subjectWithBaselineAnalgesics();
    const [oxycodone] = await carriedMedicines(r.deps.db, r.deps, studyId, 'week2');
    expect(await stopDateIssues(r.deps, studyId, 'week2', oxycodone!, '2026-03-17')).toEqual([]);
    const s = await patientSession(studyId);
    await saveDraft(r.deps, s, 'analgesic', {
      carried: { '1': { answer: 'stopped', stopDate: '2026-03-17' }, '2': { answer: 'same' } },
      added: [],
      none: false,
      other: '',
      done: true,
    });
    expect(await submitLink(r.deps, s)).toBe('recorded');
    expect((await visitRow(studyId))[0]?.date).toBe('2026-03-17');
    // Once recorded, the page reads the recorded date.
    const later = await stopDateIssues(r.deps, studyId, 'week2', oxycodone!, '2026-03-17');
    expect(later).toEqual([]);
  });
});
