import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ADMIN,
  APMSS_COORDINATOR,
  createTestRegistry,
  MONITOR,
  rejects,
  VCU_COORDINATOR,
  VCU_INVESTIGATOR,
} from '../../test/helpers/registry.js';
import { amendPain } from '../../test/helpers/workflow.js';
import { verifyAudit } from '../store/index.js';
import {
  addUser,
  amendResponse,
  authenticate,
  createSite,
  enrolSubject,
  lockResponse,
  recordResponse,
  signResponse,
  withdrawSubject,
} from './index.js';

type Registry = Awaited<ReturnType<typeof createTestRegistry>>;

const ENROLMENT = { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' };

/** A pain form (NRS unless told) for one subject at one visit. */
function painForm(studyId: string, visit: string, score: number, scale: 'nrs' | 'vas' = 'nrs') {
  return { studyId, visit, instrument: 'pain', answers: { scale, score } };
}

describe('a VCU coordinator enrols, records and amends; the investigator locks and signs', () => {
  let r: Registry;
  beforeAll(async () => {
    r = await createTestRegistry();
    await createSite(r.deps, ADMIN, { id: 'VCU', name: 'Virginia Commonwealth University' });
    await createSite(r.deps, ADMIN, { id: 'APMSS', name: 'Atlantic Pain Management & Spine Surgery' });
  });
  afterAll(() => r.destroy());

  test('only an admin creates sites, and a site code is unique and well-formed', async () => {
    expect((await rejects(createSite(r.deps, VCU_COORDINATOR, { id: 'NEW', name: 'New' }))).code).toBe(
      'FORBIDDEN',
    );
    expect((await rejects(createSite(r.deps, ADMIN, { id: 'VCU', name: 'Again' }))).code).toBe('SITE_EXISTS');
    const bad = await rejects(createSite(r.deps, ADMIN, { id: 'vcu 2', name: '' }));
    expect(bad.code).toBe('VALIDATION_FAILED');
    expect(bad.issues.map((i) => i.path[0]).sort()).toEqual(['id', 'name']);
  });

  test('users get argon2id hashes; site staff need a site; sign-in gives the same answer for unknown user and wrong password', async () => {
    await addUser(r.deps, ADMIN, {
      username: 'cora.vcu',
      role: 'coordinator',
      siteId: 'VCU',
      password: 'correct horse battery',
    });
    const row = await r.deps.db
      .selectFrom('app_user')
      .selectAll()
      .where('username', '=', 'cora.vcu')
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await authenticate(r.deps, 'cora.vcu', 'correct horse battery')).toEqual(VCU_COORDINATOR);
    expect(await authenticate(r.deps, 'cora.vcu', 'wrong password!!')).toBeNull();
    expect(await authenticate(r.deps, 'nobody', 'correct horse battery')).toBeNull();
    const noSite = await rejects(
      addUser(r.deps, ADMIN, { username: 'x.user', role: 'investigator', password: 'long enough password' }),
    );
    expect(noSite.code).toBe('VALIDATION_FAILED');
    expect(noSite.issues[0]?.path).toEqual(['siteId']);
    expect(
      (
        await rejects(
          addUser(r.deps, ADMIN, { username: 'cora.vcu', role: 'monitor', password: 'long enough password' }),
        )
      ).code,
    ).toBe('USER_EXISTS');
    expect(
      (
        await rejects(
          addUser(r.deps, ADMIN, {
            username: 'y.user',
            role: 'coordinator',
            siteId: 'NOPE',
            password: 'long enough password',
          }),
        )
      ).code,
    ).toBe('SITE_NOT_FOUND');
    expect(
      (
        await rejects(
          addUser(r.deps, VCU_COORDINATOR, {
            username: 'z.user',
            role: 'monitor',
            password: 'long enough password',
          }),
        )
      ).code,
    ).toBe('FORBIDDEN');
  });

  test('enrolment allocates per-site study ids and keeps identifiers apart from study data', async () => {
    const first = await enrolSubject(r.deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: ENROLMENT,
      identity: { family_name: 'Doe', given_name: 'Jane', mrn: 'MRN123' },
    });
    const second = await enrolSubject(r.deps, VCU_COORDINATOR, { siteId: 'VCU', answers: ENROLMENT });
    expect([first.studyId, second.studyId]).toEqual(['VCU-0001', 'VCU-0002']);
    const subject = await r.deps.db
      .selectFrom('subject')
      .selectAll()
      .where('study_id', '=', 'VCU-0001')
      .executeTakeFirstOrThrow();
    expect(subject).toMatchObject({
      site_id: 'VCU',
      status: 'enrolled',
      index_date: '2026-03-05',
      enrolled_on: '2026-03-02',
    });
    expect(subject.date_shift_days).not.toBe(0);
    const identity = await r.deps.db
      .selectFrom('subject_identity')
      .selectAll()
      .where('study_id', '=', 'VCU-0001')
      .executeTakeFirstOrThrow();
    expect(identity.mrn).toBe('MRN123');
    const audit = await r.deps.db
      .selectFrom('audit_event')
      .select(['after'])
      .where('entity_id', '=', 'VCU-0001')
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(audit.after)).not.toContain('MRN123');
  });

  test('enrolment is limited to the coordinator’s own site and to valid answers', async () => {
    expect(
      (await rejects(enrolSubject(r.deps, APMSS_COORDINATOR, { siteId: 'VCU', answers: ENROLMENT }))).code,
    ).toBe('FORBIDDEN');
    expect((await rejects(enrolSubject(r.deps, MONITOR, { siteId: 'VCU', answers: ENROLMENT }))).code).toBe(
      'FORBIDDEN',
    );
    const bad = await rejects(
      enrolSubject(r.deps, VCU_COORDINATOR, {
        siteId: 'VCU',
        answers: { ...ENROLMENT, consent_date: '2026-02-30' },
      }),
    );
    expect(bad.code).toBe('VALIDATION_FAILED');
    expect(bad.issues[0]?.path).toEqual(['consent_date']);
    const count = await r.deps.db
      .selectFrom('subject')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(2);
  });

  test('a form is validated and scored; another site’s subject is not found; duplicates are refused', async () => {
    const pain = await recordResponse(r.deps, VCU_COORDINATOR, painForm('VCU-0001', 'week2', 35, 'vas'));
    expect(pain.scores.pain_nrs).toBeCloseTo(3.5, 10);
    const row = await r.deps.db
      .selectFrom('response')
      .selectAll()
      .where('id', '=', pain.id)
      .executeTakeFirstOrThrow();
    expect(row.pain_nrs).toBeCloseTo(3.5, 10);
    expect(row.protocol_version).toBe(r.deps.protocol.version);

    const tooHigh = await rejects(recordResponse(r.deps, VCU_COORDINATOR, painForm('VCU-0002', 'week2', 12)));
    expect(tooHigh.code).toBe('VALIDATION_FAILED');
    expect(tooHigh.issues[0]?.path).toEqual(['score']);
    const otherSite = await rejects(
      recordResponse(r.deps, APMSS_COORDINATOR, painForm('VCU-0001', 'week4', 2)),
    );
    expect(otherSite.code).toBe('SUBJECT_NOT_FOUND');
    expect((await rejects(recordResponse(r.deps, MONITOR, painForm('VCU-0001', 'week4', 2)))).code).toBe(
      'FORBIDDEN',
    );
    expect(
      (await rejects(recordResponse(r.deps, VCU_COORDINATOR, painForm('VCU-0001', 'week2', 2)))).code,
    ).toBe('RESPONSE_EXISTS');
    expect(
      (await rejects(recordResponse(r.deps, VCU_COORDINATOR, painForm('VCU-0001', 'week3', 2)))).code,
    ).toBe('UNKNOWN_VISIT');
    expect(
      (await rejects(recordResponse(r.deps, VCU_COORDINATOR, painForm('VCU-0009', 'week2', 2)))).code,
    ).toBe('SUBJECT_NOT_FOUND');
  });

  test('amending needs the current version, and a reason once the form is complete', async () => {
    const pain = await recordResponse(r.deps, VCU_COORDINATOR, painForm('VCU-0001', 'week4', 4));
    const stale = await rejects(
      amendPain(r.deps, VCU_COORDINATOR, { id: pain.id, version: 7 }, 3, { reason: 'typo' }),
    );
    expect(stale.code).toBe('VERSION_CONFLICT');
    const noReason = await rejects(amendPain(r.deps, VCU_COORDINATOR, { id: pain.id, version: 1 }, 3));
    expect(noReason.code).toBe('REASON_REQUIRED');
    expect(noReason.issues[0]?.path).toEqual(['reason']);
    const amended = await amendPain(r.deps, VCU_COORDINATOR, { id: pain.id, version: 1 }, 3, {
      reason: 'transcription error',
    });
    expect(amended.version).toBe(2);
    const again = await rejects(
      amendPain(r.deps, VCU_COORDINATOR, { id: pain.id, version: 1 }, 2, { reason: 'x' }),
    );
    expect(again.code).toBe('VERSION_CONFLICT');
    const event = await r.deps.db
      .selectFrom('audit_event')
      .selectAll()
      .where('action', '=', 'response.amend')
      .where('entity_id', '=', String(pain.id))
      .executeTakeFirstOrThrow();
    expect(event.reason).toBe('transcription error');
    expect(event.before).toMatchObject({ answers: { score: 4 } });
    expect(event.after).toMatchObject({ answers: { score: 3 }, version: 2 });
    expect(
      (await rejects(amendPain(r.deps, APMSS_COORDINATOR, { id: pain.id, version: 2 }, 1, { reason: 'x' })))
        .code,
    ).toBe('RESPONSE_NOT_FOUND');
  });

  test('the enrollment form cannot be amended to point at another subject or site', async () => {
    const form = await r.deps.db
      .selectFrom('response')
      .select(['id', 'version', 'answers'])
      .where('study_id', '=', 'VCU-0001')
      .where('instrument', '=', 'enrollment')
      .executeTakeFirstOrThrow();
    const moved = await rejects(
      amendResponse(r.deps, VCU_COORDINATOR, {
        id: form.id,
        version: form.version,
        answers: { ...(form.answers as object), study_id: 'VCU-0002', site: 'APMSS' },
        reason: 'typo',
      }),
    );
    expect(moved.code).toBe('VALIDATION_FAILED');
    expect(moved.issues.map((i) => i.path[0])).toEqual(['study_id', 'site']);
  });

  test('a draft may be incomplete and is completed without a reason', async () => {
    const draft = await recordResponse(r.deps, VCU_COORDINATOR, {
      studyId: 'VCU-0002',
      visit: 'week4',
      instrument: 'pain',
      answers: { scale: 'nrs' },
      status: 'draft',
    });
    expect(draft.status).toBe('draft');
    const incomplete = await rejects(
      amendResponse(r.deps, VCU_COORDINATOR, {
        id: draft.id,
        version: 1,
        answers: { scale: 'nrs' },
        status: 'complete',
      }),
    );
    expect(incomplete.code).toBe('VALIDATION_FAILED');
    const done = await amendPain(r.deps, VCU_COORDINATOR, { id: draft.id, version: 1 }, 5, {
      status: 'complete',
    });
    expect(done).toMatchObject({ status: 'complete', version: 2 });
  });

  test('only an investigator locks and signs, and a locked form cannot be amended', async () => {
    const pain = await recordResponse(r.deps, VCU_COORDINATOR, painForm('VCU-0001', 'week12', 2));
    const reason = 'visit reviewed';
    expect(
      (await rejects(lockResponse(r.deps, VCU_COORDINATOR, { id: pain.id, version: 1, reason }))).code,
    ).toBe('FORBIDDEN');
    const locked = await lockResponse(r.deps, VCU_INVESTIGATOR, { id: pain.id, version: 1, reason });
    expect(locked.status).toBe('locked');
    expect(
      (await rejects(amendPain(r.deps, VCU_COORDINATOR, { id: pain.id, version: 2 }, 1, { reason: 'late' })))
        .code,
    ).toBe('RESPONSE_LOCKED');
    await addUser(r.deps, ADMIN, {
      username: VCU_INVESTIGATOR.username,
      role: 'investigator',
      siteId: 'VCU',
      password: 'investigator passphrase',
    });
    const password = 'investigator passphrase';
    const signed = await signResponse(r.deps, VCU_INVESTIGATOR, { id: pain.id, version: 2, password });
    expect(signed).toMatchObject({ status: 'signed', version: 3 });
    expect(
      (await rejects(lockResponse(r.deps, VCU_INVESTIGATOR, { id: pain.id, version: 3, reason }))).code,
    ).toBe('INVALID_STATE');
  });

  test('withdrawal needs a reason, records the end-of-study form and ends the subject', async () => {
    // A month on: forms are dated on or before today.
    r.setTime('2026-04-10T09:00:00.000Z');
    const noReason = await rejects(
      withdrawSubject(r.deps, VCU_COORDINATOR, { studyId: 'VCU-0002', date: '2026-04-01', reason: ' ' }),
    );
    expect(noReason.code).toBe('VALIDATION_FAILED');
    expect(
      (
        await rejects(
          withdrawSubject(r.deps, APMSS_COORDINATOR, {
            studyId: 'VCU-0002',
            date: '2026-04-01',
            reason: 'moved away',
          }),
        )
      ).code,
    ).toBe('SUBJECT_NOT_FOUND');
    await withdrawSubject(r.deps, VCU_COORDINATOR, {
      studyId: 'VCU-0002',
      date: '2026-04-01',
      reason: 'moved away',
    });
    const subject = await r.deps.db
      .selectFrom('subject')
      .select('status')
      .where('study_id', '=', 'VCU-0002')
      .executeTakeFirstOrThrow();
    expect(subject.status).toBe('withdrawn');
    expect(
      (
        await rejects(
          withdrawSubject(r.deps, VCU_COORDINATOR, {
            studyId: 'VCU-0002',
            date: '2026-04-02',
            reason: 'again',
          }),
        )
      ).code,
    ).toBe('INVALID_STATE');
  });

  test('recording the procedure marks the subject treated and sets the index date', async () => {
    await recordResponse(r.deps, VCU_INVESTIGATOR, {
      studyId: 'VCU-0001',
      visit: 'procedure',
      instrument: 'procedure',
      answers: { procedure_date: '2026-03-06', sides: 'bilateral', technical_success: true },
    });
    const subject = await r.deps.db
      .selectFrom('subject')
      .selectAll()
      .where('study_id', '=', 'VCU-0001')
      .executeTakeFirstOrThrow();
    expect(subject).toMatchObject({ status: 'treated', index_date: '2026-03-06' });
  });

  test('every write above left a verifiable audit chain', async () => {
    const result = await verifyAudit(r.deps.db);
    expect(result.ok).toBe(true);
    expect(result.count).toBeGreaterThanOrEqual(15);
  });
});
