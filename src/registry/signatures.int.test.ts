import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  APMSS_COORDINATOR,
  MONITOR,
  rejects,
  VCU_COORDINATOR,
  VCU_INVESTIGATOR,
} from '../../test/helpers/registry.js';
import {
  APMSS_INVESTIGATOR,
  amendPain,
  createWorkflowRegistry,
  PASSWORD,
  recordPain,
} from '../../test/helpers/workflow.js';
import { canonicalJson } from '../store/index.js';
import {
  closeQuery,
  lockResponse,
  raiseQuery,
  readResponse,
  SIGNATURE_MEANING,
  signaturesFor,
  signResponse,
  unlockResponse,
} from './index.js';

type Registry = Awaited<ReturnType<typeof createWorkflowRegistry>>;

describe('the VCU investigator signs a form with the password again', () => {
  let r: Registry;
  let pain: { id: number; version: number };
  beforeAll(async () => {
    r = await createWorkflowRegistry();
    pain = await recordPain(r, VCU_COORDINATOR, 'VCU-0001', 'week2', 4);
  });
  afterAll(() => r.destroy());

  test('a wrong password signs nothing, says so on the password field, and is an audit event', async () => {
    const wrong = await rejects(
      signResponse(r.deps, VCU_INVESTIGATOR, {
        id: pain.id,
        version: pain.version,
        password: 'not my password',
      }),
    );
    expect(wrong).toMatchObject({
      code: 'PASSWORD_INCORRECT',
      message: 'password: not correct; nothing was signed',
    });
    expect(wrong.issues[0]?.path).toEqual(['password']);
    const empty = await rejects(
      signResponse(r.deps, VCU_INVESTIGATOR, { id: pain.id, version: 1, password: '' }),
    );
    expect(empty.issues[0]?.path).toEqual(['password']);
    const refused = await r.deps.db
      .selectFrom('audit_event')
      .select(['actor', 'entity', 'entity_id', 'after'])
      .where('action', '=', 'signature.refused')
      .execute();
    expect(refused).toEqual([
      {
        actor: VCU_INVESTIGATOR.username,
        entity: 'response',
        entity_id: String(pain.id),
        after: { reason: 'password incorrect' },
      },
    ]);
    expect((await readResponse(r.deps, VCU_COORDINATOR, pain.id)).status).toBe('complete');
  });

  test('only an investigator of the subject’s site signs; another site’s form is not found', async () => {
    const input = { id: pain.id, version: pain.version, password: PASSWORD };
    expect((await rejects(signResponse(r.deps, VCU_COORDINATOR, input))).code).toBe('FORBIDDEN');
    expect((await rejects(signResponse(r.deps, MONITOR, input))).code).toBe('FORBIDDEN');
    expect((await rejects(signResponse(r.deps, APMSS_INVESTIGATOR, input))).code).toBe('RESPONSE_NOT_FOUND');
    expect((await rejects(signResponse(r.deps, VCU_INVESTIGATOR, { ...input, version: 9 }))).code).toBe(
      'VERSION_CONFLICT',
    );
  });

  test('the signature records name, UTC time and meaning, bound to a sha256 of the signed version', async () => {
    r.setTime('2026-03-03T14:30:00.000Z');
    const signed = await signResponse(r.deps, VCU_INVESTIGATOR, {
      id: pain.id,
      version: 1,
      password: PASSWORD,
    });
    expect(signed).toMatchObject({ status: 'signed', version: 2 });
    const row = await r.deps.db
      .selectFrom('response')
      .selectAll()
      .where('id', '=', pain.id)
      .executeTakeFirstOrThrow();
    const expected = createHash('sha256')
      .update(
        canonicalJson({
          response_id: pain.id,
          study_id: 'VCU-0001',
          visit: 'week2',
          instrument: 'pain',
          instance: 1,
          instrument_version: row.instrument_version,
          answers: { scale: 'nrs', score: 4 },
          scores: row.scores,
          version: 2,
        }),
      )
      .digest('hex');
    const [signature] = (await signaturesFor(r.deps, MONITOR, [pain.id])).get(pain.id)!;
    expect(signature).toMatchObject({
      signedBy: VCU_INVESTIGATOR.username,
      role: 'investigator',
      meaning: SIGNATURE_MEANING,
      signedAt: '2026-03-03T14:30:00.000Z',
      scope: 'form',
      version: 2,
      contentSha256: expected,
      state: 'in force',
      void: null,
    });
    expect(row).toMatchObject({ status: 'signed', signed_by: VCU_INVESTIGATOR.username });
    expect((await readResponse(r.deps, VCU_COORDINATOR, pain.id)).signature?.state).toBe('in force');
    // Another site reads nothing of it.
    expect((await signaturesFor(r.deps, APMSS_COORDINATOR, [pain.id])).size).toBe(0);
    expect(
      (await rejects(signResponse(r.deps, VCU_INVESTIGATOR, { id: pain.id, version: 2, password: PASSWORD })))
        .code,
    ).toBe('INVALID_STATE');
  });

  test('a signed form is locked: amending it is refused until an investigator unlocks it', async () => {
    const amend = await rejects(
      amendPain(r.deps, VCU_COORDINATOR, { id: pain.id, version: 2 }, 5, { reason: 'late correction' }),
    );
    expect(amend.code).toBe('RESPONSE_LOCKED');
    const noReason = await rejects(
      unlockResponse(r.deps, VCU_INVESTIGATOR, { id: pain.id, version: 2, reason: ' ' }),
    );
    expect(noReason.issues[0]?.path).toEqual(['reason']);
    expect(
      (await rejects(unlockResponse(r.deps, VCU_COORDINATOR, { id: pain.id, version: 2, reason: 'fix' })))
        .code,
    ).toBe('FORBIDDEN');
  });

  test('unlocking voids the signature visibly (kept, with when, who and why); a new signature binds the new version', async () => {
    r.setTime('2026-03-04T08:00:00.000Z');
    const unlocked = await unlockResponse(r.deps, VCU_INVESTIGATOR, {
      id: pain.id,
      version: 2,
      reason: 'source shows 5',
    });
    expect(unlocked).toMatchObject({ status: 'complete', version: 3 });
    const amended = await amendPain(r.deps, VCU_COORDINATOR, { id: pain.id, version: 3 }, 5, {
      reason: 'source shows 5',
    });
    const [voided] = (await signaturesFor(r.deps, VCU_COORDINATOR, [pain.id])).get(pain.id)!;
    expect(voided).toMatchObject({
      state: 'void',
      void: {
        at: '2026-03-04T08:00:00.000Z',
        by: VCU_INVESTIGATOR.username,
        reason: 'form unlocked: source shows 5',
      },
    });
    expect((await readResponse(r.deps, VCU_COORDINATOR, pain.id)).signature).toBeNull();
    await signResponse(r.deps, VCU_INVESTIGATOR, {
      id: pain.id,
      version: amended.version,
      password: PASSWORD,
    });
    const both = (await signaturesFor(r.deps, VCU_COORDINATOR, [pain.id])).get(pain.id)!;
    expect(both.map((s) => [s.state, s.version])).toEqual([
      ['in force', 5],
      ['void', 2],
    ]);
  });

  test('a change made behind the registry’s back shows the signature as broken', async () => {
    await sql`update response set answers = '{"scale":"nrs","score":9}' where id = ${pain.id}`.execute(
      r.deps.db,
    );
    const [current] = (await signaturesFor(r.deps, VCU_COORDINATOR, [pain.id])).get(pain.id)!;
    expect(current?.state).toBe('broken');
    await sql`update response set answers = '{"scale":"nrs","score":5}' where id = ${pain.id}`.execute(
      r.deps.db,
    );
    const [restored] = (await signaturesFor(r.deps, VCU_COORDINATOR, [pain.id])).get(pain.id)!;
    expect(restored?.state).toBe('in force');
  });

  test('lock needs a reason and a closed query; an open query blocks sign and lock alike', async () => {
    const week4 = await recordPain(r, VCU_COORDINATOR, 'VCU-0001', 'week4', 3);
    expect(
      (await rejects(lockResponse(r.deps, VCU_INVESTIGATOR, { id: week4.id, version: 1 } as never))).issues[0]
        ?.path,
    ).toEqual(['reason']);
    const q = await raiseQuery(r.deps, MONITOR, { responseId: week4.id, item: 'score', text: 'check' });
    expect(
      (
        await rejects(
          lockResponse(r.deps, VCU_INVESTIGATOR, { id: week4.id, version: 1, reason: 'reviewed' }),
        )
      ).code,
    ).toBe('QUERY_OPEN');
    const sign = await rejects(
      signResponse(r.deps, VCU_INVESTIGATOR, { id: week4.id, version: 1, password: PASSWORD }),
    );
    expect(sign.code).toBe('QUERY_OPEN');
    expect(sign.issues[0]).toMatchObject({ path: ['responses', week4.id, 'score'], code: 'query_open' });
    await closeQuery(r.deps, MONITOR, { queryId: q.id, text: 'fine' });
    const locked = await lockResponse(r.deps, VCU_INVESTIGATOR, {
      id: week4.id,
      version: 1,
      reason: 'reviewed',
    });
    expect(locked.status).toBe('locked');
    const reason = await r.deps.db
      .selectFrom('audit_event')
      .select('reason')
      .where('action', '=', 'response.lock')
      .where('entity_id', '=', String(week4.id))
      .executeTakeFirstOrThrow();
    expect(reason.reason).toBe('reviewed');
    // A locked form may then be signed.
    expect(
      await signResponse(r.deps, VCU_INVESTIGATOR, { id: week4.id, version: 2, password: PASSWORD }),
    ).toMatchObject({ status: 'signed', version: 3 });
  });
});

