// ePRO mail without an SMTP server configured, and `sifreg jobs run-once`, on the same setup as the
// invitations story (epro-invitations.int.test.ts).

import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sifreg } from '../../test/helpers/cli.js';
import { type EproMail, openEproMail } from '../../test/helpers/epro-mail.js';
import { eproJobHandlers, planEproMessages } from './epro-invitations.js';
import { runDueJobs } from './jobs.js';
import { readSubjectFacts } from './views/subject-facts.js';

describe('ePRO invitations and reminders run themselves, through a real SMTP server', () => {
  let epro: EproMail;
  beforeAll(async () => {
    epro = await openEproMail();
  });
  afterAll(() => epro?.close());

  test('without SMTP_URL the message waits in the outbox, no link is made and nothing is mailed', async () => {
    const facts = await readSubjectFacts(epro.registry.deps.db, ['APMSS']);
    const s = facts.find((x) => epro.nextVisit(x) !== null)!;
    expect(s).toBeDefined();
    const w = epro.nextVisit(s)!;
    const now = epro.at(w.windowStart!);
    await planEproMessages(epro.registry.deps.db, epro.registry.deps.protocol, now, [s.studyId]);
    const before = epro.received.length;
    const tokens = epro.links.tokens.length;
    await runDueJobs({
      db: epro.registry.deps.db,
      clock: () => now,
      worker: 'w:3',
      handlers: eproJobHandlers(epro.deps(false)),
    });
    const rows = (await epro.log(s.studyId)).filter((r) => r.visit === w.visit);
    expect(rows.map((r) => [r.kind, r.outcome])).toEqual([['invitation', 'outbox']]);
    expect(rows[0]!.reason).toMatch(/no SMTP_URL|no e-mail address/);
    expect(epro.received.length).toBe(before);
    expect(epro.links.tokens.length).toBe(tokens);
  });

  test('sifreg jobs run-once runs what is due and exits; without APP_ORIGIN it says so in one line', async () => {
    const missing = await sifreg(['jobs', 'run-once'], { databaseUrl: epro.registry.url, cwd: tmpdir() });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('APP_ORIGIN');
    const ran = await sifreg(['jobs', 'run-once'], {
      databaseUrl: epro.registry.url,
      cwd: tmpdir(),
      now: '2026-03-02T09:00:00.000Z',
      env: { APP_ORIGIN: 'https://registry.example.org' },
    });
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^jobs: \d+ run\n$/);
    // This hour's planning ran once.
    const plan = await epro.registry.deps.db
      .selectFrom('job')
      .select('done_at')
      .where('key', '=', 'epro.plan:2026-03-02T09')
      .executeTakeFirstOrThrow();
    expect(plan.done_at).not.toBeNull();
  });
});
