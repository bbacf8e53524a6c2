import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestWeb, STAFF, type WebClient } from '../../test/helpers/web.js';
import { type Actor, enrolSubject, ROLES, type Role, raiseQuery, recordResponse } from '../registry/index.js';
import type { RouteRule } from './router.js';

type TestWeb = Awaited<ReturnType<typeof createTestWeb>>;

const VCU_COORDINATOR: Actor = { username: 'cora.vcu', role: 'coordinator', siteId: 'VCU' };
const MONITOR: Actor = { username: 'mona.monitor', role: 'monitor', siteId: null };

/** What the seed made: one VCU subject with a pain form at week 2 and a query on it, and a spare user. */
interface Seed {
  studyId: string;
  responseId: number;
  queryId: number;
  userId: string;
}

async function seed(web: TestWeb): Promise<Seed> {
  const deps = web.registry.deps;
  const { studyId } = await enrolSubject(deps, VCU_COORDINATOR, {
    siteId: 'VCU',
    answers: { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' },
  });
  web.registry.setTime('2026-03-20T09:00:00.000Z');
  const response = await recordResponse(deps, VCU_COORDINATOR, {
    studyId,
    visit: 'week2',
    instrument: 'pain',
    answers: { scale: 'nrs', score: 4 },
    status: 'complete',
  });
  const query = await raiseQuery(deps, MONITOR, {
    responseId: response.id,
    item: 'score',
    text: 'Please check',
  });
  const user = await deps.db
    .selectFrom('app_user')
    .select('id')
    .where('username', '=', 'stan.stats')
    .executeTakeFirstOrThrow();
  return { studyId, responseId: response.id, queryId: query.id, userId: user.id };
}

/**
 * A real value for every route parameter, so parameterised routes reach their use case. Add a line
 * here when a route brings a new parameter (the first test names any that is missing). `vcu: true`
 * marks a value that belongs to the VCU site: staff of another site must get 404 for it, exactly as
 * for `absent`, a value of the same form that names no record.
 */
const PARAMS: Record<string, { value: (s: Seed) => string; vcu: boolean; absent?: string }> = {
  studyId: { value: (s) => s.studyId, vcu: true, absent: 'VCU-0999' },
  responseId: { value: (s) => String(s.responseId), vcu: true, absent: '999999' },
  queryId: { value: (s) => String(s.queryId), vcu: true, absent: '999999' },
  visit: { value: () => 'week2', vcu: false },
  instrument: { value: () => 'pain', vcu: false },
  instance: { value: () => '1', vcu: false },
  list: { value: () => 'due', vcu: false },
  format: { value: () => 'html', vcu: false },
  userId: { value: (s) => s.userId, vcu: false },
  page: { value: () => 'pain', vcu: false },
  token: { value: () => 'A'.repeat(43), vcu: false },
  id: { value: () => '1', vcu: false },
  siteId: { value: () => 'VCU', vcu: false },
  key: { value: () => 'oxycodone', vcu: false },
};

const paramsOf = (path: string) => [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);

/** Who plays each role: at VCU (the seeded subject's site) and, for site staff, at APMSS. */
const OWN: Record<Role, string> = {
  admin: 'ada.admin',
  coordinator: 'cora.vcu',
  investigator: 'ivan.vcu',
  monitor: 'mona.monitor',
  statistician: 'stan.stats',
};
const OTHER: Partial<Record<Role, string>> = { coordinator: 'cole.apmss', investigator: 'iris.apmss' };

const allows = (rule: RouteRule, role: Role) =>
  rule.allow === 'signed-in' || rule.allow === 'public' || rule.allow.includes(role);

/**
 * Every route declares who may use it (router.ts). These tests walk the app's own route list (every
 * route registered in app.tsx), so a route added without a rule, a rule the guard does not enforce, or
 * a use case that lets another site's staff see a VCU record, fails here.
 */
describe('route access matrix: every route x every role x own site, other site, no session', () => {
  let web: TestWeb;
  let ids: Seed;
  const clients = new Map<string, WebClient>();
  /** Answers with the body read, so no streamed answer keeps a database connection. */
  const request = async (username: string | null, rule: RouteRule, absent = false) => {
    const res = await send(username, rule.method, concrete(rule.path, absent));
    return { status: res.status, location: res.headers.get('location'), body: await res.text() };
  };
  const send = async (
    username: string | null,
    method: RouteRule['method'],
    path: string,
  ): Promise<Response> => {
    if (username === null) {
      const anonymous = web.client();
      return method === 'GET' ? anonymous.get(path) : anonymous.post(path);
    }
    let client = clients.get(username);
    if (!client?.cookie) {
      client = await web.as(username);
      clients.set(username, client);
    }
    // An empty form: a POST must refuse or ignore it, never fail with a 5xx.
    return method === 'GET' ? client.get(path) : client.post(path);
  };
  const concrete = (path: string, absent = false) =>
    path.replace(/:(\w+)(\{[^}]*\})?/g, (_m, name: string) => {
      const param = PARAMS[name];
      return encodeURIComponent(
        (absent ? param?.absent : undefined) ?? param?.value(ids) ?? `unknown-${name}`,
      );
    });

  beforeAll(async () => {
    web = await createTestWeb();
    ids = await seed(web);
    for (const s of STAFF) clients.set(s.username, await web.as(s.username));
  });
  afterAll(() => web.destroy());

  test('every route the app answers was added with an access rule, and every parameter has a seeded value', () => {
    const declared = new Set(web.rules.map((r) => `${r.method} ${r.path}`));
    const answered = web.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`);
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.filter((r) => !declared.has(r))).toEqual([]);
    const missing = web.rules.flatMap((r) => paramsOf(r.path).filter((p) => !PARAMS[p]));
    expect(missing).toEqual([]);
  });

  test('without a session, every route but the public ones sends to sign-in (GET) or answers 401', async () => {
    for (const rule of web.rules.filter((r) => r.allow !== 'public')) {
      const res = await request(null, rule);
      const expected = rule.method === 'GET' ? 303 : 401;
      expect([rule.method, rule.path, res.status]).toEqual([rule.method, rule.path, expected]);
      if (rule.method === 'GET') expect(res.location).toMatch(/^\/login\?next=/);
    }
  });

  test('a role a route does not list gets 403, at its own site and at another', async () => {
    for (const rule of web.rules) {
      for (const role of ROLES.filter((r) => !allows(rule, r))) {
        for (const username of [OWN[role], OTHER[role]]) {
          if (!username) continue;
          const res = await request(username, rule);
          expect([rule.method, rule.path, username, res.status]).toEqual([
            rule.method,
            rule.path,
            username,
            403,
          ]);
        }
      }
    }
  });

  test("another site's staff get 404 for every route that carries a VCU record, never a hint that it exists", async () => {
    const bound = web.rules.filter((r) => paramsOf(r.path).some((p) => PARAMS[p]?.vcu));
    for (const rule of bound) {
      for (const [role, username] of Object.entries(OTHER) as [Role, string][]) {
        if (!allows(rule, role)) continue;
        const res = await request(username, rule);
        expect([rule.method, rule.path, username, res.status]).toEqual([
          rule.method,
          rule.path,
          username,
          404,
        ]);
        // The same answer as for a record that does not exist (the id itself aside).
        const none = await request(username, rule, true);
        const plain = (body: string, absent: boolean) => {
          let out = /<main[\s\S]*<\/main>/.exec(body)?.[0] ?? body;
          out = out.replaceAll(concrete(rule.path, absent), '<path>');
          for (const p of Object.values(PARAMS).filter((p) => p.vcu)) {
            const id = ((absent ? p.absent : undefined) ?? p.value(ids)).replace(
              /[.*+?^${}()|[\]\\]/g,
              '\\$&',
            );
            out = out.replace(new RegExp(`(?<![\\w.-])${id}(?![\\w.-])`, 'g'), '<id>');
          }
          return out;
        };
        expect(none.status).toBe(404);
        expect(plain(res.body, false)).toBe(plain(none.body, true));
      }
    }
  });

  test('a role a route lists reaches it at its own site: a page (GET), or an answer to the empty form (POST), never 401, 403, 404 or 5xx', async () => {
    for (const rule of web.rules) {
      const roles = rule.allow === 'public' ? [] : ROLES.filter((r) => allows(rule, r));
      for (const role of roles) {
        const res = await request(OWN[role], rule);
        const label = [rule.method, rule.path, OWN[role]];
        expect([...label, res.status < 500]).toEqual([...label, true]);
        expect([...label, [401, 403].includes(res.status)]).toEqual([...label, false]);
        // A route whose record is the seeded VCU one finds it (a POST without a form may refuse it otherwise).
        const carriesRecord = paramsOf(rule.path).some((p) => PARAMS[p]?.vcu);
        if (rule.method === 'GET' || carriesRecord) {
          expect([...label, res.status === 404]).toEqual([...label, false]);
        }
        if (rule.method === 'GET') expect([...label, res.status < 400]).toEqual([...label, true]);
      }
    }
  });

  test('the seeded subject survived the empty forms: still enrolled, its form still complete', async () => {
    const subject = await web.registry.deps.db
      .selectFrom('subject')
      .select('status')
      .where('study_id', '=', ids.studyId)
      .executeTakeFirstOrThrow();
    expect(subject.status).toBe('enrolled');
  });
});
