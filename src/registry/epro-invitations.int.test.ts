// ePRO mail through a real SMTP server, one story: invitations sent once by racing and crashed
// workers, reminders stopped or sent, the serve worker, the contact, the outbox, the closing-window
// worklist, and no token anywhere it should not be.

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type EproMail, openEproMail } from '../../test/helpers/epro-mail.js';
import { APMSS_COORDINATOR, rejects, VCU_COORDINATOR } from '../../test/helpers/registry.js';
import { formatDay, parseDay } from '../schedule/index.js';
import { createKysely } from '../store/pg-connection.js';
import { messageStatus } from '../web/epro-staff/outbox-page.js';
import {
  EPRO_SEND,
  eproContact,
  eproJobHandlers,
  eproMessages,
  eproSendHandler,
  markSentByHand,
  messageKey,
  planEproMessages,
  setEproContact,
  startEproWorker,
} from './epro-invitations.js';
import { claimJob, runClaimedJob, runDueJobs } from './jobs.js';
import { withdrawSubject } from './subjects.js';
import { readSubjectFacts } from './views/subject-facts.js';
import { eproClosing } from './views/worklists.js';
import { recordVisit } from './visits.js';

describe('ePRO invitations and reminders run themselves, through a real SMTP server', () => {
  let epro: EproMail;
  beforeAll(async () => {
    epro = await openEproMail();
  });
  afterAll(() => epro?.close());

  test('the due invitation is sent exactly once by two workers over one database, with no diagnosis or identifier', async () => {
    const s = epro.subjects[0]!;
    const now = epro.at(s.windowStart);
    expect(
      await planEproMessages(epro.registry.deps.db, epro.registry.deps.protocol, now, [s.studyId]),
    ).toBeGreaterThan(0);
    // Planning again adds nothing.
    expect(await planEproMessages(epro.registry.deps.db, epro.registry.deps.protocol, now, [s.studyId])).toBe(
      0,
    );
    const second = createKysely(epro.registry.url);
    try {
      const handlers = eproJobHandlers(epro.deps(true));
      const worker = (db: typeof second, name: string) =>
        runDueJobs({ db, clock: () => now, worker: name, handlers: { [EPRO_SEND]: handlers[EPRO_SEND]! } });
      await Promise.all([worker(epro.registry.deps.db, 'a:1'), worker(second, 'b:2'), worker(second, 'c:3')]);
    } finally {
      await second.destroy();
    }
    const mine = epro.received.filter((m) => (m.to as { text: string }).text === 'patient0@example.org');
    expect(mine).toHaveLength(1);
    const rows = await epro.log(s.studyId);
    expect(rows.map((r) => [r.kind, r.outcome])).toEqual([['invitation', 'sent']]);
    const text = mine[0]!.text!;
    expect(text).toMatch(/^Dear patient,/);
    expect(text).toContain('https://registry.example.org/p/');
    expect(text).not.toContain(s.studyId);
    expect(text).not.toMatch(/sacr|fractur|insufficien|diagnos|VCU/i);
    expect(mine[0]!.subject).not.toMatch(/sacr|fractur|VCU/i);
    // The patient answers the next day (its reminders are checked in a later test).
    const answered = formatDay(parseDay(s.windowStart, 'd') + 1);
    epro.registry.setTime(`${answered}T12:00:00.000Z`);
    await recordVisit(epro.registry.deps, VCU_COORDINATOR, {
      studyId: s.studyId,
      visit: s.visit,
      date: answered,
      mode: 'clinic',
    });
  });

  test('a claim left by a crashed worker is taken over after the lease, still sent once', async () => {
    const s = epro.subjects[1]!;
    const now = epro.at(s.windowStart);
    await planEproMessages(epro.registry.deps.db, epro.registry.deps.protocol, now, [s.studyId]);
    const before = epro.received.length;
    // A worker claims the due job and dies before doing it.
    let crashed = await claimJob(epro.registry.deps.db, 'dead:1', now, [EPRO_SEND]);
    while (crashed && crashed.key !== messageKey(s.studyId, s.visit, 'invitation', 0)) {
      await runClaimedJob(epro.registry.deps.db, 'dead:1', crashed, eproSendHandler(epro.deps(true)), now);
      crashed = await claimJob(epro.registry.deps.db, 'dead:1', now, [EPRO_SEND]);
    }
    expect(crashed).not.toBeNull();
    const run = (t: Date) =>
      runDueJobs({
        db: epro.registry.deps.db,
        clock: () => t,
        worker: 'live:2',
        handlers: eproJobHandlers(epro.deps(true)),
      });
    await run(now);
    expect(await epro.log(s.studyId)).toHaveLength(0);
    await run(new Date(now.getTime() + 6 * 60_000));
    expect((await epro.log(s.studyId)).map((r) => r.outcome)).toEqual(['sent']);
    const toB = () =>
      epro.received.slice(before).filter((m) => (m.to as { text: string }).text === 'patient1@example.org');
    expect(toB()).toHaveLength(1);
    // The dead worker's late run does nothing: the claim is no longer its own.
    expect(
      await runClaimedJob(epro.registry.deps.db, 'dead:1', crashed!, eproSendHandler(epro.deps(true)), now),
    ).toBe(false);
    expect(toB()).toHaveLength(1);
    // The patient withdraws the next day (its reminders are checked in the next test).
    const left = formatDay(parseDay(s.windowStart, 'd') + 1);
    epro.registry.setTime(`${left}T12:00:00.000Z`);
    await withdrawSubject(epro.registry.deps, VCU_COORDINATOR, {
      studyId: s.studyId,
      date: left,
      reason: 'no longer wishes to take part',
    });
  });

  test('reminders stop after the visit is answered and after withdrawal; a revoked link sends nothing', async () => {
    const [a, b, c] = epro.subjects as [
      (typeof epro.subjects)[0],
      (typeof epro.subjects)[0],
      (typeof epro.subjects)[0],
    ];
    // a answered after its invitation, b withdrew (the tests above); c's link is revoked before its invitation.
    const late = epro.at([...epro.subjects.map((s) => s.windowEnd)].sort()[2]!);
    epro.registry.setTime(late.toISOString());
    await planEproMessages(epro.registry.deps.db, epro.registry.deps.protocol, epro.at(c.windowStart), [
      c.studyId,
    ]);
    epro.links.revoke(c.studyId, c.visit);
    const before = epro.received.length;
    await runDueJobs({
      db: epro.registry.deps.db,
      clock: () => late,
      worker: 'w:1',
      handlers: eproJobHandlers(epro.deps(true)),
    });
    const reminders = async (studyId: string) =>
      (await epro.log(studyId)).filter((r) => r.kind === 'reminder').map((r) => [r.outcome, r.reason]);
    const skipped = (rows: unknown[][], reason: string) =>
      rows.length > 0 && rows.every(([o, r]) => o === 'skipped' && r === reason);
    expect(skipped(await reminders(a.studyId), 'visit already answered')).toBe(true);
    expect(skipped(await reminders(b.studyId), 'subject withdrawn')).toBe(true);
    expect(
      skipped(
        (await epro.log(c.studyId)).map((r) => [r.outcome, r.reason]),
        'link revoked',
      ),
    ).toBe(true);
    // None of these three got any more mail.
    const to = epro.received.slice(before).map((m) => (m.to as { text: string }).text);
    expect(to.filter((t) => /patient[012]@/.test(t))).toEqual([]);
  });

  test('a reminder sent in the window; after the window closes nothing is sent', async () => {
    const other = epro.spare;
    await epro.setEmail(other.studyId, 'patient9@example.org');
    const w4 = other;
    const start = epro.at(w4.windowStart!);
    await planEproMessages(epro.registry.deps.db, epro.registry.deps.protocol, start, [other.studyId]);
    const run = (t: Date) =>
      runDueJobs({
        db: epro.registry.deps.db,
        clock: () => t,
        worker: 'w:2',
        handlers: eproJobHandlers(epro.deps(true)),
      });
    await run(epro.at(w4.windowStart!, 3));
    const rows = (await epro.log(other.studyId)).filter((r) => r.visit === other.visit);
    expect(rows.map((r) => [r.kind, r.seq, r.outcome])).toEqual([
      ['invitation', 0, 'sent'],
      ['reminder', 3, 'sent'],
    ]);
    await run(epro.at(w4.windowEnd!, 1));
    const after = (await epro.log(other.studyId)).filter((r) => r.visit === other.visit);
    expect(after.slice(2).every((r) => r.outcome === 'skipped' && r.reason === 'window closed')).toBe(true);
    expect(
      epro.received.filter((m) => (m.to as { text: string }).text === 'patient9@example.org'),
    ).toHaveLength(2);
  });

  test('the serve worker plans and sends by itself, on the links of 0012, and stops cleanly', async () => {
    const sent = new Set(
      (await epro.registry.deps.db.selectFrom('epro_message').select('study_id').execute()).map(
        (r) => r.study_id,
      ),
    );
    const s = (await readSubjectFacts(epro.registry.deps.db, ['OC'])).find(
      (x) => epro.nextVisit(x) && !sent.has(x.studyId),
    )!;
    expect(s).toBeDefined();
    const w = epro.nextVisit(s)!;
    await epro.registry.deps.db
      .insertInto('subject_identity')
      .values({ study_id: s.studyId, site_id: 'OC', email: 'patient7@example.org' })
      .onConflict((oc) => oc.column('study_id').doUpdateSet({ email: 'patient7@example.org' }))
      .execute();
    epro.registry.setTime(epro.at(w.windowStart).toISOString());
    const lines: string[] = [];
    const worker = await startEproWorker(
      epro.registry.deps,
      {
        smtpUrl: epro.smtpUrl,
        from: 'registry@example.org',
        appOrigin: 'https://registry.example.org',
        worker: 'serve:1',
        intervalMs: 50,
      },
      (line) => lines.push(line),
    );
    const mine = () =>
      epro.received.filter((m) => (m.to as { text: string }).text === 'patient7@example.org');
    for (let i = 0; i < 200 && mine().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    await worker.stop();
    expect(mine()).toHaveLength(1);
    const token = /\/p\/([A-Za-z0-9_-]{43})\b/.exec(mine()[0]!.text!)![1]!;
    epro.links.tokens.push(token);
    const { rows } = await sql<{
      visit: string;
      revoked_at: Date | null;
    }>`select visit, revoked_at from epro_link
      where hash = encode(sha256(convert_to(${token}, 'UTF8')), 'hex')`.execute(epro.registry.deps.db);
    expect(rows).toEqual([{ visit: w.visit, revoked_at: null }]);
    expect(lines).toEqual([]);
    // The next hour's planning is queued, once.
    const plans = await epro.registry.deps.db
      .selectFrom('job')
      .select('key')
      .where('kind', '=', 'epro.plan')
      .where('done_at', 'is', null)
      .execute();
    expect(plans).toHaveLength(1);
  });

  test("contact: the subject's own site sets it (audited, no address in the audit); declined e-mail waits for staff", async () => {
    const sent = new Set(
      (await epro.registry.deps.db.selectFrom('epro_message').select('study_id').execute()).map(
        (r) => r.study_id,
      ),
    );
    const s = (await readSubjectFacts(epro.registry.deps.db, ['VCU'])).find(
      (x) => epro.nextVisit(x) && !sent.has(x.studyId),
    )!;
    expect(s).toBeDefined();
    const w = epro.nextVisit(s)!;
    epro.registry.setTime(epro.at(w.windowStart, -1).toISOString());
    const bad = await rejects(
      setEproContact(epro.registry.deps, VCU_COORDINATOR, {
        studyId: s.studyId,
        email: 'not an address',
        channel: 'email',
        emailDeclined: false,
      }),
    );
    expect(bad.code).toBe('VALIDATION_FAILED');
    expect(bad.issues.map((x) => x.path.join('.'))).toEqual(['email']);
    const other = await rejects(eproContact(epro.registry.deps, APMSS_COORDINATOR, s.studyId));
    expect(other.code).toBe('SUBJECT_NOT_FOUND');
    await setEproContact(epro.registry.deps, VCU_COORDINATOR, {
      studyId: s.studyId,
      email: 'patient8@example.org',
      channel: 'email',
      emailDeclined: true,
    });
    expect(await eproContact(epro.registry.deps, VCU_COORDINATOR, s.studyId)).toEqual({
      email: 'patient8@example.org',
      channel: 'email',
      emailDeclined: true,
      lastEmailBounced: null,
    });
    const audit = await epro.registry.deps.db
      .selectFrom('audit_event')
      .select(['after'])
      .where('action', '=', 'subject.epro_contact')
      .where('entity_id', '=', s.studyId)
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain('patient8');
    // Planned by the contact change; at the window's first day the invitation waits for staff.
    const now = epro.at(w.windowStart);
    await runDueJobs({
      db: epro.registry.deps.db,
      clock: () => now,
      worker: 'w:9',
      handlers: eproJobHandlers(epro.deps(true)),
    });
    const rows = (await epro.log(s.studyId)).filter((r) => r.visit === w.visit);
    expect(rows.map((r) => [r.kind, r.outcome])).toEqual([['invitation', 'outbox']]);
    expect(rows[0]!.reason).toMatch(/declined e-mail/);
    expect(epro.received.filter((m) => (m.to as { text: string }).text === 'patient8@example.org')).toEqual(
      [],
    );
  });

  test('outbox and send log: own sites only, marked sent by hand once, with each invitation status', async () => {
    const vcu = await eproMessages(epro.registry.deps, VCU_COORDINATOR, { waiting: true });
    expect(vcu.length).toBeGreaterThan(0);
    expect(vcu.every((m) => m.siteId === 'VCU' && m.outcome === 'outbox')).toBe(true);
    const apmss = await eproMessages(epro.registry.deps, APMSS_COORDINATOR, {});
    expect(apmss.every((m) => m.siteId === 'APMSS')).toBe(true);
    const all = await eproMessages(epro.registry.deps, VCU_COORDINATOR, {});
    expect(new Set(all.map((m) => m.outcome))).toEqual(new Set(['sent', 'skipped', 'outbox']));
    const m = vcu[0]!;
    expect((await rejects(markSentByHand(epro.registry.deps, APMSS_COORDINATOR, m.id))).code).toBe(
      'SUBJECT_NOT_FOUND',
    );
    await markSentByHand(epro.registry.deps, VCU_COORDINATOR, m.id);
    const again = await rejects(markSentByHand(epro.registry.deps, VCU_COORDINATOR, m.id));
    expect(again.code).toBe('INVALID_STATE');
    expect(again.message).toBe(`message ${m.id} is not waiting in the outbox`);
    const after = (await eproMessages(epro.registry.deps, VCU_COORDINATOR, {})).find((x) => x.id === m.id)!;
    expect(after.outcome).toBe('sent_by_hand');
    expect(messageStatus(after)).toBe('sent by hand');
  });

  test("worklist 'ePRO not answered, window closing': an invited visit still open within 3 days of its window's end", async () => {
    const listed = async (day: Date) => {
      epro.registry.setTime(day.toISOString());
      return (await eproClosing(epro.registry.deps, VCU_COORDINATOR)).map((r) => `${r.studyId}|${r.visit}`);
    };
    const key = `${epro.spare.studyId}|${epro.spare.visit}`;
    expect(await listed(epro.at(epro.spare.windowEnd, -1))).toContain(key);
    expect(await listed(epro.at(epro.spare.windowEnd, -4))).not.toContain(key);
    expect(await listed(epro.at(epro.spare.windowEnd, 1))).not.toContain(key);
    // Another site's staff never see it.
    epro.registry.setTime(epro.at(epro.spare.windowEnd, -1).toISOString());
    expect((await eproClosing(epro.registry.deps, APMSS_COORDINATOR)).map((r) => r.studyId)).not.toContain(
      epro.spare.studyId,
    );
  });

  test('no token in any log line, job row, send log or audit event', async () => {
    expect(epro.links.tokens.length).toBeGreaterThan(0);
    const { rows } = await sql<{ t: string }>`
      select coalesce(string_agg(j::text, E'\n'), '') as t from (
        select to_jsonb(job) as j from job union all
        select to_jsonb(epro_message) from epro_message union all
        select to_jsonb(audit_event) from audit_event where action like 'epro.%') x`.execute(
      epro.registry.deps.db,
    );
    const stored = rows[0]!.t;
    expect(stored).toContain('epro.message.sent');
    for (const token of epro.links.tokens) {
      expect(stored).not.toContain(token);
      expect(epro.logLines.join('\n')).not.toContain(token);
    }
  });
});
