import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { VCU_COORDINATOR } from '../../../test/helpers/registry.js';
import { createTestWeb, STAFF_PASSWORD, WebClient } from '../../../test/helpers/web.js';
import { enrolSubject } from '../../registry/index.js';

/*
 * The same garbage the patient pages get, through a staff form, the visit form and the sign-in form:
 * each refusal is one clear line with the right status, never a 500, and nothing is half-written.
 */

const ORIGIN = 'https://registry.example.org';
const ENROLMENT = { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' };

let web: Awaited<ReturnType<typeof createTestWeb>>;
let cora: WebClient;

async function subject(): Promise<string> {
  const s = await enrolSubject(web.registry.deps, VCU_COORDINATOR, { siteId: 'VCU', answers: ENROLMENT });
  return s.studyId;
}

async function responses(studyId: string) {
  return web.registry.deps.db
    .selectFrom('response')
    .select(['instrument', 'visit', 'answers', 'version'])
    .where('study_id', '=', studyId)
    .where('instrument', '!=', 'enrollment')
    .execute();
}

async function refused(res: Response, status: number): Promise<string> {
  const text = await res.text();
  expect(res.status, text.slice(0, 400)).toBe(status);
  expect(text).not.toMatch(/internal error|Something went wrong|\n\s+at |TypeError/i);
  return text;
}

function rawPost(c: WebClient | null, path: string, body: BodyInit | null, type?: string) {
  const headers: Record<string, string> = { origin: ORIGIN };
  if (c?.cookie) headers.cookie = c.cookie;
  if (type) headers['content-type'] = type;
  return web.app.request(path, { method: 'POST', body, headers });
}

const painUrl = (s: string, instance = '1') => `/subjects/${s}/visits/week2/forms/pain/${instance}`;
const aeUrl = (s: string) => `/subjects/${s}/visits/week2/forms/adverse_event/1`;

beforeAll(async () => {
  web = await createTestWeb('2026-03-17T10:00:00.000Z', { appOrigin: ORIGIN });
  cora = await new WebClient(web.app, null, ORIGIN).signIn('cora.vcu');
});
afterAll(() => web.destroy());
afterEach(() => {
  const failed = web.logs.filter((l) => / failed: /.test(l));
  web.logs.length = 0;
  expect(failed, 'no request failed with a 500').toEqual([]);
});

describe('a staff form post', () => {
  test('a 10 MB body is refused with 413 in one line; nothing saved', async () => {
    const s = await subject();
    const res = await rawPost(
      cora,
      painUrl(s),
      `a.scale=nrs&a.score=3&reason=${'x'.repeat(10_000_000)}`,
      'application/x-www-form-urlencoded',
    );
    expect(await refused(res, 413)).toContain('too large');
    expect(await responses(s)).toEqual([]);
  });

  test('a body over the limit sent without a length (chunked) is refused with 413 too', async () => {
    const s = await subject();
    const chunk = new TextEncoder().encode('x'.repeat(100_000));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(ctl) {
        if (sent++ < 20) ctl.enqueue(chunk);
        else ctl.close();
      },
    });
    const res = await web.app.request(painUrl(s), {
      method: 'POST',
      body,
      headers: {
        origin: ORIGIN,
        cookie: cora.cookie ?? '',
        'content-type': 'application/x-www-form-urlencoded',
      },
      duplex: 'half',
    } as RequestInit);
    expect(await refused(res, 413)).toContain('too large');
    expect(await responses(s)).toEqual([]);
  });

  test.each([
    ['an empty body', '', 'application/x-www-form-urlencoded', 422],
    ['JSON', JSON.stringify({ 'a.scale': 'nrs', 'a.score': '3' }), 'application/json', 422],
    ['plain text', 'a.scale=nrs&a.score=3', 'text/plain', 422],
    [
      'a broken multipart body',
      '--x\r\nContent-Disposition: form-data; name="a.score"',
      'multipart/form-data; boundary=x',
      422,
    ],
  ])('%s is refused in one line; nothing saved', async (_n, body, type, status) => {
    const s = await subject();
    await refused(await rawPost(cora, painUrl(s), body, type), status);
    expect(await responses(s)).toEqual([]);
  });

  test.each([
    ['out of range', { 'a.scale': 'nrs', 'a.score': '11' }, 'score'],
    ['not a number', { 'a.scale': 'nrs', 'a.score': 'seven' }, 'score'],
    ['infinite', { 'a.scale': 'nrs', 'a.score': '1e309' }, 'score'],
    ['a NUL', { 'a.scale': 'nrs', 'a.score': '3\u0000' }, 'score'],
    ['an unknown scale', { 'a.scale': "nrs' or 1=1 --", 'a.score': '3' }, 'scale'],
    ['an unknown missing code', { 'a.scale': 'nrs', 'm.score': 'bogus' }, 'score'],
  ])('a pain form %s is refused beside its field (422); nothing saved', async (_n, form, item) => {
    const s = await subject();
    const text = await refused(await cora.post(painUrl(s), form), 422);
    expect(text).toContain(`f-${item}`);
    expect(await responses(s)).toEqual([]);
  });

  test('duplicated fields (a.score=3&a.score=9): the first is taken', async () => {
    const s = await subject();
    expect((await cora.post(painUrl(s), { 'a.scale': 'nrs', 'a.score': ['3', '9'] })).status).toBe(303);
    expect((await responses(s))[0]?.answers).toMatchObject({ score: 3 });
  });

  test.each([
    ['an impossible day', '2026-02-30'],
    ['the far future', '9999-12-31'],
    ['two centuries ago', '1800-01-01'],
    ['not a date', 'yesterday'],
  ])('an adverse event onset date of %s is refused beside its field; nothing saved', async (_n, day) => {
    const s = await subject();
    const text = await refused(
      await cora.post(aeUrl(s), { 'a.term': 'other', 'a.term_other': 'x', 'a.onset_date': day }),
      422,
    );
    expect(text).toContain('f-onset_date');
    expect(await responses(s)).toEqual([]);
  });

  test('free text: a NUL is refused beside its field; 100 kB is refused; XSS and SQL are stored as typed and shown inert', async () => {
    const s = await subject();
    const base = { 'a.term': 'other', 'a.onset_date': '2026-03-10' };
    expect(await refused(await cora.post(aeUrl(s), { ...base, 'a.term_other': 'a\u0000b' }), 422)).toContain(
      'NUL',
    );
    await refused(await cora.post(aeUrl(s), { ...base, 'a.term_other': 'y'.repeat(100_000) }), 422);
    expect(await responses(s)).toEqual([]);
    const xss = `<script>alert(1)</script><img src=x onerror=alert(2)>'); drop table response; --`;
    expect((await cora.post(aeUrl(s), { ...base, 'a.term_other': xss })).status).toBe(303);
    expect((await responses(s))[0]?.answers).toMatchObject({ term_other: xss });
    const html = await (await cora.get(aeUrl(s))).text();
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  test('an amendment with a NUL in its reason, or a forged version, is refused in one line; the form is unchanged', async () => {
    const s = await subject();
    expect((await cora.post(painUrl(s), { 'a.scale': 'nrs', 'a.score': '3' })).status).toBe(303);
    const change = { 'a.scale': 'nrs', 'a.score': '4' };
    await refused(await cora.post(painUrl(s), { ...change, version: '1', reason: 'typo\u0000' }), 422);
    for (const version of ['0', '-1', '1e3', '99999999999', 'abc', '1.5', '1\u0000'])
      expect((await cora.post(painUrl(s), { ...change, version, reason: 'typo' })).status).toBe(409);
    expect((await responses(s))[0]).toMatchObject({ answers: { score: 3 }, version: 1 });
  });

  test.each([
    ['instance 0', 'pain/0'],
    ['a negative instance', 'pain/-1'],
    ['a huge instance', 'pain/99999999999999999999'],
    ['a non-numeric instance', 'pain/abc'],
    ['an unknown instrument', 'nosuch/1'],
    ['an instrument the visit does not collect', 'satisfaction/1'],
    ['a NUL instrument', '%00/1'],
  ])('a form path with %s is a clear 404 or 422, never a 500; nothing saved', async (_n, tail) => {
    const s = await subject();
    const res = await cora.post(`/subjects/${s}/visits/week2/forms/${tail}`, { 'a.score': '3' });
    const text = await res.text();
    expect([404, 422]).toContain(res.status);
    expect(text).not.toMatch(/Something went wrong/);
    expect(await responses(s)).toEqual([]);
  });

  test.each([
    ['an impossible day', { state: 'done', date: '2026-02-30', mode: 'clinic' }, 'date'],
    ['the far future', { state: 'done', date: '9999-12-31', mode: 'clinic' }, 'date'],
    ['two centuries ago', { state: 'done', date: '1800-01-01', mode: 'clinic' }, 'date'],
    ['an unknown mode', { state: 'done', date: '2026-03-16', mode: 'telepathy' }, 'mode'],
    ['a NUL reason', { state: 'missed', missed_reason: 'away\u0000' }, 'missed_reason'],
    ['a 100 kB reason', { state: 'missed', missed_reason: 'z'.repeat(100_000) }, 'missed_reason'],
  ])('the visit form with %s is refused beside its field (422); nothing saved', async (_n, form, name) => {
    const s = await subject();
    const text = await refused(await cora.post(`/subjects/${s}/visits/week2`, form), 422);
    expect(text).toMatch(new RegExp(`id="${name}-error"|${name}`));
    const visits = await sql`select * from visit where study_id = ${s} and visit = 'week2'`.execute(
      web.registry.deps.db,
    );
    expect(visits.rows).toEqual([]);
  });
});

describe('staff URLs', () => {
  test.each([
    '/subjects/%00',
    '/subjects/VCU-0001%00',
    '/subjects/%00/visits/week2',
    '/subjects/%00/visits/week2/forms/pain/1',
    '/subjects/%00/epro',
    '/subjects/VCU-0001/visits/%00',
    '/subjects/%FF/visits/week2',
    '/subjects/%ED%A0%80/visits/week2/forms/pain/1',
    `/subjects/${'x'.repeat(10_000)}/visits/week2`,
  ])('%s: GET and POST are a 404 in one line, never a 500', async (path) => {
    for (const res of [await cora.get(path), await cora.post(path, { 'a.score': '1' })]) {
      expect(await refused(res, 404)).toMatch(/There is no such page|not found/);
    }
  });

  test.each(['/subjects?q=%00', '/subjects?site=%00', '/dashboard?site=%00'])(
    '%s is answered without a 500',
    async (path) => {
      expect((await cora.get(path)).status).toBeLessThan(500);
    },
  );
});

describe('the sign-in form', () => {
  test.each([
    ['an empty body', {}],
    ['a NUL username', { username: 'cora.vcu\u0000', password: STAFF_PASSWORD }],
    ['a 100 kB username', { username: 'u'.repeat(100_000), password: STAFF_PASSWORD }],
    ['a 100 kB password', { username: 'cora.vcu', password: 'p'.repeat(100_000) }],
    ['SQL in the username', { username: "' or '1'='1", password: "' or '1'='1" }],
    ['duplicated fields', { username: ['cora.vcu', 'ada.admin'], password: [STAFF_PASSWORD, 'x'] }],
  ])('%s: 401 (or 429) in one line, no session', async (_n, form) => {
    const c = new WebClient(web.app, null, ORIGIN);
    const res = await c.post('/login', form as Record<string, string | string[]>);
    const text = await res.text();
    expect([401, 429], text.slice(0, 300)).toContain(res.status);
    expect(text).not.toMatch(/Something went wrong/);
    expect(c.cookie).toBeNull();
  });

  test.each([
    ['another host', '//evil.example/x'],
    ['a backslash host', '/\\evil.example'],
    ['an absolute URL', 'https://evil.example/'],
    ['a NUL', '/dashboard\u0000'],
    ['a control character', '/dashboard\u0001x'],
    ['a line break', '/dashboard\r\nSet-Cookie: x=1'],
    ['non-Latin text', '/subjects/日本'],
    ['10 kB', `/${'n'.repeat(10_000)}`],
  ])('a sign-in with next = %s signs in and goes only to a page of this registry', async (_n, next) => {
    const c = new WebClient(web.app, null, ORIGIN);
    const res = await c.post('/login', { username: 'ivan.vcu', password: STAFF_PASSWORD, next });
    expect(res.status, await res.clone().text()).toBe(303);
    const location = res.headers.get('location') ?? '';
    expect(location).toMatch(/^\/(?![/\\])/);
    expect([...location].every((ch) => ch >= '!' && ch <= '~')).toBe(true);
    expect(res.headers.get('set-cookie')).not.toContain('x=1');
  });

  test('a 10 MB sign-in body is 413 in one line; an XSS username is echoed inert', async () => {
    const res = await rawPost(
      null,
      '/login',
      `username=a&password=${'p'.repeat(10_000_000)}`,
      'application/x-www-form-urlencoded',
    );
    expect(await refused(res, 413)).toContain('too large');
    const c = new WebClient(web.app, null, ORIGIN);
    const html = await (
      await c.post('/login', { username: '"><script>alert(1)</script>', password: 'x' })
    ).text();
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;script&gt;');
  });
});
