import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ADMIN,
  createTestRegistry,
  exportText,
  rejects,
  type TestRegistry,
  VCU_COORDINATOR,
  VCU_INVESTIGATOR,
} from '../../test/helpers/registry.js';
import { visitSchedule } from '../schedule/index.js';
import { verifyAudit } from '../store/index.js';
import {
  amendResponse,
  createSite,
  enrolSubject,
  importTidy,
  recordResponse,
  SYSTEM_ACTOR,
  withdrawSubject,
} from './index.js';

async function subjects(r: TestRegistry) {
  return r.deps.db
    .selectFrom('subject')
    .select(['study_id', 'site_id', 'status', 'index_date', 'enrolled_on'])
    .orderBy('study_id')
    .execute();
}

/** Lines of a tidy file whose visit and instrument pass the filter, with the header. */
function part(text: string, keep: (visit: string, instrument: string) => boolean): string {
  const [header, ...rows] = text.trimEnd().split('\n');
  const kept = rows.filter((row) => {
    const [, , visit, instrument] = row.split(',');
    return keep(visit!, instrument!);
  });
  return `${[header, ...kept].join('\n')}\n`;
}

describe('one subject state: forms entered one by one and the same forms imported give the same subjects', () => {
  let entered: TestRegistry;
  let file: string;
  beforeAll(async () => {
    entered = await createTestRegistry('2026-03-02T09:00:00.000Z');
    await createSite(entered.deps, ADMIN, { id: 'VCU', name: 'Virginia Commonwealth University' });
    // VCU-0001: enrolled with a planned index date, treated a day later, completes at week 52.
    await enrolSubject(entered.deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' },
    });
    // VCU-0002: enrolled, treated, then withdraws at week 4.
    await enrolSubject(entered.deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: { sex: 'male', birth_year: 1950, consent_date: '2026-03-02' },
    });
    // VCU-0003: enrolled only.
    await enrolSubject(entered.deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: { sex: 'female', birth_year: 1939, consent_date: '2026-03-02', index_date: '2026-03-09' },
    });
    entered.setTime('2026-03-06T15:00:00.000Z');
    for (const studyId of ['VCU-0001', 'VCU-0002']) {
      await recordResponse(entered.deps, VCU_INVESTIGATOR, {
        studyId,
        visit: 'procedure',
        instrument: 'procedure',
        answers: { procedure_date: '2026-03-06', sides: 'bilateral', technical_success: true },
      });
    }
    entered.setTime('2026-04-03T09:00:00.000Z');
    await withdrawSubject(entered.deps, VCU_COORDINATOR, {
      studyId: 'VCU-0002',
      date: '2026-04-03',
      reason: 'moved away',
    });
    entered.setTime('2027-03-08T09:00:00.000Z');
    await recordResponse(entered.deps, VCU_COORDINATOR, {
      studyId: 'VCU-0001',
      visit: 'week52',
      instrument: 'end_of_study',
      answers: { status: 'completed', date: '2027-03-08' },
    });
    file = await exportText(entered);
  });
  afterAll(() => entered.destroy());

  test('the forms moved each subject through its states', async () => {
    expect(await subjects(entered)).toEqual([
      {
        study_id: 'VCU-0001',
        site_id: 'VCU',
        status: 'completed',
        index_date: '2026-03-06',
        enrolled_on: '2026-03-02',
      },
      {
        study_id: 'VCU-0002',
        site_id: 'VCU',
        status: 'withdrawn',
        index_date: '2026-03-06',
        enrolled_on: '2026-03-02',
      },
      {
        study_id: 'VCU-0003',
        site_id: 'VCU',
        status: 'enrolled',
        index_date: '2026-03-09',
        enrolled_on: '2026-03-02',
      },
    ]);
  });

  test('importing the whole file into an empty registry gives the same subjects', async () => {
    const target = await createTestRegistry('2027-03-08T09:00:00.000Z');
    try {
      await importTidy(target.deps, SYSTEM_ACTOR, file);
      expect(await subjects(target)).toEqual(await subjects(entered));
    } finally {
      await target.destroy();
    }
  });

  test('importing the enrolments first and the later forms after moves the existing subjects on', async () => {
    const target = await createTestRegistry('2027-03-08T09:00:00.000Z');
    try {
      await importTidy(
        target.deps,
        SYSTEM_ACTOR,
        part(file, (visit) => visit === 'baseline'),
      );
      expect((await subjects(target)).map((s) => [s.status, s.index_date])).toEqual([
        ['enrolled', '2026-03-05'],
        ['enrolled', null],
        ['enrolled', '2026-03-09'],
      ]);
      // The procedures first: the subjects are treated from their actual procedure day.
      await importTidy(
        target.deps,
        SYSTEM_ACTOR,
        part(file, (visit) => visit === 'procedure'),
      );
      expect((await subjects(target)).map((s) => [s.status, s.index_date])).toEqual([
        ['treated', '2026-03-06'],
        ['treated', '2026-03-06'],
        ['enrolled', '2026-03-09'],
      ]);
      // Then the end-of-study forms: before this change the subjects stayed treated.
      await importTidy(
        target.deps,
        SYSTEM_ACTOR,
        part(file, (visit) => visit !== 'baseline' && visit !== 'procedure'),
      );
      expect(await subjects(target)).toEqual(await subjects(entered));
      const event = await target.deps.db
        .selectFrom('audit_event')
        .select('after')
        .where('action', '=', 'subject.import_responses')
        .where('entity_id', '=', 'VCU-0002')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      expect(event.after).toMatchObject({ status: 'withdrawn' });
      expect((await verifyAudit(target.deps.db)).ok).toBe(true);
    } finally {
      await target.destroy();
    }
  });

  test('a planned index date amended after the procedure does not replace the actual one', async () => {
    const enrolment = await entered.deps.db
      .selectFrom('response')
      .select(['id', 'version', 'answers'])
      .where('study_id', '=', 'VCU-0002')
      .where('instrument', '=', 'enrollment')
      .executeTakeFirstOrThrow();
    await amendResponse(entered.deps, VCU_COORDINATOR, {
      id: enrolment.id,
      version: enrolment.version,
      answers: { ...(enrolment.answers as object), index_date: '2026-03-20' },
      reason: 'planned date was mistyped',
    });
    const row = (await subjects(entered)).find((s) => s.study_id === 'VCU-0002');
    expect(row).toMatchObject({ status: 'withdrawn', index_date: '2026-03-06' });
  });
});