describe('guessing at signatures backs off like guessing at sign-in', () => {
  let r: Registry;
  beforeAll(async () => {
    r = await createWorkflowRegistry();
  });
  afterAll(() => r.destroy());

  test('after three wrong passwords even the right one waits; a little later it signs', async () => {
    const pain = await recordPain(r, VCU_COORDINATOR, 'VCU-0001', 'week2', 4);
    r.setTime('2026-03-02T10:00:00.000Z');
    for (let i = 0; i < 3; i++) {
      const wrong = await rejects(
        signResponse(r.deps, VCU_INVESTIGATOR, { id: pain.id, version: 1, password: `guess number ${i}` }),
      );
      expect(wrong.message).toBe('password: not correct; nothing was signed');
    }
    const failures = await r.deps.db.selectFrom('login_failure').select(['username', 'ip']).execute();
    expect(failures).toEqual(Array(3).fill({ username: VCU_INVESTIGATOR.username, ip: 'signature' }));
    const held = await rejects(
      signResponse(r.deps, VCU_INVESTIGATOR, { id: pain.id, version: 1, password: PASSWORD }),
    );
    expect(held).toMatchObject({ code: 'PASSWORD_INCORRECT', issues: [{ path: ['password'] }] });
    expect(held.message).toContain('too many wrong passwords');
    r.setTime('2026-03-02T10:00:05.000Z');
    expect(
      await signResponse(r.deps, VCU_INVESTIGATOR, { id: pain.id, version: 1, password: PASSWORD }),
    ).toMatchObject({ status: 'signed' });
    const refused = await r.deps.db
      .selectFrom('audit_event')
      .select('after')
      .where('action', '=', 'signature.refused')
      .orderBy('id')
      .execute();
    expect(refused.map((e) => (e.after as { reason: string }).reason)).toEqual([
      'password incorrect',
      'password incorrect',
      'password incorrect',
      'too many wrong passwords',
    ]);
  });
});
