import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { VCU_COORDINATOR } from '../../../test/helpers/registry.js';
import { createTestWeb, WebClient } from '../../../test/helpers/web.js';
import { loadPatientSession } from '../../registry/epro-links.js';
import { saveDraft, submitLink } from '../../registry/epro-submit.js';
import { createLink, enrolSubject, revokeLink, SYSTEM_ACTOR, setYearCheck } from '../../registry/index.js';
import { buildApp } from '../app.js';

/*
 * What an outsider can send to the patient pages: tokens of every shape, bodies of every size and
 * kind, answers out of range, dates that do not exist, control characters, markup. Each is refused
 * with one clear line and the right status, never a 500, and nothing is half-written.
 */

const ORIGIN = 'https://registry.example.org';
const IN_WINDOW = '2026-03-17T10:00:00.000Z';
const ENROLMENT = { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' };

let web: Awaited<ReturnType<typeof createTestWeb>>;

const patient = () => new WebClient(web.app, null, ORIGIN);

/** A GET from a given client address (the socket's peer, as @hono/node-server gives it). */
const getFrom = (ip: string, path: string) =>
  web.app.request(path, {}, { incoming: { socket: { remoteAddress: ip, remoteFamily: 'IPv4' } } });

/** A fresh VCU subject with a live week-2 link. */
async function linkFor(visit = 'week2') {
  const s = await enrolSubject(web.registry.deps, VCU_COORDINATOR, {
    siteId: 'VCU',
    answers: ENROLMENT,
    identity: { family_name: 'Quixotica', given_name: 'Zelda', birth_date: '1948-06-01', mrn: 'MRN-777123' },
  });
  const link = await createLink(web.registry.deps, VCU_COORDINATOR, { studyId: s.studyId, visit });
  return { ...link, studyId: s.studyId };
}

/** A patient browser that has opened a fresh link. */
async function opened() {
  const link = await linkFor();
  const p = patient();
  const res = await p.get(`/p/${link.token}`);
  expect(res.status).toBe(303);
  return { ...link, p };
}

async function drafts(linkId: number) {
  const r = await sql<{ page: string; answers: Record<string, unknown> }>`select page, answers
    from epro_draft where link_id = ${linkId} order by page`.execute(web.registry.deps.db);
  return Object.fromEntries(r.rows.map((x) => [x.page, x.answers]));
}

/** A failure page: the status, no stack trace, no internal message, and its text for more checks. */
async function refused(res: Response, status: number): Promise<string> {
  const text = await res.text();
  expect(res.status, text.slice(0, 300)).toBe(status);
  // "Error: " said by a screen reader before a field's problem (visually hidden) is the page's own word.
  expect(text).not.toMatch(/internal error|Something went wrong|\n\s+at |(?<!visually-hidden">)Error:|TypeError|syntax/i);
  return text;
}

beforeAll(async () => {
  web = await createTestWeb('2026-03-02T09:00:00.000Z', { appOrigin: ORIGIN });
  web.registry.setTime(IN_WINDOW);
});
afterAll(() => web.destroy());
afterEach(() => {
  const failed = web.logs.filter((l) => / failed: /.test(l));
  web.logs.length = 0;
  expect(failed, 'no request failed with a 500').toEqual([]);
});
beforeEach(async () => {
  await sql`delete from epro_token_failure`.execute(web.registry.deps.db);
});

describe('the token in /p/<token>', () => {
  test.each([
    ['one character', 'a'],
    ['10 kB', 'A'.repeat(10_000)],
    ['1 MB', 'B'.repeat(1_000_000)],
    ['non-UTF-8 bytes %C3%28', `${'A'.repeat(41)}%C3%28`],
    ['a lone %FF', '%FF'],
    ['encoded ../ traversal', '..%2F..%2Fetc%2Fpasswd'],
    [
      'unicode look-alikes (Cyrillic А, fullwidth Ａ)',
      encodeURIComponent(`${'А'.repeat(21)}${'Ａ'.repeat(22)}`),
    ],
    ['base64 with padding', `${'A'.repeat(42)}E%3D`],
    ['standard base64 characters + and /', `${'A'.repeat(41)}+%2F`],
    ['a stray percent', `${'A'.repeat(40)}%zz`],
  ])('%s: 404 with one clear line, nothing stored', async (_name, token) => {
    const res = await patient().get(`/p/${token}`);
    const text = await refused(res, 404);
    expect(text).toContain('This link does not work');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  test('a token with a NUL is a 404 in one line (refused for every path), nothing stored', async () => {
    for (const token of ['%00', `${'A'.repeat(20)}%00${'A'.repeat(22)}`]) {
      const res = await patient().get(`/p/${token}`);
      expect(await refused(res, 404)).toContain('There is no such page');
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });

  test('an empty token and a bare .. lead to no page, never a 500', async () => {
    await refused(await patient().get('/p/'), 404);
    expect((await patient().get('/p/..')).status).not.toBe(500);
    expect((await patient().get('/p/%2E%2E')).status).not.toBe(500);
    expect((await patient().get('/p/%2e%2e/form')).status).not.toBe(500);
  });

  test('a valid token with a padding "=" or a look-alike letter does not open its link', async () => {
    const { token } = await linkFor();
    await refused(await patient().get(`/p/${token}%3D`), 404);
    const lookAlike = token.replace(/[A-Za-z]/, (ch) => (ch === 'A' ? 'А' : 'А'));
    await refused(await patient().get(`/p/${encodeURIComponent(lookAlike)}`), 404);
    await refused(await patient().get(`/p/${token.slice(0, 42)}`), 404);
    expect((await patient().get(`/p/${token}`)).status).toBe(303);
  });

  test('guessing: 10 invalid tokens per address in 15 minutes, then 429; other addresses are not held', async () => {
    const { token } = await linkFor();
    for (let i = 0; i < 10; i++) await refused(await getFrom('198.51.100.7', `/p/guess-${i}`), 404);
    const limited = await getFrom('198.51.100.7', `/p/${token}`);
    const text = await refused(limited, 429);
    expect(limited.headers.get('retry-after')).toBe('900');
    expect(text).not.toContain(token);
    // Another address still opens its link.
    expect((await getFrom('198.51.100.8', `/p/${token}`)).status).toBe(303);
  });

  test('the guess counters are in PostgreSQL: a new app instance over the same database still says 429', async () => {
    const { token } = await linkFor();
    for (let i = 0; i < 10; i++) await getFrom('198.51.100.9', `/p/${'Z'.repeat(43 - String(i).length)}${i}`);
    const fresh = buildApp({ registry: web.registry.deps, log: () => {}, appOrigin: ORIGIN });
    const res = await fresh.request(
      `/p/${token}`,
      {},
      { incoming: { socket: { remoteAddress: '198.51.100.9', remoteFamily: 'IPv4' } } },
    );
    expect(res.status).toBe(429);
  });

  test('an IPv6 guesser is counted by its /64 network: rotating the low bits does not reset the count', async () => {
    const { token } = await linkFor();
    for (let i = 0; i < 10; i++)
      await refused(await getFrom(`2001:db8:7:1::${i + 1}`, `/p/guess-v6-${i}`), 404);
    await refused(await getFrom('2001:0db8:0007:0001:ffff:ffff:ffff:ffff', `/p/${token}`), 429);
    expect((await getFrom('2001:db8:7:2::1', `/p/${token}`)).status).toBe(303);
  });

  test('a burst of guesses at once from one address still gets at most 10 answers before the 429', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => getFrom('198.51.100.11', `/p/burst-${i}`)),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 404).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s !== 404 && s !== 429)).toEqual([]);
  });

  test('guess counters older than the window are purged, so the table does not grow without end', async () => {
    const db = web.registry.deps.db;
    await sql`insert into epro_token_failure (ip, at)
      select '203.0.113.' || g, ${new Date('2026-03-17T08:00:00Z')} from generate_series(1, 50) g`.execute(
      db,
    );
    await refused(await getFrom('198.51.100.12', '/p/one-more-guess'), 404);
    const left = await sql<{ n: string }>`select count(*) as n from epro_token_failure`.execute(db);
    expect(Number(left.rows[0]?.n)).toBe(1);
  });

  test('no token, whole or in part, reaches a log line, on any answer', async () => {
    const { token } = await linkFor();
    web.logs.length = 0;
    const tries = [token, `${token}x`, token.slice(0, 42), `${token}%00`, 'C'.repeat(10_000)];
    for (const t of tries) await patient().get(`/p/${t}`);
    for (let i = 0; i < 11; i++) await getFrom('198.51.100.10', `/p/${token.slice(0, 40)}-${i}`);
    await getFrom('198.51.100.10', `/p/${token}`);
    const logs = web.logs.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(token.slice(0, 16));
    expect(logs).not.toContain(token.slice(-16));
    expect(logs).not.toContain('CCCCCCCCCCCCCCCC');
  });
});

/** A raw POST from the patient's browser: any body, any content type. */
function rawPost(p: WebClient, path: string, body: BodyInit | null, type?: string) {
  const headers: Record<string, string> = { origin: ORIGIN };
  if (p.cookie) headers.cookie = p.cookie;
  if (type) headers['content-type'] = type;
  return web.app.request(path, { method: 'POST', body, headers });
}

describe('patient form posts', () => {
  test('a 10 MB body is refused with 413 and one line; nothing saved', async () => {
    const { p, id } = await opened();
    const res = await rawPost(
      p,
      '/p/form/problems',
      `any=yes&description=${'x'.repeat(10_000_000)}`,
      'application/x-www-form-urlencoded',
    );
    const text = await refused(res, 413);
    expect(text).toContain('too large');
    expect(await drafts(id)).toEqual({});
  });

  test.each([
    ['an empty body', '', 'application/x-www-form-urlencoded'],
    ['no body and no content type', null, undefined],
    ['JSON', JSON.stringify({ 'a.scale': 'nrs', 'a.score': '3' }), 'application/json'],
    ['plain text', 'a.scale=nrs&a.score=3', 'text/plain'],
    ['XML', '<a><score>3</score></a>', 'application/xml'],
  ])('%s on the pain page asks again in one line (422), nothing saved', async (_name, body, type) => {
    const { p, id } = await opened();
    const text = await refused(await rawPost(p, '/p/form/pain', body, type), 422);
    expect(text).toContain('Please choose an answer');
    expect(await drafts(id)).toEqual({});
  });

  test('a broken multipart body is refused in one line (422), nothing saved', async () => {
    const { p, id } = await opened();
    const body = '--x\r\nContent-Disposition: form-data; name="a.score"';
    const res = await rawPost(p, '/p/form/pain', body, 'multipart/form-data; boundary=x');
    expect(await refused(res, 422)).toContain('The form could not be read');
    expect(await drafts(id)).toEqual({});
  });

  test.each([
    ['out of range', '11'],
    ['negative', '-1'],
    ['not a number', 'seven'],
    ['huge', '1e309'],
    ['a NUL', '3\u0000'],
    ['a control character', '\u0007'],
    ['SQL', "3'; drop table response; --"],
  ])(
    'a pain score %s is refused on its page with one line naming the question; nothing saved',
    async (_n, v) => {
      const { p, id } = await opened();
      const res = await p.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': v });
      const text = await refused(res, 422);
      expect(text).toMatch(/class="error" role="alert">[^<]*(pain|Pain)/);
      expect(await drafts(id)).toEqual({});
    },
  );

  test('duplicated fields (pain=3&pain=9): the first is taken, never both, never a 500', async () => {
    const { p, id } = await opened();
    const res = await p.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': ['3', '9'] });
    expect(res.status).toBe(303);
    expect((await drafts(id)).pain).toEqual({ scale: 'nrs', score: '3' });
    const twice = await p.post('/p/form/problems', { any: ['yes', 'no'], description: ['a', 'b'] });
    expect(twice.status).not.toBe(500);
  });

  test('fields of an instrument the visit does not collect, and unknown fields, are not saved', async () => {
    const { p, id } = await opened();
    const res = await p.post('/p/form/pain', {
      'a.scale': 'nrs',
      'a.score': '4',
      'a.global_satisfaction': '5',
      'a.mme_total': '999',
      __proto__: 'x',
      constructor: 'y',
    });
    expect(res.status).toBe(303);
    expect((await drafts(id)).pain).toEqual({ scale: 'nrs', score: '4' });
    // Satisfaction is asked at week 52, not week 2: its page does not exist here.
    await refused(await p.post('/p/form/satisfaction', { 'a.satisfied': '1' }), 404);
    await refused(await p.get('/p/form/satisfaction'), 404);
    await refused(await p.post('/p/form/nosuchpage', { 'a.score': '1' }), 404);
    await refused(await p.post('/p/form/..%2F..%2Fsubmit', {}), 404);
    await refused(await p.post('/p/form/%00', {}), 404);
    await refused(await p.post(`/p/form/${'x'.repeat(5000)}`, {}), 404);
    expect(Object.keys(await drafts(id))).toEqual(['pain']);
  });

  test('a NUL in the new-problem description is refused in one line, not a 500', async () => {
    const { p, id } = await opened();
    const text = await refused(
      await p.post('/p/form/problems', { any: 'yes', description: 'before\u0000after' }),
      422,
    );
    expect(text).toContain('cannot be saved');
    expect(await drafts(id)).toEqual({});
  });

  test('100 kB of free text is cut to its limit, and an XSS payload is stored as typed and shown inert', async () => {
    const { p, id, studyId } = await opened();
    const xss = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'&';
    const long = await p.post('/p/form/problems', {
      any: 'yes',
      description: `${xss}${'y'.repeat(100_000)}`,
    });
    expect(long.status).toBe(303);
    expect(String((await drafts(id)).problems?.description).length).toBeLessThanOrEqual(2000);
    expect((await p.post('/p/form/problems', { any: 'yes', description: xss })).status).toBe(303);
    expect((await drafts(id)).problems).toEqual({ any: 'yes', description: xss });
    const html = await (await p.get('/p/form/problems')).text();
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect((await p.post('/p/submit')).status).toBe(303);
    const cora = await new WebClient(web.app, null, ORIGIN).signIn('cora.vcu');
    const staff = await (await cora.get(`/subjects/${studyId}/epro`)).text();
    expect(staff).not.toContain('<script>alert');
    expect(staff).not.toContain('<img src=x');
    expect(staff).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  test('without the patient cookie, with a forged cookie, or from another origin: refused, nothing saved', async () => {
    const { p, id } = await opened();
    const none = patient();
    await refused(await none.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '2' }), 401);
    await refused(await none.post('/p/submit'), 401);
    const forged = new WebClient(web.app, '__Host-sifreg-epro=' + 'A'.repeat(43), ORIGIN);
    await refused(await forged.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '2' }), 401);
    const junk = new WebClient(web.app, '__Host-sifreg-epro=%00%FF' + 'x'.repeat(5000), ORIGIN);
    await refused(await junk.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '2' }), 401);
    const elsewhere = new WebClient(web.app, p.cookie, 'https://evil.example');
    await refused(await elsewhere.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '2' }), 403);
    expect(await drafts(id)).toEqual({});
  });

  test("another link's cookie writes only to that other link", async () => {
    const a = await opened();
    const b = await opened();
    const asB = new WebClient(web.app, b.p.cookie, ORIGIN);
    expect((await asB.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '8' })).status).toBe(303);
    expect(await drafts(a.id)).toEqual({});
    expect((await drafts(b.id)).pain).toEqual({ scale: 'nrs', score: '8' });
  });

  test('after submit the pages are read-only; after revoke they are closed; nothing changes', async () => {
    const s = await opened();
    await s.p.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '5' });
    expect((await s.p.post('/p/submit')).headers.get('location')).toBe('/p/done');
    const after = await s.p.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '0' });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/p/done');
    expect((await drafts(s.id)).pain).toEqual({ scale: 'nrs', score: '5' });
    expect((await s.p.post('/p/submit')).headers.get('location')).toBe('/p/done');

    const r = await opened();
    await r.p.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '5' });
    await revokeLink(web.registry.deps, VCU_COORDINATOR, { studyId: r.studyId, visit: 'week2' });
    await refused(await r.p.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '1' }), 410);
    await refused(await r.p.post('/p/submit'), 410);
    expect((await drafts(r.id)).pain).toEqual({ scale: 'nrs', score: '5' });
    const recorded = await web.registry.deps.db
      .selectFrom('response')
      .select('id')
      .where('study_id', '=', r.studyId)
      .where('visit', '=', 'week2')
      .execute();
    expect(recorded).toEqual([]);
  });
});
const ODI_ANSWERS = Object.fromEntries(
  ['s1_pain_intensity', 's2_personal_care', 's3_lifting', 's4_walking', 's5_sitting'].map((id) => [
    `a.${id}`,
    '1',
  ]),
);