describe('a subject leaves whenever it happens: the end-of-study form at that visit, with its date', () => {
  let r: TestRegistry;
  beforeAll(async () => {
    r = await createTestRegistry('2026-03-02T09:00:00.000Z');
    await createSite(r.deps, ADMIN, { id: 'VCU', name: 'Virginia Commonwealth University' });
    for (let i = 0; i < 3; i++) {
      await enrolSubject(r.deps, VCU_COORDINATOR, {
        siteId: 'VCU',
        answers: { sex: 'female', birth_year: 1948, consent_date: '2026-03-02' },
      });
    }
    r.setTime('2026-03-06T15:00:00.000Z');
    for (const studyId of ['VCU-0001', 'VCU-0002']) {
      await recordResponse(r.deps, VCU_INVESTIGATOR, {
        studyId,
        visit: 'procedure',
        instrument: 'procedure',
        answers: { procedure_date: '2026-03-06', sides: 'bilateral', technical_success: true },
      });
    }
    r.setTime('2026-06-30T09:00:00.000Z');
  });
  afterAll(() => r.destroy());

  async function endForm(studyId: string) {
    return r.deps.db
      .selectFrom('response')
      .select(['visit', 'collected_on'])
      .where('study_id', '=', studyId)
      .where('instrument', '=', 'end_of_study')
      .execute();
  }

  test('withdrawn on day 28, the form goes to week 4 (before this change: always week 52)', async () => {
    await withdrawSubject(r.deps, VCU_COORDINATOR, {
      studyId: 'VCU-0001',
      date: '2026-04-03',
      status: 'lost_to_follow_up',
      reason: 'no answer to three calls',
    });
    expect(await endForm('VCU-0001')).toEqual([{ visit: 'week4', collected_on: '2026-04-03' }]);
  });

  test('a subject who leaves before the procedure ends at baseline', async () => {
    await withdrawSubject(r.deps, VCU_COORDINATOR, {
      studyId: 'VCU-0003',
      date: '2026-03-04',
      reason: 'changed her mind',
    });
    expect(await endForm('VCU-0003')).toEqual([{ visit: 'baseline', collected_on: '2026-03-04' }]);
    const subject = await r.deps.db
      .selectFrom('subject')
      .select(['status', 'index_date'])
      .where('study_id', '=', 'VCU-0003')
      .executeTakeFirstOrThrow();
    expect(subject).toEqual({ status: 'withdrawn', index_date: null });
  });

  test('the end-of-study form may be entered directly at the week-12 visit, and only once', async () => {
    await recordResponse(r.deps, VCU_COORDINATOR, {
      studyId: 'VCU-0002',
      visit: 'week12',
      instrument: 'end_of_study',
      answers: { status: 'died', date: '2026-05-29', reason: 'pneumonia' },
    });
    const second = await rejects(
      recordResponse(r.deps, VCU_COORDINATOR, {
        studyId: 'VCU-0002',
        visit: 'week24',
        instrument: 'end_of_study',
        answers: { status: 'withdrawn', date: '2026-06-01', reason: 'again' },
      }),
    );
    expect(second.code).toBe('RESPONSE_EXISTS');
    expect(second.message).toBe(
      'VCU-0002 already has its end_of_study form at week12; a subject leaves the study once (amend that form instead)',
    );
  });

  test('export and re-import keep where and when each subject left', async () => {
    const target = await createTestRegistry('2026-06-30T09:00:00.000Z');
    try {
      await importTidy(target.deps, SYSTEM_ACTOR, await exportText(r));
      expect(await subjects(target)).toEqual(await subjects(r));
      const ends = await target.deps.db
        .selectFrom('response')
        .select(['study_id', 'visit'])
        .where('instrument', '=', 'end_of_study')
        .orderBy('study_id')
        .execute();
      expect(ends.map((e) => `${e.study_id}@${e.visit}`)).toEqual([
        'VCU-0001@week4',
        'VCU-0002@week12',
        'VCU-0003@baseline',
      ]);
    } finally {
      await target.destroy();
    }
  });

  test('an import refuses a second end-of-study form, in the file or beside a stored one', async () => {
    const header = 'study_id,site,visit,instrument,instance,item,value';
    const end = (visit: string, date: string) =>
      [
        `VCU-0002,VCU,${visit},end_of_study,1,status,withdrawn`,
        `VCU-0002,VCU,${visit},end_of_study,1,date,${date}`,
        `VCU-0002,VCU,${visit},end_of_study,1,reason,moved away`,
      ].join('\n');
    const stored = await rejects(
      importTidy(r.deps, SYSTEM_ACTOR, `${header}\n${end('week24', '2026-06-01')}\n`),
    );
    expect(stored.code).toBe('IMPORT_FAILED');
    expect(stored.issues.map((i) => i.message)).toEqual([
      'line 2, instrument: VCU-0002 already has its end_of_study form at week12; a subject leaves the study once (amend that form instead)',
    ]);
    const target = await createTestRegistry('2026-06-30T09:00:00.000Z');
    try {
      const enrolled = (await exportText(r))
        .split('\n')
        .filter(
          (line) => line.startsWith('VCU-0002,VCU,baseline,') || line.startsWith('VCU-0002,VCU,procedure,'),
        );
      const twice = `${header}\n${enrolled.join('\n')}\n${end('week4', '2026-04-03')}\n${end('week24', '2026-06-01')}\n`;
      const inFile = await rejects(importTidy(target.deps, SYSTEM_ACTOR, twice));
      expect(inFile.issues.map((i) => i.message)).toEqual([
        expect.stringMatching(
          /^line \d+, instrument: VCU-0002 already has its end_of_study form at week4; a subject leaves the study once/,
        ),
      ]);
      expect(await subjects(target)).toEqual([]);
    } finally {
      await target.destroy();
    }
  });

  test('the visit grid: visits after the leaving day are ended, never due or missed', async () => {
    const grid = visitSchedule(
      r.deps.protocol,
      { enrolledOn: '2026-03-02', indexDate: '2026-03-06', endedOn: '2026-04-03' },
      { baseline: '2026-03-02', procedure: '2026-03-06', week2: '2026-03-20' },
      new Date('2027-06-01T00:00:00Z'),
    );
    expect(Object.fromEntries(grid.map((v) => [v.visit, v.status]))).toEqual({
      baseline: 'done_in_window',
      procedure: 'done_in_window',
      // No procedure end time: the 30-minute visit is placed on the procedure day, and was not recorded.
      post30min: 'missed',
      week2: 'done_in_window',
      week4: 'missed',
      week12: 'ended',
      week24: 'ended',
      week52: 'ended',
    });
  });
});
