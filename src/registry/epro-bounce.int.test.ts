// ePRO bounces, resend and the purge of done jobs, through a real SMTP server on 127.0.0.1 that
// refuses some recipients for good (550 at RCPT, 554 at DATA) and one for now (451).
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { APMSS_COORDINATOR, rejects, VCU_COORDINATOR } from '../../test/helpers/registry.js';
import { createWorkflowRegistry } from '../../test/helpers/workflow.js';
import {
  EPRO_PLAN,
  EPRO_SEND,
  eproContact,
  eproInvitations,
  eproJobHandlers,
  eproLinksInDatabase,
  planEproMessages,
  resendInvitation,
  setEproContact,
} from './epro-invitations.js';
import { MailBounced, smtpMailer } from './epro-mailer.js';
import { JOB_OF_SUBJECT } from './epro-send-log.js';
import { runDueJobs } from './jobs.js';
import { withdrawSubject } from './subjects.js';
import { recordVisit } from './visits.js';

const refusal = (code: number) => Object.assign(new Error(`${code} refused`), { responseCode: code });

describe('ePRO bounces, resend and purge', () => {
  let r: Awaited<ReturnType<typeof createWorkflowRegistry>>;
  let smtp: SMTPServer;
  let smtpUrl: string;
  const received: ParsedMail[] = [];
  /** busy@ is refused for now (451) while this holds. */
  let busy = true;
  const NOW = new Date('2026-03-16T10:00:00.000Z'); // week 2 opens (index 2026-03-05, day 14 ± 3)

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onMailFrom(address, _session, callback) {
        if (address.address === 'blocked@example.org') return callback(refusal(550));
        callback();
      },
      onRcptTo(address, _session, callback) {
        if (address.address === 'gone@example.org') return callback(refusal(550));
        if (address.address === 'busy@example.org' && busy) return callback(refusal(451));
        callback();
      },
      onData(stream, session, callback) {
        const toDataRefused = session.envelope.rcptTo.some((a) => a.address === 'refused-data@example.org');
        simpleParser(stream)
          .then((mail) => {
            if (toDataRefused) return callback(refusal(554));
            received.push(mail);
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
    r = await createWorkflowRegistry();
    r.setTime(NOW.toISOString());
    const contact = (actor: typeof VCU_COORDINATOR, studyId: string, email: string) =>
      setEproContact(r.deps, actor, { studyId, email, channel: 'email', emailDeclined: false });
    await contact(VCU_COORDINATOR, 'VCU-0001', 'gone@example.org');
    await contact(VCU_COORDINATOR, 'VCU-0002', 'busy@example.org');
    await contact(APMSS_COORDINATOR, 'APMSS-0001', 'refused-data@example.org');
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await r.destroy();
  });

  const handlers = (withSmtp = true) =>
    eproJobHandlers({
      protocol: r.deps.protocol,
      links: eproLinksInDatabase(r.deps.protocol),
      appOrigin: 'https://registry.example.org',
      sendMail: withSmtp ? smtpMailer(smtpUrl, 'registry@example.org') : null,
    });
  const run = (at: Date, withSmtp = true) =>
    runDueJobs({
      db: r.deps.db,
      clock: () => at,
      worker: 'w:1',
      handlers: { [EPRO_SEND]: handlers(withSmtp)[EPRO_SEND]! },
    });
  const messages = (studyId: string) =>
    r.deps.db
      .selectFrom('epro_message')
      .select(['key', 'outcome', 'reason', 'sent_at'])
      .where('study_id', '=', studyId)
      .orderBy('id')
      .execute();
  const job = (key: string) =>
    r.deps.db.selectFrom('job').selectAll().where('key', '=', key).executeTakeFirstOrThrow();
  const liveLinks = async (studyId: string) =>
    (
      await sql<{ n: string }>`select count(*) as n from epro_link
        where study_id = ${studyId} and visit = 'week2' and revoked_at is null`.execute(r.deps.db)
    ).rows[0]!.n.toString();
  const mailTo = (address: string) => received.filter((m) => (m.to as { text: string }).text === address);

  test('a recipient refused for good (550 at RCPT, 554 at DATA) is bounced once, not retried; a 451 is retried', async () => {
    await planEproMessages(r.deps.db, r.deps.protocol, NOW);
    await run(NOW);
    for (const [studyId, code] of [
      ['VCU-0001', 550],
      ['APMSS-0001', 554],
    ] as const) {
      expect(await messages(studyId)).toEqual([
        {
          key: `epro:${studyId}:week2:invitation`,
          outcome: 'bounced',
          reason: `the mail server refused the address (${code})`,
          sent_at: null,
        },
      ]);
      const j = await job(`epro:${studyId}:week2:invitation`);
      expect([j.attempts, j.done_at !== null, j.last_error]).toEqual([1, true, null]);
      // The link made for the mail is undone with it: no live link nobody received.
      expect(await liveLinks(studyId)).toBe('0');
    }
    expect(mailTo('refused-data@example.org')).toEqual([]);
    // 451: not recorded, released with its error and retried later.
    expect(await messages('VCU-0002')).toEqual([]);
    const busyJob = await job('epro:VCU-0002:week2:invitation');
    expect([busyJob.attempts, busyJob.done_at, busyJob.claimed_by]).toEqual([1, null, null]);
    expect(busyJob.last_error).toMatch(/451/);
    expect(busyJob.run_at.getTime()).toBe(NOW.getTime() + 60_000);
    expect((await eproInvitations(r.deps, VCU_COORDINATOR, 'VCU-0002'))[0]).toMatchObject({
      visit: 'week2',
      kind: 'invitation',
      status: 'queued',
      reason: expect.stringMatching(/451/),
    });
    busy = false;
    await run(new Date(NOW.getTime() + 2 * 60_000));
    expect((await messages('VCU-0002')).map((m) => m.outcome)).toEqual(['sent']);
    expect(mailTo('busy@example.org')).toHaveLength(1);
    const audit = await sql<{ action: string }>`select action from audit_event
      where entity_id = 'VCU-0001' and action like 'epro.%' order by id`.execute(r.deps.db);
    expect(audit.rows.map((a) => a.action)).toEqual(['epro.message.bounced']);
  });

  test('a 5xx to the sender (the registry EPRO_FROM) is not a bounce: an error, retried', async () => {
    const mail = { to: 'someone@example.org', subject: 's', text: 't' };
    const sender = await smtpMailer(smtpUrl, 'blocked@example.org')!(mail).catch((e: unknown) => e);
    expect(sender).toBeInstanceOf(Error);
    expect(sender).not.toBeInstanceOf(MailBounced);
    expect((sender as Error).message).toBe('SMTP refused the message (550)');
    const recipient = await smtpMailer(smtpUrl, 'registry@example.org')!({
      ...mail,
      to: 'gone@example.org',
    }).catch((e: unknown) => e);
    expect(recipient).toBeInstanceOf(MailBounced);
  });

  test("a subject's jobs are read through their index (0017), not the whole queue", async () => {
    const plan = await r.deps.db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      return sql<{
        'QUERY PLAN': string;
      }>`explain select id from job where ${JOB_OF_SUBJECT('VCU-0001')}`.execute(trx);
    });
    expect(plan.rows.map((x) => x['QUERY PLAN']).join('\n')).toContain('job_epro_subject_idx');
  });

  test("the bounce shows as the invitation's status and on the subject's contact, to its own site only", async () => {
    const statuses = await eproInvitations(r.deps, VCU_COORDINATOR, 'VCU-0001');
    expect(statuses.map((s) => [s.visit, s.kind, s.seq, s.status])).toEqual(
      expect.arrayContaining([
        ['week2', 'invitation', 0, 'bounced'],
        ['week2', 'reminder', 3, 'queued'],
      ]),
    );
    expect((await eproContact(r.deps, VCU_COORDINATOR, 'VCU-0001')).lastEmailBounced).toEqual(NOW);
    expect((await eproContact(r.deps, VCU_COORDINATOR, 'VCU-0002')).lastEmailBounced).toBeNull();
    expect((await rejects(eproInvitations(r.deps, APMSS_COORDINATOR, 'VCU-0001'))).code).toBe(
      'SUBJECT_NOT_FOUND',
    );
    expect((await rejects(eproContact(r.deps, APMSS_COORDINATOR, 'VCU-0001'))).code).toBe(
      'SUBJECT_NOT_FOUND',
    );
  });

  test('resend: a new link mailed through the queue now, the old one revoked, audited; sent, then opened', async () => {
    const at = new Date(NOW.getTime() + 5 * 60_000);
    r.setTime(at.toISOString());
    expect(await liveLinks('VCU-0002')).toBe('1');
    const { key } = await resendInvitation(r.deps, VCU_COORDINATOR, { studyId: 'VCU-0002', visit: 'week2' });
    expect(key).toBe('epro:VCU-0002:week2:resend+1');
    expect((await job(key)).run_at).toEqual(at);
    await run(at);
    expect(mailTo('busy@example.org')).toHaveLength(2);
    const [first, second] = mailTo('busy@example.org').map((m) => /\/p\/([\w-]{43})/.exec(m.text ?? '')?.[1]);
    expect(first).not.toBe(second);
    const links = await sql<{ live: boolean }>`select revoked_at is null as live from epro_link
      where study_id = 'VCU-0002' and visit = 'week2' order by id`.execute(r.deps.db);
    expect(links.rows.map((l) => l.live)).toEqual([false, true]);
    const audit = await sql<{ action: string; actor: string }>`select action, actor from audit_event
      where entity_id = 'VCU-0002' and action in ('epro.message.resend', 'epro.link.regenerate') order by id`.execute(
      r.deps.db,
    );
    expect(audit.rows).toEqual([
      { action: 'epro.message.resend', actor: 'cora.vcu' },
      { action: 'epro.link.regenerate', actor: 'system' },
    ]);
    const rows = await eproInvitations(r.deps, VCU_COORDINATOR, 'VCU-0002');
    expect(rows.filter((x) => x.resend).map((x) => x.status)).toEqual(['sent']);
    // A second resend is the second one (its own key), and without SMTP it waits in the outbox.
    const again = await resendInvitation(r.deps, VCU_COORDINATOR, { studyId: 'VCU-0002', visit: 'week2' });
    expect(again.key).toBe('epro:VCU-0002:week2:resend+2');
    await run(at, false);
    expect((await messages('VCU-0002')).at(-1)).toMatchObject({ key: again.key, outcome: 'outbox' });
  });

  test('resend is refused with one line: another site, not a home visit, window not open, e-mail declined, answered, withdrawn', async () => {
    const refused = async (actor: typeof VCU_COORDINATOR, studyId: string, visit: string) => {
      const e = await rejects(resendInvitation(r.deps, actor, { studyId, visit }));
      expect(e.message).not.toMatch(/\n/);
      return `${e.code}: ${e.message}`;
    };
    expect(await refused(APMSS_COORDINATOR, 'VCU-0001', 'week2')).toMatch(/^SUBJECT_NOT_FOUND/);
    expect(await refused(VCU_COORDINATOR, 'VCU-0001', 'post30min')).toBe(
      'INVALID_STATE: visit post30min is not answered by the patient at home',
    );
    expect(await refused(VCU_COORDINATOR, 'VCU-0001', 'week52')).toBe(
      'INVALID_STATE: VCU-0001 week52 cannot be resent: window not open yet',
    );
    await setEproContact(r.deps, VCU_COORDINATOR, {
      studyId: 'VCU-0001',
      email: 'gone@example.org',
      channel: 'email',
      emailDeclined: true,
    });
    expect(await refused(VCU_COORDINATOR, 'VCU-0001', 'week2')).toBe(
      'INVALID_STATE: VCU-0001 week2 cannot be resent: the patient declined e-mail',
    );
    await recordVisit(r.deps, VCU_COORDINATOR, {
      studyId: 'VCU-0002',
      visit: 'week2',
      date: '2026-03-16',
      mode: 'clinic',
    });
    expect(await refused(VCU_COORDINATOR, 'VCU-0002', 'week2')).toBe(
      'INVALID_STATE: VCU-0002 week2 cannot be resent: visit already answered',
    );
    await withdrawSubject(r.deps, APMSS_COORDINATOR, {
      studyId: 'APMSS-0001',
      date: '2026-03-16',
      reason: 'no longer wishes to take part',
    });
    expect(await refused(APMSS_COORDINATOR, 'APMSS-0001', 'week2')).toBe(
      'INVALID_STATE: APMSS-0001 week2 cannot be resent: subject withdrawn',
    );
    // After the window has closed.
    r.setTime('2026-06-01T10:00:00.000Z');
    await setEproContact(r.deps, VCU_COORDINATOR, {
      studyId: 'VCU-0001',
      email: 'gone@example.org',
      channel: 'email',
      emailDeclined: false,
    });
    expect(await refused(VCU_COORDINATOR, 'VCU-0001', 'week2')).toBe(
      'INVALID_STATE: VCU-0001 week2 cannot be resent: window closed',
    );
  });

  test('the planning job deletes done jobs older than 30 days; the send log keeps every message', async () => {
    const logBefore = await r.deps.db.selectFrom('epro_message').selectAll().orderBy('id').execute();
    expect(logBefore.length).toBeGreaterThan(3);
    const later = new Date('2026-06-01T10:00:00.000Z');
    // A recent done job stays; a job not done stays however old.
    await r.deps.db
      .insertInto('job')
      .values([
        {
          kind: 'test.recent',
          key: 'test:recent',
          payload: '{}',
          run_at: later,
          done_at: new Date(later.getTime() - 86_400_000),
        },
        { kind: 'test.pending', key: 'test:pending', payload: '{}', run_at: NOW },
      ])
      .execute();
    const doneOld = await r.deps.db
      .selectFrom('job')
      .select('key')
      .where('done_at', '<', new Date('2026-05-01T00:00:00Z'))
      .execute();
    expect(doneOld.length).toBeGreaterThan(0);
    await r.deps.db
      .insertInto('job')
      .values({ kind: EPRO_PLAN, key: 'epro.plan:2026-06-01T10', payload: '{}', run_at: later })
      .execute();
    await runDueJobs({
      db: r.deps.db,
      clock: () => later,
      worker: 'w:1',
      handlers: { [EPRO_PLAN]: handlers()[EPRO_PLAN]! },
    });
    const left = (await r.deps.db.selectFrom('job').select('key').execute()).map((j) => j.key);
    for (const j of doneOld) expect(left).not.toContain(j.key);
    expect(left).toEqual(
      expect.arrayContaining([
        'test:recent',
        'test:pending',
        'epro.plan:2026-06-01T10',
        'epro.plan:2026-06-01T11',
      ]),
    );
    const logAfter = await r.deps.db.selectFrom('epro_message').selectAll().orderBy('id').execute();
    expect(logAfter.map(({ job_id: _j, ...m }) => m)).toEqual(logBefore.map(({ job_id: _j, ...m }) => m));
    // What a purged job did is still the invitation's status.
    expect(
      (await eproInvitations(r.deps, VCU_COORDINATOR, 'VCU-0001')).find((x) => x.kind === 'invitation')
        ?.status,
    ).toBe('bounced');
  });
});
