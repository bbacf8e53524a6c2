import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestWeb, WebClient } from '../../test/helpers/web.js';
import { buildAppWithRules } from './app.js';

const INTERNAL = 'relation "app_user" column password_hash VCU-0001 at /work/src/registry/users.ts:42';

/**
 * A 5xx never echoes an internal message (issue 8 §4): the page gives a reference, and the log gets
 * the request id with the detail and the route pattern, never the path with its study id.
 */
describe('server errors', () => {
  let web: Awaited<ReturnType<typeof createTestWeb>>;
  let broken = false;
  const logs: string[] = [];
  let app: ReturnType<typeof buildAppWithRules>['app'];
  beforeAll(async () => {
    web = await createTestWeb();
    const db = web.registry.deps.db;
    // The database answers until `broken`, then reads fail with an internal message.
    const failing = new Proxy(db, {
      get(target, prop, receiver) {
        // Sessions still load, so the failure happens inside the route's use case.
        if (prop === 'selectFrom' && broken) {
          return (table: string) => {
            if (table === 'web_session as s' || table === 'user_site') return target.selectFrom(table);
            throw new Error(INTERNAL);
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    app = buildAppWithRules({
      registry: { ...web.registry.deps, db: failing },
      log: (l) => logs.push(l),
    }).app;
  });
  afterAll(() => web.destroy());

  test('a failure inside a page answers 500 with a reference; the log has the reference and the detail', async () => {
    const admin = await new WebClient(app).signIn('ada.admin');
    broken = true;
    try {
      const res = await admin.get('/admin/users');
      expect(res.status).toBe(500);
      const html = await res.text();
      expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
      expect(html).not.toContain('password_hash');
      expect(html).not.toContain('VCU-0001');
      expect(html).not.toContain('users.ts');
      expect(html).not.toMatch(/internal error|stack/i);
      const reference = /<code>([^<]+)<\/code>/.exec(html)?.[1];
      expect(reference).toBeTruthy();
      const line = logs.find((l) => l.includes(reference!));
      expect(line).toContain(INTERNAL);
    } finally {
      broken = false;
    }
  });

  test('the log names the route pattern, never the path with its record id', async () => {
    const admin = await new WebClient(app).signIn('ada.admin');
    const users = await web.registry.deps.db.selectFrom('app_user').select(['id', 'username']).execute();
    const id = users.find((u) => u.username === 'cora.vcu')!.id;
    logs.length = 0;
    broken = true;
    try {
      const res = await admin.post(`/admin/users/${id}/name`, { fullName: 'Cora' });
      expect(res.status).toBe(500);
      expect(await res.text()).not.toContain(INTERNAL);
    } finally {
      broken = false;
    }
    expect(logs.join('\n')).toContain('/admin/users/:userId/name');
    expect(logs.join('\n')).not.toContain(id);
  });

  test('/health answers JSON without the detail', async () => {
    broken = true;
    try {
      const res = await app.request('/health');
      expect(res.status).toBe(500);
      const body = (await res.json()) as { error: { code: string; message: string; request_id: string } };
      expect(body.error.code).toBe('INTERNAL');
      expect(JSON.stringify(body)).not.toContain('password_hash');
      expect(logs.some((l) => l.includes(body.error.request_id))).toBe(true);
    } finally {
      broken = false;
    }
  });
});
