import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { createLink, enrolSubject } from '../../src/registry/index.js';
import { EPRO_ORIGIN } from './epro.js';
import { VCU_COORDINATOR } from './registry.js';
import { createTestWeb, WebClient } from './web.js';

/*
 * The patient pages of the web app: one app for the test file (its clock inside a week-2 window) and
 * fresh VCU subjects with links. Under attack, each test also ends with a check that no request
 * failed with a 500, and starts with the guess counters emptied.
 */

const IN_WINDOW = '2026-03-17T10:00:00.000Z';
const ENROLMENT = { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' };

/** Sets the hooks of a patient pages test file up and gives what its tests use. */
export function useEproWeb() {
  let current: Awaited<ReturnType<typeof createTestWeb>> | undefined;
  const attack = {
    get web() {
      if (!current) throw new Error('the web app starts in beforeAll');
      return current;
    },
    /** A patient's browser without a session. */
    patient: () => new WebClient(attack.web.app, null, EPRO_ORIGIN),
    /** A GET from a given client address (the socket's peer, as @hono/node-server gives it). */
    getFrom: (ip: string, path: string) =>
      attack.web.app.request(path, {}, { incoming: { socket: { remoteAddress: ip, remoteFamily: 'IPv4' } } }),
    /** A fresh VCU subject with a live link for the visit. */
    async linkFor(visit = 'week2') {
      const deps = attack.web.registry.deps;
      const s = await enrolSubject(deps, VCU_COORDINATOR, {
        siteId: 'VCU',
        answers: ENROLMENT,
        identity: {
          family_name: 'Quixotica',
          given_name: 'Zelda',
          birth_date: '1948-06-01',
          mrn: 'MRN-777123',
        },
      });
      const link = await createLink(deps, VCU_COORDINATOR, { studyId: s.studyId, visit });
      return { ...link, studyId: s.studyId };
    },
    /** A patient browser that has opened a fresh link. */
    async opened() {
      const link = await attack.linkFor();
      const p = attack.patient();
      const res = await p.get(`/p/${link.token}`);
      expect(res.status).toBe(303);
      return { ...link, p };
    },
    /** The link's saved pages, by page. */
    async drafts(linkId: number) {
      const r = await sql<{ page: string; answers: Record<string, unknown> }>`select page, answers
        from epro_draft where link_id = ${linkId} order by page`.execute(attack.web.registry.deps.db);
      return Object.fromEntries(r.rows.map((x) => [x.page, x.answers]));
    },
  };
  beforeAll(async () => {
    current = await createTestWeb('2026-03-02T09:00:00.000Z', { appOrigin: EPRO_ORIGIN });
    current.registry.setTime(IN_WINDOW);
  });
  afterAll(() => current?.destroy());
  return attack;
}

/** useEproWeb, and no request may fail with a 500 in any test; each test starts with no guess counted. */
export function useEproAttackWeb() {
  const attack = useEproWeb();
  afterEach(() => {
    const failed = attack.web.logs.filter((l) => / failed: /.test(l));
    attack.web.logs.length = 0;
    expect(failed, 'no request failed with a 500').toEqual([]);
  });
  beforeEach(async () => {
    await sql`delete from epro_token_failure`.execute(attack.web.registry.deps.db);
  });
  return attack;
}

/** A failure page: the status, no stack trace, no internal message, and its text for more checks. */
export async function refused(res: Response, status: number): Promise<string> {
  const text = await res.text();
  expect(res.status, text.slice(0, 300)).toBe(status);
  // "Error: " said by a screen reader before a field's problem (visually hidden) is the page's own word.
  expect(text).not.toMatch(
    /internal error|Something went wrong|\n\s+at |(?<!visually-hidden">)Error:|TypeError|syntax/i,
  );
  return text;
}
