import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  countRows,
  createRegistryWithSubject,
  rejects,
  type TestRegistry,
  VCU_COORDINATOR,
  VCU_INVESTIGATOR,
} from '../../test/helpers/registry.js';
import { amendResponse, recordResponse, withdrawSubject } from './index.js';

const PROCEDURE = { procedure_date: '2026-02-10', sides: 'bilateral' };

describe('dates are refused when impossible: in the future, or out of order with the subject’s other forms', () => {
  let r: TestRegistry;
  let studyId: string;
  beforeAll(async () => {
    // The clock: 2026-03-02 09:00 UTC, so the latest date anywhere is still 2026-03-02.
    ({ r, studyId } = await createRegistryWithSubject(
      { consent_date: '2026-02-01', index_date: '2026-03-20' },
      '2026-03-02T09:00:00.000Z',
    ));
  });
  afterAll(() => r.destroy());

  const count = () => countRows(r.deps.db, 'response');

  test.each(['9999-12-31', '2026-03-03'])('a procedure dated %s (after today) is refused', async (date) => {
    const before = await count();
    const error = await rejects(
      recordResponse(r.deps, VCU_INVESTIGATOR, {
        studyId,
        visit: 'procedure',
        instrument: 'procedure',
        answers: { ...PROCEDURE, procedure_date: date },
      }),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.issues).toEqual([
      {
        path: ['procedure_date'],
        code: 'in_future',
        message: `procedure procedure_date ${date} is in the future (today is 2026-03-02)`,
      },
    ]);
    expect(await count()).toBe(before);
  });

  test('a procedure before consent is refused; the planned index date may lie ahead', async () => {
    const error = await rejects(
      recordResponse(r.deps, VCU_INVESTIGATOR, {
        studyId,
        visit: 'procedure',
        instrument: 'procedure',
        answers: { ...PROCEDURE, procedure_date: '2026-01-31' },
      }),
    );
    expect(error.issues).toEqual([
      {
        path: ['procedure_date'],
        code: 'out_of_order',
        message:
          'procedure procedure_date 2026-01-31 is before the consent date 2026-02-01 (consent_date of enrollment at baseline)',
      },
    ]);
    await recordResponse(r.deps, VCU_INVESTIGATOR, {
      studyId,
      visit: 'procedure',
      instrument: 'procedure',
      answers: PROCEDURE,
    });
  });

  test('an adverse event 14 months before the procedure is refused; one after it is recorded', async () => {
    const ae = (onset: string, instance: number) =>
      recordResponse(r.deps, VCU_INVESTIGATOR, {
        studyId,
        visit: 'week2',
        instrument: 'adverse_event',
        instance,
        answers: { term: 'pain_flare', onset_date: onset },
      });
    const error = await rejects(ae('2024-12-10', 1));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.issues.map((i) => i.message)).toEqual([
      'adverse_event onset_date 2024-12-10 is before the consent date 2026-02-01 (consent_date of enrollment at baseline)',
      'adverse_event onset_date 2024-12-10 is before the procedure date 2026-02-10 (procedure_date of procedure at procedure)',
    ]);
    await ae('2026-02-20', 1);
  });

  test('a completed end of study before the procedure is refused, and so is a withdrawal before it', async () => {
    const error = await rejects(
      recordResponse(r.deps, VCU_COORDINATOR, {
        studyId,
        visit: 'week52',
        instrument: 'end_of_study',
        answers: { status: 'completed', date: '2026-02-05' },
      }),
    );
    expect(error.issues.map((i) => i.message)).toEqual([
      'end_of_study date 2026-02-05 is before the procedure date 2026-02-10 (procedure_date of procedure at procedure)',
    ]);
    const withdrawal = await rejects(
      withdrawSubject(r.deps, VCU_COORDINATOR, { studyId, date: '2026-02-05', reason: 'moved away' }),
    );
    expect(withdrawal.issues[0]?.message).toBe(
      'end_of_study date 2026-02-05 is before the procedure date 2026-02-10 (procedure_date of procedure at procedure)',
    );
  });

  test('amending the procedure to after a recorded adverse event is refused', async () => {
    const row = await r.deps.db
      .selectFrom('response')
      .select(['id', 'version'])
      .where('instrument', '=', 'procedure')
      .executeTakeFirstOrThrow();
    const error = await rejects(
      amendResponse(r.deps, VCU_INVESTIGATOR, {
        id: Number(row.id),
        version: row.version,
        answers: { ...PROCEDURE, procedure_date: '2026-02-25' },
        reason: 'date typed wrong',
      }),
    );
    expect(error.issues[0]?.message).toBe(
      'procedure procedure_date 2026-02-25 is after onset_date 2026-02-20 of adverse_event at week2, which cannot be before the procedure',
    );
    // The same form with its own date again is fine: it is compared with the others, not itself.
    await amendResponse(r.deps, VCU_INVESTIGATOR, {
      id: Number(row.id),
      version: row.version,
      answers: { ...PROCEDURE, technical_success: true },
      reason: 'success recorded',
    });
  });
});
