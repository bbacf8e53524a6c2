import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestWeb, STAFF_PASSWORD, WebClient } from '../../test/helpers/web.js';
import { sessionHash } from '../registry/index.js';

describe('staff sign-in and sessions', () => {
  let web: Awaited<ReturnType<typeof createTestWeb>>;
  beforeAll(async () => {
    web = await createTestWeb('2026-03-02T09:00:00.000Z');
  });
  afterAll(() => web.destroy());

  test('a coordinator signs in: a __Host- cookie, HttpOnly, SameSite=Lax, Secure; the database holds only its hash', async () => {
    const client = web.client();
    const res = await client.post('/login', { username: 'cora.vcu', password: STAFF_PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard');
    const set = res.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/^__Host-sifreg=[A-Za-z0-9_-]{43};/);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Lax/);
    expect(set).toMatch(/Secure/);
    expect(set).toMatch(/Path=\//);
    const token = client.cookie!.split('=')[1]!;
    const rows = await web.registry.deps.db.selectFrom('web_session').select('id_hash').execute();
    expect(rows.map((r) => r.id_hash)).toContain(sessionHash(token));
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  test('every sign-in gets a new id', async () => {
    const a = await web.as('cora.vcu');
    const b = await web.as('cora.vcu');
    expect(a.cookie).not.toBe(b.cookie);
  });

  test('an unknown user and a wrong password get the same answer, and both are audit events', async () => {
    const wrong = await web.client().post('/login', { username: 'cora.vcu', password: 'not-the-password-1' });
    const unknown = await web
      .client()
      .post('/login', { username: 'nobody.here', password: 'not-the-password-1' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = (html: string) => html.replace(/(value|nonce)="[^"]*"/g, '');
    expect(strip(await wrong.text())).toBe(strip(await unknown.text()));
    const events = await web.registry.deps.db
      .selectFrom('audit_event')
      .select(['action', 'actor'])
      .where('action', '=', 'session.login_failed')
      .execute();
    expect(events.map((e) => e.actor)).toEqual(expect.arrayContaining(['cora.vcu', 'nobody.here']));
  });

  test('after three failures the sign-in page answers 429 with the same page for a known and an unknown user', async () => {
    web.registry.setTime('2026-03-02T08:00:00.000Z');
    const page = async (username: string, password: string) => {
      const res = await web.client().post('/login', { username, password });
      return { status: res.status, html: (await res.text()).replace(/(value|nonce)="[^"]*"/g, '') };
    };
    for (let i = 0; i < 3; i++) {
      expect((await page('iris.apmss', 'not-the-password-1')).status).toBe(401);
      expect((await page('nemo.apmss', 'not-the-password-1')).status).toBe(401);
    }
    const known = await page('iris.apmss', STAFF_PASSWORD);
    const unknown = await page('nemo.apmss', STAFF_PASSWORD);
    expect([known.status, unknown.status]).toEqual([429, 429]);
    expect(known.html).toBe(unknown.html);
    expect(known.html).toContain('The username or password is not right, or the account is locked for now.');
    web.registry.setTime('2026-03-02T08:00:01.000Z');
    expect(
      (await web.client().post('/login', { username: 'iris.apmss', password: STAFF_PASSWORD })).status,
    ).toBe(303);
    web.registry.setTime('2026-03-02T09:00:00.000Z');
  });

  test('the username typed at sign-in comes back inert, whatever it holds', async () => {
    web.registry.setTime('2026-03-02T07:00:00.000Z');
    const typed = `"><script>alert(1)</script>' or 1=1 --`;
    const res = await web.client().post('/login', { username: typed, password: 'not-the-password-1' });
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39; or 1=1 --"');
    web.registry.setTime('2026-03-02T09:00:00.000Z');
  });

  test('a session ends after 30 idle minutes, and at 12 hours however active', async () => {
    web.registry.setTime('2026-03-02T09:00:00.000Z');
    const client = await web.as('ivan.vcu');
    web.registry.setTime('2026-03-02T09:29:00.000Z');
    expect((await client.get('/account')).status).not.toBe(303);
    web.registry.setTime('2026-03-02T10:00:00.000Z');
    const idle = await client.get('/account');
    expect(idle.status).toBe(303);
    expect(idle.headers.get('location')).toBe('/login?next=%2Faccount');

    web.registry.setTime('2026-03-02T09:00:00.000Z');
    const busy = await web.as('ivan.vcu');
    for (let minute = 20; minute < 12 * 60; minute += 20) {
      const t = new Date(Date.parse('2026-03-02T09:00:00.000Z') + minute * 60_000).toISOString();
      web.registry.setTime(t);
      expect((await busy.get('/account')).status).not.toBe(303);
    }
    web.registry.setTime('2026-03-02T21:00:01.000Z');
    expect((await busy.get('/account')).status).toBe(303);
    web.registry.setTime('2026-03-02T09:00:00.000Z');
  });

  test('sign-out ends the session on the server: the old cookie no longer works', async () => {
    const client = await web.as('cora.vcu');
    const stolen = client.cookie;
    expect((await client.post('/logout')).status).toBe(303);
    const replay = new WebClient(web.app, stolen);
    expect((await replay.get('/account')).status).toBe(303);
    const logout = await web.registry.deps.db
      .selectFrom('audit_event')
      .select('actor')
      .where('action', '=', 'session.logout')
      .execute();
    expect(logout.map((e) => e.actor)).toContain('cora.vcu');
  });

  test('a state-changing request from another origin, or without one, is refused', async () => {
    const client = await web.as('cora.vcu');
    const foreign = await web.app.request('/logout', {
      method: 'POST',
      headers: {
        cookie: client.cookie!,
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: '',
    });
    expect(foreign.status).toBe(403);
    const none = await web.app.request('/logout', {
      method: 'POST',
      headers: { cookie: client.cookie!, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(none.status).toBe(403);
    // The session survived both.
    expect((await client.get('/account')).status).not.toBe(303);
  });

  test('with APP_ORIGIN set, only that origin may post, and the cookie is Secure behind TLS with HSTS', async () => {
    const behindProxy = await createTestWeb(undefined, { appOrigin: 'https://registry.example.org' });
    try {
      const client = new WebClient(behindProxy.app, null, 'https://registry.example.org');
      const res = await client.post('/login', { username: 'cora.vcu', password: STAFF_PASSWORD });
      expect(res.status).toBe(303);
      expect(res.headers.get('set-cookie')).toMatch(/^__Host-sifreg=.*Secure/);
      expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      const local = new WebClient(behindProxy.app);
      expect((await local.post('/login', { username: 'cora.vcu', password: STAFF_PASSWORD })).status).toBe(
        403,
      );
    } finally {
      await behindProxy.destroy();
    }
  });

  test('every page: DOCTYPE, a nonce CSP without unsafe-inline, frame-ancestors none, nosniff, no-referrer, no-store', async () => {
    for (const path of ['/', '/login', '/no-such-page']) {
      const res = await web.client().get(path);
      const html = await res.text();
      expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]+'/);
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('strict-transport-security')).toBeNull();
      const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
      expect(html).toContain(`nonce="${nonce}"`);
    }
  });

  test('a page for signed-in users sends a visitor to sign in, and a wrong role gets 403', async () => {
    const anonymous = await web.client().post('/session/site', { site: 'VCU' });
    expect(anonymous.status).toBe(401);
    const stats = await web.as('stan.stats');
    expect((await stats.get('/')).headers.get('location')).toBe('/reports');
  });

  test('a sign-in never redirects off the app', async () => {
    for (const next of ['//evil.example/x', 'https://evil.example', '/\\evil.example']) {
      const res = await web.client().post('/login', { username: 'cora.vcu', password: STAFF_PASSWORD, next });
      expect(res.headers.get('location')).toBe('/dashboard');
    }
  });
});