describe('double submit', () => {
  test('two submits at once with one session: one records, the other sees the thank-you; no duplicate form', async () => {
    const s = await opened();
    await s.p.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '4' });
    await s.p.post('/p/form/odi', ODI_ANSWERS);
    await s.p.post('/p/form/problems', { any: 'yes', description: 'Swollen ankle' });
    const [one, two] = await Promise.all([s.p.post('/p/submit'), s.p.post('/p/submit')]);
    for (const res of [one, two]) {
      expect(res.status, await res.clone().text()).toBe(303);
      expect(res.headers.get('location')).toBe('/p/done');
    }
    const rows = await web.registry.deps.db
      .selectFrom('response')
      .select(['instrument'])
      .where('study_id', '=', s.studyId)
      .where('visit', '=', 'week2')
      .orderBy('instrument')
      .execute();
    expect(rows.map((r) => r.instrument)).toEqual(['odi', 'pain']);
    const candidates = await sql`select id from epro_ae_candidate where link_id = ${s.id}`.execute(
      web.registry.deps.db,
    );
    expect(candidates.rows).toHaveLength(1);
    const submits = await sql`select id from audit_event where action = 'epro.submit'
      and after->>'link' = ${String(s.id)}`.execute(web.registry.deps.db);
    expect(submits.rows).toHaveLength(1);
  });
});

