import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestWeb, STAFF_PASSWORD, WebClient } from '../../test/helpers/web.js';
import { createKysely } from '../store/pg-connection.js';
import { buildAppWithRules } from './app.js';

/**
 * Two `serve` processes on one database behave as one (issue 8 §5): each app here has its own pool
 * of connections, as a second process would; nothing they share lives in process memory.
 */
describe('two apps on one database', () => {
  let web: Awaited<ReturnType<typeof createTestWeb>>;
  let second: ReturnType<typeof createKysely>;
  let a: ReturnType<typeof buildAppWithRules>['app'];
  let b: ReturnType<typeof buildAppWithRules>['app'];
  beforeAll(async () => {
    web = await createTestWeb('2026-03-02T09:00:00.000Z');
    a = web.app;
    second = createKysely(web.registry.url);
    b = buildAppWithRules({ registry: { ...web.registry.deps, db: second }, log: () => {} }).app;
  });
  afterAll(async () => {
    await second.destroy();
    await web.destroy();
  });

  test('a session made on one is used on the other; signing out on the other ends it on both', async () => {
    const onA = await new WebClient(a).signIn('cora.vcu');
    const onB = new WebClient(b, onA.cookie);
    const page = await onB.get('/account');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('cora.vcu');
    expect((await onB.post('/logout')).status).toBe(303);
    expect((await new WebClient(a, onA.cookie).get('/account')).status).toBe(303);
    expect((await new WebClient(b, onA.cookie).get('/account')).status).toBe(303);
  });

  test('switching site on one is seen by the other', async () => {
    const users = await web.registry.deps.db.selectFrom('app_user').select(['id', 'username']).execute();
    const admin = await new WebClient(a).signIn('ada.admin');
    const ivan = users.find((u) => u.username === 'ivan.vcu')!;
    expect((await admin.post(`/admin/users/${ivan.id}/sites`, { siteId: 'APMSS' })).status).toBe(303);
    const onA = await new WebClient(a).signIn('ivan.vcu');
    expect((await onA.post('/session/site', { site: 'APMSS', back: '/account' })).status).toBe(303);
    const html = await (await new WebClient(b, onA.cookie).get('/account')).text();
    expect(html).toContain('<option value="APMSS" selected="">');
  });

  test('failed sign-ins count across both: three on one, and the other holds the fourth back', async () => {
    const wrong = { username: 'ivan.vcu', password: 'not-the-password-1' };
    expect((await new WebClient(a).post('/login', wrong)).status).toBe(401);
    expect((await new WebClient(b).post('/login', wrong)).status).toBe(401);
    expect((await new WebClient(a).post('/login', wrong)).status).toBe(401);
    const held = await new WebClient(b).post('/login', { username: 'ivan.vcu', password: STAFF_PASSWORD });
    expect(held.status).toBe(429);
    expect(await held.text()).toContain('The username or password is not right');
    web.registry.setTime('2026-03-02T09:00:02.000Z');
    expect(
      (await new WebClient(a).post('/login', { username: 'ivan.vcu', password: STAFF_PASSWORD })).status,
    ).toBe(303);
  });

  test('the lockout set on one holds on the other; an admin reset on the other lifts it', async () => {
    web.registry.setTime('2026-03-02T10:00:00.000Z');
    let t = Date.parse('2026-03-02T10:00:00.000Z');
    for (let i = 0; i < 10; i++) {
      t += 70_000;
      web.registry.setTime(new Date(t).toISOString());
      const app = i % 2 ? a : b;
      expect(
        (await new WebClient(app).post('/login', { username: 'cole.apmss', password: 'wrong-guess-again' }))
          .status,
      ).toBe(401);
    }
    web.registry.setTime(new Date(t + 10 * 60_000).toISOString());
    expect(
      (await new WebClient(a).post('/login', { username: 'cole.apmss', password: STAFF_PASSWORD })).status,
    ).toBe(429);
    expect(
      (await new WebClient(b).post('/login', { username: 'cole.apmss', password: STAFF_PASSWORD })).status,
    ).toBe(429);
    const users = await web.registry.deps.db.selectFrom('app_user').select(['id', 'username']).execute();
    const cole = users.find((u) => u.username === 'cole.apmss')!;
    const admin = await new WebClient(b).signIn('ada.admin');
    expect(
      (await admin.post(`/admin/users/${cole.id}/password`, { newPassword: 'fresh-sacral-phrase-42' }))
        .status,
    ).toBe(303);
    expect(
      (await new WebClient(a).post('/login', { username: 'cole.apmss', password: 'fresh-sacral-phrase-42' }))
        .status,
    ).toBe(303);
  });

  test('a user disabled on one is signed out on the other at its next request', async () => {
    web.registry.setTime('2026-03-02T12:00:00.000Z');
    const onB = await new WebClient(b).signIn('mona.monitor');
    const users = await web.registry.deps.db.selectFrom('app_user').select(['id', 'username']).execute();
    const mona = users.find((u) => u.username === 'mona.monitor')!;
    const admin = await new WebClient(a).signIn('ada.admin');
    expect((await admin.post(`/admin/users/${mona.id}/status`, { disabled: 'yes' })).status).toBe(303);
    expect((await onB.get('/account')).status).toBe(303);
  });
});
