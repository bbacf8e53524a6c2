// ePRO invitations with two real `sifreg serve` processes (the built bin/sifreg.js, `npm run build`
// first) on one PostgreSQL database, mailing through a real SMTP server on 127.0.0.1: each due
// invitation arrives exactly once and the send log says sent once; after one process is killed with
// SIGKILL while it holds a claim (in the middle of SMTP), the other takes the job over and sends it,
// still once.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { sql } from 'kysely';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SACROPLASTY_SIF } from '../../src/protocol/index.js';
import type { RegistryDeps } from '../../src/registry/context.js';
import { setEproContact } from '../../src/registry/epro-invitations.js';
import { createSite, enrolSubject } from '../../src/registry/index.js';
import { seededRandom } from '../../src/registry/random.js';
import { freePort } from '../helpers/browser.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { ADMIN, VCU_COORDINATOR } from '../helpers/registry.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/sifreg.js');
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const SUBJECTS = 10;

interface Serve {
  child: ChildProcess;
  pid: number;
  log: () => string;
}

/** `sifreg serve` on the database, its ePRO worker passing every 200 ms; resolves once it listens. */
async function serve(databaseUrl: string, smtpUrl: string): Promise<Serve> {
  const port = await freePort();
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port)], {
    env: {
      ...env,
      DATABASE_URL: databaseUrl,
      APP_ORIGIN: `http://127.0.0.1:${port}`,
      SMTP_URL: smtpUrl,
      EPRO_FROM: 'registry@example.org',
      SIFREG_JOB_INTERVAL_MS: '200',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  let out = '';
  child.stderr!.on('data', (d: Buffer) => {
    log += d.toString();
  });
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  for (let i = 0; i < 300 && !out.includes('listening'); i++) {
    if (child.exitCode !== null) throw new Error(`serve exited: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!out.includes('listening')) throw new Error(`serve did not start: ${log}`);
  return { child, pid: child.pid!, log: () => log };
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('ePRO invitations with two serve processes on one database', () => {
  let db: TestDatabase;
  let deps: RegistryDeps;
  let smtp: SMTPServer;
  let smtpUrl: string;
  const received: ParsedMail[] = [];
  /** The first mail to stall@ is held at RCPT (no answer): the sending process is inside SMTP. */
  let stalled = false;
  const serves: Serve[] = [];

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (address.address === 'stall@example.org' && !stalled) {
          stalled = true;
          return; // never answered: the connection dies with the process that opened it
        }
        callback();
      },
      onData(stream, _session, callback) {
        simpleParser(stream)
          .then((mail) => {
            // A little time per mail, so both processes are busy at once.
            setTimeout(() => {
              received.push(mail);
              callback();
            }, 100);
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
    db = await createTestDatabase();
    deps = { db: db.db, clock: () => new Date(), random: seededRandom(7), protocol: SACROPLASTY_SIF };
    await createSite(deps, ADMIN, { id: 'VCU', name: 'Virginia Commonwealth University' });
    serves.push(await serve(db.url, smtpUrl), await serve(db.url, smtpUrl));
  }, 60_000);
  afterAll(async () => {
    for (const s of serves) {
      if (s.child.exitCode === null && s.child.signalCode === null) {
        s.child.kill('SIGTERM');
        await once(s.child, 'exit');
      }
    }
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await db?.destroy();
  });

  /** A subject whose week-2 window opens today (index 11 days ago, day 14 - 3), with an e-mail address. */
  async function subjectDueToday(email: string): Promise<string> {
    const { studyId } = await enrolSubject(deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: { sex: 'female', birth_year: 1947, consent_date: day(-13), index_date: day(-11) },
    });
    // Saving the contact plans the subject's messages: the invitation is due at once.
    await setEproContact(deps, VCU_COORDINATOR, { studyId, email, channel: 'email', emailDeclined: false });
    return studyId;
  }
  const to = (m: ParsedMail) => (m.to as { text: string }).text;
  const sendLog = () =>
    db.db
      .selectFrom('epro_message as m')
      .innerJoin('job as j', 'j.id', 'm.job_id')
      .select(['m.key', 'm.study_id', 'm.outcome', 'j.claimed_by', 'j.attempts'])
      .orderBy('m.key')
      .execute();

  test('each due invitation is mailed exactly once, by whichever process claims it', async () => {
    const ids: string[] = [];
    for (let i = 0; i < SUBJECTS; i++) ids.push(await subjectDueToday(`patient${i}@example.org`));
    await until('every invitation', () => received.length >= SUBJECTS);
    // More passes of both workers: nothing more arrives.
    await new Promise((r) => setTimeout(r, 2_000));
    const addresses = received.map(to).sort();
    expect(addresses).toEqual(Array.from({ length: SUBJECTS }, (_, i) => `patient${i}@example.org`).sort());
    for (const mail of received) expect(mail.text).toMatch(/http:\/\/127\.0\.0\.1:\d+\/p\/[\w-]{43}/);
    const log = await sendLog();
    expect(log.map((m) => [m.key, m.outcome])).toEqual(
      ids.map((id) => [`epro:${id}:week2:invitation`, 'sent']).sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );
    // Both processes sent some: the work was shared, not done by one alone.
    const workers = new Set(log.map((m) => Number(m.claimed_by?.split(':').at(-1))));
    expect([...workers].sort()).toEqual(serves.map((s) => s.pid).sort());
    const links = await sql<{ n: number }>`select count(*)::int as n from epro_link
      where revoked_at is null and visit = 'week2'`.execute(db.db);
    expect(links.rows[0]!.n).toBe(SUBJECTS);
  }, 60_000);

  test('a process killed (SIGKILL) while it holds a claim: after the lease the other sends the invitation, once', async () => {
    const before = received.length;
    const studyId = await subjectDueToday('stall@example.org');
    const key = `epro:${studyId}:week2:invitation`;
    const claim = () =>
      db.db
        .selectFrom('job')
        .select(['claimed_by', 'done_at', 'attempts'])
        .where('key', '=', key)
        .executeTakeFirst();
    await until(
      'the claim and the held SMTP session',
      async () => stalled && (await claim())?.claimed_by != null,
    );
    const holder = Number((await claim())!.claimed_by!.split(':').at(-1));
    const victim = serves.find((s) => s.pid === holder)!;
    const survivor = serves.find((s) => s.pid !== holder)!;
    expect(victim).toBeDefined();
    victim.child.kill('SIGKILL');
    await once(victim.child, 'exit');
    // The claim is left behind; the survivor does not touch it while the lease runs.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await claim()).toMatchObject({
      claimed_by: expect.stringMatching(new RegExp(`:${holder}$`)),
      done_at: null,
      attempts: 1,
    });
    expect(received.length).toBe(before);
    // Five minutes pass (the lease, jobs.ts JOB_LEASE_MS): the claim is older than the lease.
    await sql`update job set claimed_at = claimed_at - interval '6 minutes' where key = ${key}`.execute(
      db.db,
    );
    await until('the invitation from the surviving process', () => received.length > before);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(received.slice(before).map(to)).toEqual(['stall@example.org']);
    const row = (await sendLog()).find((m) => m.key === key);
    expect(row).toMatchObject({
      outcome: 'sent',
      claimed_by: expect.stringMatching(new RegExp(`:${survivor.pid}$`)),
      attempts: 2,
    });
    const live = await sql<{ n: number }>`select count(*)::int as n from epro_link
      where study_id = ${studyId} and revoked_at is null`.execute(db.db);
    expect(live.rows[0]!.n).toBe(1);
    // Nobody got anything twice over the whole story.
    expect(new Set(received.map(to)).size).toBe(received.length);
    // No link token in either process's log.
    for (const s of serves) expect(s.log()).not.toMatch(/\/p\/[\w-]{43}/);
  }, 60_000);
});