describe('the year-of-birth guard', () => {
  test.each([
    ['a NUL', '1948\u0000'],
    ['10 kB', '1'.repeat(10_000)],
    ['markup', '<script>alert(1)</script>'],
    ['SQL', "1948' or '1'='1"],
    ['a duplicated field', ['1950', '1948']],
  ])('%s is a wrong year in one line (422), counted, and echoed inert', async (_n, year) => {
    await setYearCheck(web.registry.deps, SYSTEM_ACTOR, 'VCU', true);
    try {
      const { p, id } = await opened();
      const text = await refused(await p.post('/p/year', { year }), 422);
      expect(text).toContain('does not match');
      expect(text).not.toContain('<script>alert');
      const r = await sql<{
        year_failures: number;
      }>`select year_failures from epro_link where id = ${id}`.execute(web.registry.deps.db);
      expect(r.rows[0]?.year_failures).toBe(1);
      expect((await p.get('/p/form')).headers.get('location')).toBe('/p/year');
    } finally {
      await setYearCheck(web.registry.deps, SYSTEM_ACTOR, 'VCU', false);
    }
  });
});

describe('a page saved while the questionnaire is being sent', () => {
  test('a save that read the session before the submit committed does not overwrite what was sent', async () => {
    const s = await opened();
    await s.p.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '5' });
    await s.p.post('/p/form/problems', { any: 'yes', description: 'Dizzy' });
    const cookie = decodeURIComponent(String(s.p.cookie?.split('=')[1]));
    const deps = web.registry.deps;
    const stale = await loadPatientSession(deps, cookie);
    if (!stale) throw new Error('no patient session');
    expect(await submitLink(deps, stale)).toBe('recorded');
    await expect(saveDraft(deps, stale, 'problems', { any: 'no', description: '' })).rejects.toThrow(
      /closed/,
    );
    expect((await drafts(s.id)).problems).toEqual({ any: 'yes', description: 'Dizzy' });
  });

  test('a save that arrives while the submit holds the link waits for it, then is refused', async () => {
    const s = await opened();
    await s.p.post('/p/form/problems', { any: 'yes', description: 'Dizzy' });
    const cookie = decodeURIComponent(String(s.p.cookie?.split('=')[1]));
    const deps = web.registry.deps;
    const stale = await loadPatientSession(deps, cookie);
    if (!stale) throw new Error('no patient session');
    let save: Promise<unknown> = Promise.resolve();
    await deps.db.transaction().execute(async (trx) => {
      await sql`select id from epro_link where id = ${s.id} for update`.execute(trx);
      await sql`update epro_link set submitted_at = ${deps.clock()} where id = ${s.id}`.execute(trx);
      save = saveDraft(deps, stale, 'problems', { any: 'no', description: '' }).catch((e: Error) => e);
      await new Promise((r) => setTimeout(r, 200));
    });
    expect(String(await save)).toMatch(/closed/);
    expect((await drafts(s.id)).problems).toEqual({ any: 'yes', description: 'Dizzy' });
  });
});
