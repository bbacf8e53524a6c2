import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  APMSS_COORDINATOR,
  MONITOR,
  rejects,
  VCU_COORDINATOR,
  VCU_INVESTIGATOR,
} from '../../test/helpers/registry.js';
import { createWorkflowRegistry, PASSWORD, recordPain } from '../../test/helpers/workflow.js';
import { verifyAudit } from '../store/index.js';
import {
  amendResponse,
  lockResponse,
  readResponse,
  responseHistory,
  signResponse,
  unlockResponse,
} from './index.js';

type Registry = Awaited<ReturnType<typeof createWorkflowRegistry>>;

describe('field-level history of one form from the audit trail', () => {
  let r: Registry;
  let pain: { id: number; version: number };
  beforeAll(async () => {
    r = await createWorkflowRegistry();
  });
  afterAll(() => r.destroy());

  test('records, amendments, sign, unlock: who, when (UTC), item, old -> new, why, in order', async () => {
    r.setTime('2026-03-20T09:00:00.000Z');
    pain = await recordPain(r, VCU_COORDINATOR, 'VCU-0001', 'week2', 8);
    r.setTime('2026-03-20T10:00:00.000Z');
    await amendResponse(r.deps, VCU_COORDINATOR, {
      id: pain.id,
      version: 1,
      answers: { scale: 'nrs', score: 3 },
      reason: 'transcription error',
    });
    r.setTime('2026-03-21T08:00:00.000Z');
    await signResponse(r.deps, VCU_INVESTIGATOR, { id: pain.id, version: 2, password: PASSWORD });
    r.setTime('2026-03-22T08:00:00.000Z');
    await unlockResponse(r.deps, VCU_INVESTIGATOR, { id: pain.id, version: 3, reason: 'query from monitor' });
    r.setTime('2026-03-22T09:00:00.000Z');
    await amendResponse(r.deps, VCU_COORDINATOR, {
      id: pain.id,
      version: 4,
      answers: { scale: 'vas', score: 30 },
      reason: 'VAS was used',
    });
    await lockResponse(r.deps, VCU_INVESTIGATOR, { id: pain.id, version: 5, reason: 'reviewed' });
    const history = await responseHistory(r.deps, MONITOR, pain.id);
    const coord = VCU_COORDINATOR.username;
    const inv = VCU_INVESTIGATOR.username;
    expect(history.map((h) => [h.at, h.actor, h.item, h.old, h.new, h.reason])).toEqual([
      ['2026-03-20T09:00:00.000Z', coord, '_status', null, 'complete', null],
      ['2026-03-20T09:00:00.000Z', coord, 'scale', null, 'nrs', null],
      ['2026-03-20T09:00:00.000Z', coord, 'score', null, 8, null],
      ['2026-03-20T10:00:00.000Z', coord, 'score', 8, 3, 'transcription error'],
      ['2026-03-21T08:00:00.000Z', inv, '_status', 'complete', 'signed', null],
      ['2026-03-22T08:00:00.000Z', inv, '_status', 'signed', 'complete', 'query from monitor'],
      ['2026-03-22T09:00:00.000Z', coord, 'scale', 'nrs', 'vas', 'VAS was used'],
      ['2026-03-22T09:00:00.000Z', coord, 'score', 3, 30, 'VAS was used'],
      ['2026-03-22T09:00:00.000Z', inv, '_status', 'complete', 'locked', 'reviewed'],
    ]);
    expect(history.every((h, i) => i === 0 || h.eventId >= history[i - 1]!.eventId)).toBe(true);
  });

  test('a missing-data code given, replaced by an answer, and given again is a change of its item', async () => {
    r.setTime('2026-03-20T09:00:00.000Z');
    const coded = await recordPain(r, VCU_COORDINATOR, 'VCU-0001', 'week4', 6);
    await amendResponse(r.deps, VCU_COORDINATOR, {
      id: coded.id,
      version: 1,
      answers: { scale: 'nrs' },
      missing: { score: 'declined' },
      reason: 'the patient declined to rate',
    });
    await amendResponse(r.deps, VCU_COORDINATOR, {
      id: coded.id,
      version: 2,
      answers: { scale: 'nrs', score: 5 },
      reason: 'rated on the phone',
    });
    const history = await responseHistory(r.deps, VCU_COORDINATOR, coded.id);
    expect(history.filter((h) => h.item === 'score').map((h) => [h.old, h.new, h.reason])).toEqual([
      [null, 6, null],
      [6, '[missing:declined]', 'the patient declined to rate'],
      ['[missing:declined]', 5, 'rated on the phone'],
    ]);
  });

  test('the form read for editing carries the current version; another site gets "not found"', async () => {
    const form = await readResponse(r.deps, VCU_COORDINATOR, pain.id);
    expect(form).toMatchObject({
      studyId: 'VCU-0001',
      visit: 'week2',
      instrument: 'pain',
      status: 'locked',
      version: 6,
      answers: { scale: 'vas', score: 30 },
      lockedBy: VCU_INVESTIGATOR.username,
      signature: null,
    });
    for (const read of [readResponse, responseHistory]) {
      const other = await rejects(read(r.deps, APMSS_COORDINATOR, pain.id));
      expect(other).toMatchObject({ code: 'RESPONSE_NOT_FOUND', message: `response ${pain.id} not found` });
    }
  });

  test('a form recorded with the subject (enrolment) starts its history from its first values', async () => {
    const enrolment = await r.deps.db
      .selectFrom('response')
      .select('id')
      .where('study_id', '=', 'VCU-0002')
      .where('instrument', '=', 'enrollment')
      .executeTakeFirstOrThrow();
    const history = await responseHistory(r.deps, VCU_COORDINATOR, enrolment.id);
    expect(history.length).toBeGreaterThan(0);
    expect(history.every((h) => h.action === 'response.recorded' && h.old === null)).toBe(true);
    expect(history.find((h) => h.item === 'birth_year')?.new).toBe(1948);
  });
});

