import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROLES } from '../registry/index.js';
import { createTestWeb, STAFF, type WebClient } from '../../test/helpers/web.js';

/**
 * Every route declares who may use it (router.ts). These tests walk the app's own route list, so a
 * route added without a rule, or a rule the guard does not enforce, fails here.
 */
describe('route access rules', () => {
  let web: Awaited<ReturnType<typeof createTestWeb>>;
  const clients = new Map<string, WebClient>();
  beforeAll(async () => {
    web = await createTestWeb();
    for (const role of ROLES) {
      const member = STAFF.find((s) => s.role === role)!;
      clients.set(role, await web.as(member.username));
    }
  });
  afterAll(() => web.destroy());

  test('every route the app answers was added with an access rule', () => {
    const declared = new Set(web.rules.map((r) => `${r.method} ${r.path}`));
    const answered = web.app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path}`);
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.filter((r) => !declared.has(r))).toEqual([]);
  });

  /** A concrete path for a route pattern: parameters get a value that need not exist. */
  const concrete = (path: string) => path.replace(/:(\w+)(\{[^}]*\})?/g, (_m, name: string) => `x-${name}`);

  test('without a session, every route but the public ones sends to sign-in (GET) or answers 401', async () => {
    for (const rule of web.rules.filter((r) => r.allow !== 'public')) {
      const anonymous = web.client();
      const res =
        rule.method === 'GET' ? await anonymous.get(concrete(rule.path)) : await anonymous.post(concrete(rule.path));
      expect([rule.method, rule.path, res.status]).toEqual([rule.method, rule.path, rule.method === 'GET' ? 303 : 401]);
    }
  });

  test('a role a route does not list gets 403 and nothing else', async () => {
    for (const rule of web.rules) {
      if (rule.allow === 'public' || rule.allow === 'signed-in') continue;
      for (const role of ROLES.filter((r) => !(rule.allow as readonly string[]).includes(r))) {
        const client = clients.get(role)!;
        const path = concrete(rule.path);
        const res = rule.method === 'GET' ? await client.get(path) : await client.post(path);
        expect([rule.method, rule.path, role, res.status]).toEqual([rule.method, rule.path, role, 403]);
      }
    }
  });
});
