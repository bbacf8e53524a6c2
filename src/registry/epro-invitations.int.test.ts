import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { sql } from 'kysely';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sifreg } from '../../test/helpers/cli.js';
import {
  APMSS_COORDINATOR,
  createTestRegistry,
  rejects,
  VCU_COORDINATOR,
} from '../../test/helpers/registry.js';
import { formatDay, parseDay, visitSchedule } from '../schedule/index.js';
import { createKysely } from '../store/pg-connection.js';
import { messageStatus } from '../web/epro-staff/outbox-page.js';
import {
  EPRO_SEND,
  type EproLinks,
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
import { smtpMailer } from './epro-mailer.js';
import { loadDemo, SYSTEM_ACTOR } from './index.js';
import { claimJob, runClaimedJob, runDueJobs } from './jobs.js';
import { withdrawSubject } from './subjects.js';
import { readSubjectFacts } from './views/subject-facts.js';
import { eproClosing } from './views/worklists.js';
import { recordVisit } from './visits.js';

/** The links of the ePRO links module, held in memory here: state per subject x visit, raw tokens seen. */
function memoryLinks() {
  const revoked = new Set<string>();
  const tokens: string[] = [];
  const links: EproLinks = {
    state: async (_trx, studyId, visit) => (revoked.has(`${studyId}:${visit}`) ? 'revoked' : 'active'),
    issue: async () => {
      const token = randomBytes(32).toString('base64url');
      tokens.push(token);
      return { token, audit: null };
    },
  };
  return { links, tokens, revoke: (studyId: string, visit: string) => revoked.add(`${studyId}:${visit}`) };
}

describe('ePRO invitations and reminders run themselves, through a real SMTP server', () => {
  let registry: Awaited<ReturnType<typeof createTestRegistry>>;
  let smtp: SMTPServer;
  let smtpUrl: string;
  const received: ParsedMail[] = [];
  const logLines: string[] = [];
  const consoleBefore = { log: console.log, error: console.error, warn: console.warn };
  const links = memoryLinks();
  let spare: { studyId: string; visit: string; windowStart: string; windowEnd: string };
  /** VCU subjects taking part, each with the first follow-up visit not yet answered and its window. */
  let subjects: { studyId: string; visit: string; windowStart: string; windowEnd: string }[] = [];
  const nextVisit = (s: Awaited<ReturnType<typeof readSubjectFacts>>[number]) => {
    if (s.status !== 'treated' || s.indexDate === null || s.endedOn !== null) return null;
    const v = visitSchedule(registry.deps.protocol, s, s.visitDates, new Date('2026-03-02T09:00:00Z')).find(
      (x) => ['week2', 'week4', 'week12', 'week24', 'week52'].includes(x.visit) && !s.seen.includes(x.visit),
    );
    return v ? { visit: v.visit, windowStart: v.windowStart!, windowEnd: v.windowEnd! } : null;
  };

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        simpleParser(stream)
          .then((mail) => {
            received.push(mail);
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
    registry = await createTestRegistry('2026-03-02T09:00:00.000Z');
    await loadDemo(registry.deps, SYSTEM_ACTOR, { subjects: 30, seed: 5 });
    subjects = (await readSubjectFacts(registry.deps.db, ['VCU'])).flatMap((s) => {
      const next = nextVisit(s);
      return next ? [{ studyId: s.studyId, ...next }] : [];
    });
    subjects.sort((x, y) => x.windowStart.localeCompare(y.windowStart));
    const fourth = subjects[3];
    subjects = subjects.slice(0, 3);
    expect(subjects.length).toBe(3);
    expect(fourth).toBeDefined();
    spare = fourth!;
    // Each gets an e-mail address; the site a greeting.
    for (const [i, s] of subjects.entries()) {
      await setEmail(s.studyId, `patient${i}@example.org`);
    }
    await registry.deps.db
      .updateTable('site')
      .set({ epro_greeting: 'Dear patient' })
      .where('id', '=', 'VCU')
      .execute();
    console.log = (...a: unknown[]) => logLines.push(a.map(String).join(' '));
    console.error = console.log;
    console.warn = console.log;
  });
  afterAll(async () => {
    Object.assign(console, consoleBefore);
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await registry.destroy();
  });

  const setEmail = (studyId: string, email: string) =>
    registry.deps.db
      .insertInto('subject_identity')
      .values({ study_id: studyId, site_id: 'VCU', email })
      .onConflict((oc) => oc.column('study_id').doUpdateSet({ email }))
      .execute();
  const deps = (withSmtp: boolean) => ({
    protocol: registry.deps.protocol,
    links: links.links,
    appOrigin: 'https://registry.example.org',
    sendMail: withSmtp ? smtpMailer(smtpUrl, 'registry@example.org') : null,
  });
  const at = (day: string, plusDays = 0) =>
    new Date(`${formatDay(parseDay(day, 'day') + plusDays)}T10:00:00.000Z`);
  const log = (studyId: string) =>
    registry.deps.db
      .selectFrom('epro_message')
      .selectAll()
      .where('study_id', '=', studyId)
      .orderBy('seq')
      .execute();

  test('the due invitation is sent exactly once by two workers over one database, with no diagnosis or identifier', async () => {
    const s = subjects[0]!;
    const now = at(s.windowStart);
    expect(
      await planEproMessages(registry.deps.db, registry.deps.protocol, now, [s.studyId]),
    ).toBeGreaterThan(0);
    // Planning again adds nothing.
    expect(await planEproMessages(registry.deps.db, registry.deps.protocol, now, [s.studyId])).toBe(0);
    const second = createKysely(registry.url);
    try {
      const handlers = eproJobHandlers(deps(true));
      const worker = (db: typeof second, name: string) =>
        runDueJobs({ db, clock: () => now, worker: name, handlers: { [EPRO_SEND]: handlers[EPRO_SEND]! } });
      await Promise.all([worker(registry.deps.db, 'a:1'), worker(second, 'b:2'), worker(second, 'c:3')]);
    } finally {
      await second.destroy();
    }
    const mine = received.filter((m) => (m.to as { text: string }).text === 'patient0@example.org');
    expect(mine).toHaveLength(1);
    const rows = await log(s.studyId);
    expect(rows.map((r) => [r.kind, r.outcome])).toEqual([['invitation', 'sent']]);
    const text = mine[0]!.text!;
    expect(text).toMatch(/^Dear patient,/);
    expect(text).toContain('https://registry.example.org/p/');
    expect(text).not.toContain(s.studyId);
    expect(text).not.toMatch(/sacr|fractur|insufficien|diagnos|VCU/i);
    expect(mine[0]!.subject).not.toMatch(/sacr|fractur|VCU/i);
    // The patient answers the next day (its reminders are checked in a later test).
    const answered = formatDay(parseDay(s.windowStart, 'd') + 1);
    registry.setTime(`${answered}T12:00:00.000Z`);
    await recordVisit(registry.deps, VCU_COORDINATOR, {
      studyId: s.studyId,
      visit: s.visit,
      date: answered,
      mode: 'clinic',
    });
  });

  test('a claim left by a crashed worker is taken over after the lease, still sent once', async () => {
    const s = subjects[1]!;
    const now = at(s.windowStart);
    await planEproMessages(registry.deps.db, registry.deps.protocol, now, [s.studyId]);
    const before = received.length;
    // A worker claims the due job and dies before doing it.
    let crashed = await claimJob(registry.deps.db, 'dead:1', now, [EPRO_SEND]);
    while (crashed && crashed.key !== messageKey(s.studyId, s.visit, 'invitation', 0)) {
      await runClaimedJob(registry.deps.db, 'dead:1', crashed, eproSendHandler(deps(true)), now);
      crashed = await claimJob(registry.deps.db, 'dead:1', now, [EPRO_SEND]);
    }
    expect(crashed).not.toBeNull();
    const run = (t: Date) =>
      runDueJobs({
        db: registry.deps.db,
        clock: () => t,
        worker: 'live:2',
        handlers: eproJobHandlers(deps(true)),
      });
    await run(now);
    expect(await log(s.studyId)).toHaveLength(0);
    await run(new Date(now.getTime() + 6 * 60_000));
    expect((await log(s.studyId)).map((r) => r.outcome)).toEqual(['sent']);
    const toB = () =>
      received.slice(before).filter((m) => (m.to as { text: string }).text === 'patient1@example.org');
    expect(toB()).toHaveLength(1);
    // The dead worker's late run does nothing: the claim is no longer its own.
    expect(await runClaimedJob(registry.deps.db, 'dead:1', crashed!, eproSendHandler(deps(true)), now)).toBe(
      false,
    );
    expect(toB()).toHaveLength(1);
    // The patient withdraws the next day (its reminders are checked in the next test).
    const left = formatDay(parseDay(s.windowStart, 'd') + 1);
    registry.setTime(`${left}T12:00:00.000Z`);
    await withdrawSubject(registry.deps, VCU_COORDINATOR, {
      studyId: s.studyId,
      date: left,
      reason: 'no longer wishes to take part',
    });
  });

  test('reminders stop after the visit is answered and after withdrawal; a revoked link sends nothing', async () => {
    const [a, b, c] = subjects as [(typeof subjects)[0], (typeof subjects)[0], (typeof subjects)[0]];
    // a answered after its invitation, b withdrew (the tests above); c's link is revoked before its invitation.
    const late = at([...subjects.map((s) => s.windowEnd)].sort()[2]!);
    registry.setTime(late.toISOString());
    await planEproMessages(registry.deps.db, registry.deps.protocol, at(c.windowStart), [c.studyId]);
    links.revoke(c.studyId, c.visit);
    const before = received.length;
    await runDueJobs({
      db: registry.deps.db,
      clock: () => late,
      worker: 'w:1',
      handlers: eproJobHandlers(deps(true)),
    });
    const reminders = async (studyId: string) =>
      (await log(studyId)).filter((r) => r.kind === 'reminder').map((r) => [r.outcome, r.reason]);
    const skipped = (rows: unknown[][], reason: string) =>
      rows.length > 0 && rows.every(([o, r]) => o === 'skipped' && r === reason);
    expect(skipped(await reminders(a.studyId), 'visit already answered')).toBe(true);
    expect(skipped(await reminders(b.studyId), 'subject withdrawn')).toBe(true);
    expect(
      skipped(
        (await log(c.studyId)).map((r) => [r.outcome, r.reason]),
        'link revoked',
      ),
    ).toBe(true);
    // None of these three got any more mail.
    const to = received.slice(before).map((m) => (m.to as { text: string }).text);
    expect(to.filter((t) => /patient[012]@/.test(t))).toEqual([]);
  });

  test('a reminder sent in the window; after the window closes nothing is sent', async () => {
    const other = spare;
    await setEmail(other.studyId, 'patient9@example.org');
    const w4 = other;
    const start = at(w4.windowStart!);
    await planEproMessages(registry.deps.db, registry.deps.protocol, start, [other.studyId]);
    const run = (t: Date) =>
      runDueJobs({
        db: registry.deps.db,
        clock: () => t,
        worker: 'w:2',
        handlers: eproJobHandlers(deps(true)),
      });
    await run(at(w4.windowStart!, 3));
    const rows = (await log(other.studyId)).filter((r) => r.visit === other.visit);
    expect(rows.map((r) => [r.kind, r.seq, r.outcome])).toEqual([
      ['invitation', 0, 'sent'],
      ['reminder', 3, 'sent'],
    ]);
    await run(at(w4.windowEnd!, 1));
    const after = (await log(other.studyId)).filter((r) => r.visit === other.visit);
    expect(after.slice(2).every((r) => r.outcome === 'skipped' && r.reason === 'window closed')).toBe(true);
    expect(received.filter((m) => (m.to as { text: string }).text === 'patient9@example.org')).toHaveLength(
      2,
    );
  });

  test('without SMTP_URL the message waits in the outbox, no link is made and nothing is mailed', async () => {
    const facts = await readSubjectFacts(registry.deps.db, ['APMSS']);
    const s = facts.find((x) => nextVisit(x) !== null)!;
    expect(s).toBeDefined();
    const w = nextVisit(s)!;
    const now = at(w.windowStart!);
    await planEproMessages(registry.deps.db, registry.deps.protocol, now, [s.studyId]);
    const before = received.length;
    const tokens = links.tokens.length;
    await runDueJobs({
      db: registry.deps.db,
      clock: () => now,
      worker: 'w:3',
      handlers: eproJobHandlers(deps(false)),
    });
    const rows = (await log(s.studyId)).filter((r) => r.visit === w.visit);
    expect(rows.map((r) => [r.kind, r.outcome])).toEqual([['invitation', 'outbox']]);
    expect(rows[0]!.reason).toMatch(/no SMTP_URL|no e-mail address/);
    expect(received.length).toBe(before);
    expect(links.tokens.length).toBe(tokens);
  });

  test('the serve worker plans and sends by itself, on the links of 0012, and stops cleanly', async () => {
    const sent = new Set(
      (await registry.deps.db.selectFrom('epro_message').select('study_id').execute()).map((r) => r.study_id),
    );
    const s = (await readSubjectFacts(registry.deps.db, ['OC'])).find(
      (x) => nextVisit(x) && !sent.has(x.studyId),
    )!;
    expect(s).toBeDefined();
    const w = nextVisit(s)!;
    await registry.deps.db
      .insertInto('subject_identity')
      .values({ study_id: s.studyId, site_id: 'OC', email: 'patient7@example.org' })
      .onConflict((oc) => oc.column('study_id').doUpdateSet({ email: 'patient7@example.org' }))
      .execute();
    registry.setTime(at(w.windowStart).toISOString());
    const lines: string[] = [];
    const worker = await startEproWorker(
      registry.deps,
      {
        smtpUrl,
        from: 'registry@example.org',
        appOrigin: 'https://registry.example.org',
        worker: 'serve:1',
        intervalMs: 50,
      },
      (line) => lines.push(line),
    );
    const mine = () => received.filter((m) => (m.to as { text: string }).text === 'patient7@example.org');
    for (let i = 0; i < 200 && mine().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    await worker.stop();
    expect(mine()).toHaveLength(1);
    const token = /\/p\/([A-Za-z0-9_-]{43})\b/.exec(mine()[0]!.text!)![1]!;
    links.tokens.push(token);
    const { rows } = await sql<{
      visit: string;
      revoked_at: Date | null;
    }>`select visit, revoked_at from epro_link
      where hash = encode(sha256(convert_to(${token}, 'UTF8')), 'hex')`.execute(registry.deps.db);
    expect(rows).toEqual([{ visit: w.visit, revoked_at: null }]);
    expect(lines).toEqual([]);
    // The next hour's planning is queued, once.
    const plans = await registry.deps.db
      .selectFrom('job')
      .select('key')
      .where('kind', '=', 'epro.plan')
      .where('done_at', 'is', null)
      .execute();
    expect(plans).toHaveLength(1);
  });

  test("contact: the subject's own site sets it (audited, no address in the audit); declined e-mail waits for staff", async () => {
    const sent = new Set(
      (await registry.deps.db.selectFrom('epro_message').select('study_id').execute()).map((r) => r.study_id),
    );
    const s = (await readSubjectFacts(registry.deps.db, ['VCU'])).find(
      (x) => nextVisit(x) && !sent.has(x.studyId),
    )!;
    expect(s).toBeDefined();
    const w = nextVisit(s)!;
    registry.setTime(at(w.windowStart, -1).toISOString());
    const bad = await rejects(
      setEproContact(registry.deps, VCU_COORDINATOR, {
        studyId: s.studyId,
        email: 'not an address',
        channel: 'email',
        emailDeclined: false,
      }),
    );
    expect(bad.code).toBe('VALIDATION_FAILED');
    expect(bad.issues.map((x) => x.path.join('.'))).toEqual(['email']);
    const other = await rejects(eproContact(registry.deps, APMSS_COORDINATOR, s.studyId));
    expect(other.code).toBe('SUBJECT_NOT_FOUND');
    await setEproContact(registry.deps, VCU_COORDINATOR, {
      studyId: s.studyId,
      email: 'patient8@example.org',
      channel: 'email',
      emailDeclined: true,
    });
    expect(await eproContact(registry.deps, VCU_COORDINATOR, s.studyId)).toEqual({
      email: 'patient8@example.org',
      channel: 'email',
      emailDeclined: true,
      lastEmailBounced: null,
    });
    const audit = await registry.deps.db
      .selectFrom('audit_event')
      .select(['after'])
      .where('action', '=', 'subject.epro_contact')
      .where('entity_id', '=', s.studyId)
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain('patient8');
    // Planned by the contact change; at the window's first day the invitation waits for staff.
    const now = at(w.windowStart);
    await runDueJobs({
      db: registry.deps.db,
      clock: () => now,
      worker: 'w:9',
      handlers: eproJobHandlers(deps(true)),
    });
    const rows = (await log(s.studyId)).filter((r) => r.visit === w.visit);
    expect(rows.map((r) => [r.kind, r.outcome])).toEqual([['invitation', 'outbox']]);
    expect(rows[0]!.reason).toMatch(/declined e-mail/);
    expect(received.filter((m) => (m.to as { text: string }).text === 'patient8@example.org')).toEqual([]);
  });

  test('outbox and send log: own sites only, marked sent by hand once, with each invitation status', async () => {
    const vcu = await eproMessages(registry.deps, VCU_COORDINATOR, { waiting: true });
    expect(vcu.length).toBeGreaterThan(0);
    expect(vcu.every((m) => m.siteId === 'VCU' && m.outcome === 'outbox')).toBe(true);
    const apmss = await eproMessages(registry.deps, APMSS_COORDINATOR, {});
    expect(apmss.every((m) => m.siteId === 'APMSS')).toBe(true);
    const all = await eproMessages(registry.deps, VCU_COORDINATOR, {});
    expect(new Set(all.map((m) => m.outcome))).toEqual(new Set(['sent', 'skipped', 'outbox']));
    const m = vcu[0]!;
    expect((await rejects(markSentByHand(registry.deps, APMSS_COORDINATOR, m.id))).code).toBe(
      'SUBJECT_NOT_FOUND',
    );
    await markSentByHand(registry.deps, VCU_COORDINATOR, m.id);
    const again = await rejects(markSentByHand(registry.deps, VCU_COORDINATOR, m.id));
    expect(again.code).toBe('INVALID_STATE');
    expect(again.message).toBe(`message ${m.id} is not waiting in the outbox`);
    const after = (await eproMessages(registry.deps, VCU_COORDINATOR, {})).find((x) => x.id === m.id)!;
    expect(after.outcome).toBe('sent_by_hand');
    expect(messageStatus(after)).toBe('sent by hand');
  });

  test("worklist 'ePRO not answered, window closing': an invited visit still open within 3 days of its window's end", async () => {
    const listed = async (day: Date) => {
      registry.setTime(day.toISOString());
      return (await eproClosing(registry.deps, VCU_COORDINATOR)).map((r) => `${r.studyId}|${r.visit}`);
    };
    const key = `${spare.studyId}|${spare.visit}`;
    expect(await listed(at(spare.windowEnd, -1))).toContain(key);
    expect(await listed(at(spare.windowEnd, -4))).not.toContain(key);
    expect(await listed(at(spare.windowEnd, 1))).not.toContain(key);
    // Another site's staff never see it.
    registry.setTime(at(spare.windowEnd, -1).toISOString());
    expect((await eproClosing(registry.deps, APMSS_COORDINATOR)).map((r) => r.studyId)).not.toContain(
      spare.studyId,
    );
  });

  test('sifreg jobs run-once runs what is due and exits; without APP_ORIGIN it says so in one line', async () => {
    const missing = await sifreg(['jobs', 'run-once'], { databaseUrl: registry.url, cwd: tmpdir() });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('APP_ORIGIN');
    const ran = await sifreg(['jobs', 'run-once'], {
      databaseUrl: registry.url,
      cwd: tmpdir(),
      now: '2026-03-02T09:00:00.000Z',
      env: { APP_ORIGIN: 'https://registry.example.org' },
    });
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^jobs: \d+ run\n$/);
    // This hour's planning ran once.
    const plan = await registry.deps.db
      .selectFrom('job')
      .select('done_at')
      .where('key', '=', 'epro.plan:2026-03-02T09')
      .executeTakeFirstOrThrow();
    expect(plan.done_at).not.toBeNull();
  });

  test('no token in any log line, job row, send log or audit event', async () => {
    expect(links.tokens.length).toBeGreaterThan(0);
    const { rows } = await sql<{ t: string }>`
      select coalesce(string_agg(j::text, E'\n'), '') as t from (
        select to_jsonb(job) as j from job union all
        select to_jsonb(epro_message) from epro_message union all
        select to_jsonb(audit_event) from audit_event where action like 'epro.%') x`.execute(
      registry.deps.db,
    );
    const stored = rows[0]!.t;
    expect(stored).toContain('epro.message.sent');
    for (const token of links.tokens) {
      expect(stored).not.toContain(token);
      expect(logLines.join('\n')).not.toContain(token);
    }
  });
});