describe('two people save the same form at once: exactly one wins, the other loses nothing', () => {
  let r: Registry;
  beforeAll(async () => {
    r = await createWorkflowRegistry();
  });
  afterAll(() => r.destroy());

  test.each([1, 2, 3, 4, 5])('round %i on real PostgreSQL', async (round) => {
    const visit = ['week2', 'week4', 'week12', 'week24', 'week52'][round - 1]!;
    const form = await recordPain(r, VCU_COORDINATOR, 'VCU-0001', visit, 5);
    const save = (actor: typeof VCU_COORDINATOR, score: number) =>
      amendResponse(r.deps, actor, {
        id: form.id,
        version: form.version,
        answers: { scale: 'nrs', score },
        reason: `${actor.username} corrects to ${score}`,
      });
    const results = await Promise.allSettled([save(VCU_COORDINATOR, 6), save(VCU_INVESTIGATOR, 7)]);
    const won = results.filter((x) => x.status === 'fulfilled');
    const lost = results.filter((x): x is PromiseRejectedResult => x.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const error = lost[0]!.reason as {
      code: string;
      message: string;
      issues: { path: unknown[]; message: string }[];
    };
    expect(error.code).toBe('VERSION_CONFLICT');
    const winner = results[0]!.status === 'fulfilled' ? VCU_COORDINATOR : VCU_INVESTIGATOR;
    const [saved, yours] = winner === VCU_COORDINATOR ? [6, 7] : [7, 6];
    // Both values are in the error: the saved one (with who saved it) and the loser's own.
    expect(error.message).toContain(`changed by ${winner.username}`);
    expect(error.issues).toEqual([
      {
        path: ['answers', 'score'],
        code: 'version_conflict',
        message: `score: saved as ${saved} by ${winner.username}; yours ${yours}`,
      },
    ]);
    const now = await readResponse(r.deps, VCU_COORDINATOR, form.id);
    expect(now).toMatchObject({ version: form.version + 1, answers: { scale: 'nrs', score: saved } });
    const amends = await r.deps.db
      .selectFrom('audit_event')
      .select('actor')
      .where('action', '=', 'response.amend')
      .where('entity_id', '=', String(form.id))
      .execute();
    expect(amends).toEqual([{ actor: winner.username }]);
  });

  test('the chain is whole after the races', async () => {
    expect(await verifyAudit(r.deps.db)).toMatchObject({ ok: true });
  });
});
