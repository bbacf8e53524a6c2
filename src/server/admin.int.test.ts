import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestWeb, STAFF_PASSWORD, WebClient } from '../../test/helpers/web.js';

const XSS = `<script>alert('x')</script><img src=x onerror=alert(1)>"'&`;
const SQL = `Robert'); DROP TABLE app_user; --`;
const NEW_PASSWORD = 'lumbar-sacral-window-9';

/** Every id attribute of a page, to check that error-summary links point at real fields. */
const ids = (html: string) => new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));

describe('admin pages and the own-password page', () => {
  let web: Awaited<ReturnType<typeof createTestWeb>>;
  let admin: WebClient;
  beforeAll(async () => {
    web = await createTestWeb();
    admin = await web.as('ada.admin');
  });
  afterAll(() => web.destroy());

  test('the admin adds a site and a user; text with markup and SQL is stored as typed and rendered inert', async () => {
    const site = await admin.post('/admin/sites', { id: 'OSU', name: `${XSS} ${SQL}` });
    expect(site.status).toBe(303);
    const stored = await web.registry.deps.db
      .selectFrom('site')
      .select('name')
      .where('id', '=', 'OSU')
      .executeTakeFirstOrThrow();
    expect(stored.name).toBe(`${XSS} ${SQL}`);
    const sites = await (await admin.get('/admin/sites')).text();
    expect(sites).not.toContain('<script>alert');
    expect(sites).not.toContain('<img src=x');
    expect(sites).toContain('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;');

    const added = await admin.post('/admin/users', {
      username: 'olga.osu',
      fullName: `${XSS} ${SQL}`,
      role: 'coordinator',
      siteId: 'OSU',
      password: STAFF_PASSWORD,
    });
    expect(added.status).toBe(303);
    const userUrl = added.headers.get('location')!;
    expect(userUrl).toMatch(/^\/admin\/users\/[0-9a-f-]{36}$/);
    const row = await web.registry.deps.db
      .selectFrom('app_user')
      .select('full_name')
      .where('username', '=', 'olga.osu')
      .executeTakeFirstOrThrow();
    expect(row.full_name).toBe(`${XSS} ${SQL}`);
    for (const page of [
      await (await admin.get(userUrl)).text(),
      await (await admin.get('/admin/users')).text(),
    ]) {
      expect(page).not.toContain('<script>alert');
      expect(page).not.toContain('<img src=x');
      expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
    // The new user signs in; the table still exists.
    await web.as('olga.osu');
  });

  test('a refused form answers 422 with each issue beside its field and in a summary linked to it', async () => {
    const res = await admin.post('/admin/users', {
      username: 'X',
      fullName: '',
      role: 'coordinator',
      siteId: '',
      password: 'password1234',
    });
    expect(res.status).toBe(422);
    const html = await res.text();
    const summary = /<div class="error-summary"[\s\S]*?<\/div>/.exec(html)![0];
    const links = [...summary.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]);
    // In the order of the form's fields.
    expect(links).toEqual(['add-username', 'add-siteId', 'add-password']);
    const present = ids(html);
    for (const l of links) expect(present.has(l)).toBe(true);
    expect(summary).toContain('Username: username must be');
    expect(summary).toContain('Password: password is');
    expect(html).toMatch(/id="add-password-error"[^>]*>(<[^>]*>|Error: )*password is/);
    expect(html).toMatch(/aria-describedby="[^"]*add-username-error"/);
    // What was typed is kept, except the password.
    expect(html).toContain('value="X"');
    expect(html).not.toContain('password1234');

    const site = await admin.post('/admin/sites', { id: 'vcu', name: '' });
    expect(site.status).toBe(422);
    const siteHtml = await site.text();
    expect(siteHtml).toContain('href="#site-id"');
    expect(siteHtml).toContain('href="#site-name"');
    const taken = await admin.post('/admin/sites', { id: 'VCU', name: 'again' });
    expect(taken.status).toBe(422);
    expect(await taken.text()).toContain('Site code: site VCU already exists');
  });

  test('the admin changes a role, membership, name; resets a password; disables a user — and the user feels each', async () => {
    const users = await web.registry.deps.db.selectFrom('app_user').select(['id', 'username']).execute();
    const id = (u: string) => users.find((r) => r.username === u)!.id;
    const cora = await web.as('cora.vcu');
    const base = `/admin/users/${id('cora.vcu')}`;

    expect((await admin.post(`${base}/sites`, { siteId: 'APMSS' })).status).toBe(303);
    expect(await (await cora.get('/account')).text()).toContain('APMSS, VCU');
    expect((await admin.post(`${base}/sites/remove`, { siteId: 'APMSS' })).status).toBe(303);
    const last = await admin.post(`${base}/sites/remove`, { siteId: 'VCU' });
    expect(last.status).toBe(422);
    expect(await last.text()).toContain('must keep at least one site');

    expect((await admin.post(`${base}/name`, { fullName: 'Cora Lee' })).status).toBe(303);
    expect(await (await admin.get(base)).text()).toContain('value="Cora Lee"');

    const weak = await admin.post(`${base}/password`, { newPassword: 'short' });
    expect(weak.status).toBe(422);
    expect(await weak.text()).toContain('href="#password-newPassword"');
    expect((await admin.post(`${base}/password`, { newPassword: NEW_PASSWORD })).status).toBe(303);
    // Her session ended with the reset.
    expect((await cora.get('/account')).status).toBe(303);
    const again = await new WebClient(web.app).signIn('cora.vcu', NEW_PASSWORD);

    expect((await admin.post(`${base}/status`, { disabled: 'yes' })).status).toBe(303);
    expect((await again.get('/account')).status).toBe(303);
    expect((await web.client().post('/login', { username: 'cora.vcu', password: NEW_PASSWORD })).status).toBe(
      401,
    );
    expect((await admin.post(`${base}/status`, { disabled: 'no' })).status).toBe(303);
    await new WebClient(web.app).signIn('cora.vcu', NEW_PASSWORD);

    const noSite = await admin.post(`/admin/users/${id('mona.monitor')}/role`, {
      role: 'investigator',
      siteId: '',
    });
    expect(noSite.status).toBe(422);
    expect(await noSite.text()).toContain('href="#role-siteId"');
    expect(
      (await admin.post(`/admin/users/${id('mona.monitor')}/role`, { role: 'investigator', siteId: 'VCU' }))
        .status,
    ).toBe(303);
    expect((await admin.post(`/admin/users/${id('mona.monitor')}/role`, { role: 'monitor' })).status).toBe(
      303,
    );

    const self = await admin.post(`/admin/users/${id('ada.admin')}/status`, { disabled: 'yes' });
    expect(self.status).toBe(422);

    const actions = (
      await web.registry.deps.db
        .selectFrom('audit_event')
        .select('action')
        .where('actor', '=', 'ada.admin')
        .execute()
    ).map((e) => e.action);
    for (const a of [
      'user.site_add',
      'user.site_remove',
      'user.update',
      'user.password_reset',
      'user.disable',
      'user.enable',
      'user.role_change',
    ]) {
      expect(actions).toContain(a);
    }
    const all = JSON.stringify(await web.registry.deps.db.selectFrom('audit_event').selectAll().execute());
    expect(all).not.toContain(NEW_PASSWORD);
  });

  test('text PostgreSQL cannot store (NUL) in any admin field is refused beside the field, never a 5xx', async () => {
    const users = await web.registry.deps.db.selectFrom('app_user').select(['id', 'username']).execute();
    const iris = `/admin/users/${users.find((u) => u.username === 'iris.apmss')!.id}`;
    const mona = `/admin/users/${users.find((u) => u.username === 'mona.monitor')!.id}`;
    const nul = 'A\u0000B';
    const posts: [string, Record<string, string>][] = [
      ['/admin/sites', { id: nul, name: nul }],
      ['/admin/users', { username: nul, fullName: nul, role: nul, siteId: nul, password: nul }],
      [`${iris}/name`, { fullName: nul }],
      [`${iris}/sites`, { siteId: nul }],
      [`${iris}/sites/remove`, { siteId: nul }],
      [`${iris}/password`, { newPassword: nul }],
      [`${mona}/role`, { role: 'coordinator', siteId: nul }],
      [`${mona}/role`, { role: nul }],
    ];
    for (const [path, form] of posts) {
      const res = await admin.post(path, form);
      expect([path, res.status]).toEqual([path, 422]);
    }
  });

  test('the admin sees an account held back by failed sign-ins, and a password reset lifts it', async () => {
    for (let i = 0; i < 3; i++) {
      expect(
        (await web.client().post('/login', { username: 'stan.stats', password: 'wrong-guess-x' })).status,
      ).toBe(401);
    }
    const users = await web.registry.deps.db.selectFrom('app_user').select(['id', 'username']).execute();
    const stan = `/admin/users/${users.find((u) => u.username === 'stan.stats')!.id}`;
    expect(await (await admin.get('/admin/users')).text()).toContain(
      'sign-in held back until 2026-03-02 09:00 UTC',
    );
    expect(await (await admin.get(stan)).text()).toContain('held back after failed attempts until');
    expect((await admin.post(`${stan}/password`, { newPassword: NEW_PASSWORD })).status).toBe(303);
    expect(await (await admin.get(stan)).text()).not.toContain('held back');
    await new WebClient(web.app).signIn('stan.stats', NEW_PASSWORD);
  });

  test('an unknown or malformed user id is 404 on every user route', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'nope', "1' or '1'='1"]) {
      const path = `/admin/users/${encodeURIComponent(id)}`;
      expect((await admin.get(path)).status).toBe(404);
      for (const action of ['name', 'role', 'sites', 'sites/remove', 'password', 'status']) {
        expect([action, (await admin.post(`${path}/${action}`, { fullName: 'x' })).status]).toEqual([
          action,
          404,
        ]);
      }
    }
  });

  test('a user changes their own password: wrong current one and mismatch are 422 beside the fields; other sessions end', async () => {
    const here = await web.as('ivan.vcu');
    const there = await web.as('ivan.vcu');
    expect((await here.get('/account/password')).status).toBe(200);
    const wrong = await here.post('/account/password', {
      currentPassword: 'not-my-password',
      newPassword: NEW_PASSWORD,
      confirmPassword: 'something-else-entirely',
    });
    expect(wrong.status).toBe(422);
    const html = await wrong.text();
    expect(html).toContain('href="#pw-confirmPassword"');
    expect(html).toContain('id="pw-confirmPassword-error"');
    const current = await here.post('/account/password', {
      currentPassword: 'not-my-password',
      newPassword: NEW_PASSWORD,
      confirmPassword: NEW_PASSWORD,
    });
    expect(current.status).toBe(422);
    expect(await current.text()).toContain('Current password: the current password is not right');
    const ok = await here.post('/account/password', {
      currentPassword: STAFF_PASSWORD,
      newPassword: NEW_PASSWORD,
      confirmPassword: NEW_PASSWORD,
    });
    expect(ok.status).toBe(200);
    expect((await here.get('/account')).status).toBe(200);
    expect((await there.get('/account')).status).toBe(303);
    await new WebClient(web.app).signIn('ivan.vcu', NEW_PASSWORD);
  });

  test('the admin pages show no patient data and the admin cannot reach patient pages', async () => {
    const nav = await (await admin.get('/admin/users')).text();
    expect(nav).not.toContain('href="/subjects"');
    for (const path of ['/subjects', '/dashboard', '/worklists']) {
      const res = await admin.get(path);
      expect([path, res.status === 403 || res.status === 404]).toEqual([path, true]);
    }
  });
});
