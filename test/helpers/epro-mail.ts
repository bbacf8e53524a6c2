import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { EproLinks } from '../../src/registry/epro-invitations.js';
import { smtpMailer } from '../../src/registry/epro-mailer.js';
import { readSubjectFacts } from '../../src/registry/views/subject-facts.js';
import { formatDay, parseDay, visitSchedule } from '../../src/schedule/index.js';
import { createDemoRegistry } from './registry.js';
import { startMailCatcher } from './smtp.js';

/*
 * ePRO invitations and reminders through a real SMTP server on 127.0.0.1: a 30-subject demo
 * registry (2 March 2026), three VCU subjects with an e-mail address and a fourth to spare, links
 * held in memory, and every console line kept (to look for tokens in).
 */

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

type Facts = Awaited<ReturnType<typeof readSubjectFacts>>[number];
interface Invited {
  studyId: string;
  visit: string;
  windowStart: string;
  windowEnd: string;
}

export type EproMail = Awaited<ReturnType<typeof openEproMail>>;

/** The SMTP server, the registry and the subjects the ePRO mail tests invite; `close` ends them. */
export async function openEproMail() {
  const logLines: string[] = [];
  const smtp = await startMailCatcher();
  const { received, url: smtpUrl } = smtp;
  const registry = await createDemoRegistry('2026-03-02T09:00:00.000Z', { subjects: 30, seed: 5 });
  const links = memoryLinks();

  /** The first follow-up visit not yet answered, with its window, of a treated subject still taking part. */
  const nextVisit = (s: Facts) => {
    if (s.status !== 'treated' || s.indexDate === null || s.endedOn !== null) return null;
    const v = visitSchedule(registry.deps.protocol, s, s.visitDates, new Date('2026-03-02T09:00:00Z')).find(
      (x) => ['week2', 'week4', 'week12', 'week24', 'week52'].includes(x.visit) && !s.seen.includes(x.visit),
    );
    return v ? { visit: v.visit, windowStart: v.windowStart!, windowEnd: v.windowEnd! } : null;
  };
  const setEmail = (studyId: string, email: string) =>
    registry.deps.db
      .insertInto('subject_identity')
      .values({ study_id: studyId, site_id: 'VCU', email })
      .onConflict((oc) => oc.column('study_id').doUpdateSet({ email }))
      .execute();

  let subjects: Invited[] = (await readSubjectFacts(registry.deps.db, ['VCU'])).flatMap((s) => {
    const next = nextVisit(s);
    return next ? [{ studyId: s.studyId, ...next }] : [];
  });
  subjects.sort((x, y) => x.windowStart.localeCompare(y.windowStart));
  const fourth = subjects[3];
  subjects = subjects.slice(0, 3);
  expect(subjects.length).toBe(3);
  expect(fourth).toBeDefined();
  // Each gets an e-mail address; the site a greeting.
  for (const [i, s] of subjects.entries()) {
    await setEmail(s.studyId, `patient${i}@example.org`);
  }
  await registry.deps.db
    .updateTable('site')
    .set({ epro_greeting: 'Dear patient' })
    .where('id', '=', 'VCU')
    .execute();
  const consoleBefore = { log: console.log, error: console.error, warn: console.warn };
  console.log = (...a: unknown[]) => logLines.push(a.map(String).join(' '));
  console.error = console.log;
  console.warn = console.log;

  return {
    registry,
    smtpUrl,
    /** Every message the SMTP server received. */
    received,
    /** Every console line written meanwhile. */
    logLines,
    links,
    /** VCU subjects taking part, each with the first follow-up visit not yet answered and its window. */
    subjects,
    /** A fourth such VCU subject, without an e-mail address. */
    spare: fourth!,
    nextVisit,
    setEmail,
    /** What the ePRO job handlers need, mailing through the SMTP server or not. */
    deps: (withSmtp: boolean) => ({
      protocol: registry.deps.protocol,
      links: links.links,
      appOrigin: 'https://registry.example.org',
      sendMail: withSmtp ? smtpMailer(smtpUrl, 'registry@example.org') : null,
    }),
    /** 10:00 UTC on the day, or that many days after it. */
    at: (day: string, plusDays = 0) =>
      new Date(`${formatDay(parseDay(day, 'day') + plusDays)}T10:00:00.000Z`),
    /** The subject's send log, in order. */
    log: (studyId: string) =>
      registry.deps.db
        .selectFrom('epro_message')
        .selectAll()
        .where('study_id', '=', studyId)
        .orderBy('seq')
        .execute(),
    async close() {
      Object.assign(console, consoleBefore);
      await smtp.close();
      await registry.destroy();
    },
  };
}
