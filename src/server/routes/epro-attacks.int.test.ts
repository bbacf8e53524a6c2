import { describe, expect, test } from 'vitest';
import { EPRO_ORIGIN } from '../../../test/helpers/epro.js';
import { refused, useEproAttackWeb } from '../../../test/helpers/epro-web.js';
import { VCU_COORDINATOR } from '../../../test/helpers/registry.js';
import { WebClient } from '../../../test/helpers/web.js';
import { revokeLink } from '../../registry/index.js';

const attack = useEproAttackWeb();

/*
 * What an outsider can send to the patient pages: bodies of every size and kind, answers out of
 * range, dates that do not exist, control characters, markup, forged cookies and origins. Each is
 * refused with one clear line and the right status, never a 500, and nothing is half-written.
 */

/** A raw POST from the patient's browser: any body, any content type. */
function rawPost(p: WebClient, path: string, body: BodyInit | null, type?: string) {
  const headers: Record<string, string> = { origin: EPRO_ORIGIN };
  if (p.cookie) headers.cookie = p.cookie;
  if (type) headers['content-type'] = type;
  return attack.web.app.request(path, { method: 'POST', body, headers });
}

describe('patient form posts', () => {
  test('a 10 MB body is refused with 413 and one line; nothing saved', async () => {
    const { p, id } = await attack.opened();
    const res = await rawPost(
      p,
      '/p/form/problems',
      `any=yes&description=${'x'.repeat(10_000_000)}`,
      'application/x-www-form-urlencoded',
    );
    const text = await refused(res, 413);
    expect(text).toContain('too large');
    expect(await attack.drafts(id)).toEqual({});
  });

  test.each([
    ['an empty body', '', 'application/x-www-form-urlencoded'],
    ['no body and no content type', null, undefined],
    ['JSON', JSON.stringify({ 'a.scale': 'nrs', 'a.score': '3' }), 'application/json'],
    ['plain text', 'a.scale=nrs&a.score=3', 'text/plain'],
    ['XML', '<a><score>3</score></a>', 'application/xml'],
  ])('%s on the pain page asks again in one line (422), nothing saved', async (_name, body, type) => {
    const { p, id } = await attack.opened();
    const text = await refused(await rawPost(p, '/p/form/pain', body, type), 422);
    expect(text).toContain('Please choose an answer');
    expect(await attack.drafts(id)).toEqual({});
  });

  test('a broken multipart body is refused in one line (422), nothing saved', async () => {
    const { p, id } = await attack.opened();
    const body = '--x\r\nContent-Disposition: form-data; name="a.score"';
    const res = await rawPost(p, '/p/form/pain', body, 'multipart/form-data; boundary=x');
    expect(await refused(res, 422)).toContain('The form could not be read');
    expect(await attack.drafts(id)).toEqual({});
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
      const { p, id } = await attack.opened();
      const res = await p.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': v });
      const text = await refused(res, 422);
      expect(text).toMatch(/class="error" role="alert">[^<]*(pain|Pain)/);
      expect(await attack.drafts(id)).toEqual({});
    },
  );

  test('duplicated fields (pain=3&pain=9): the first is taken, never both, never a 500', async () => {
    const { p, id } = await attack.opened();
    const res = await p.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': ['3', '9'] });
    expect(res.status).toBe(303);
    expect((await attack.drafts(id)).pain).toEqual({ scale: 'nrs', score: '3' });
    const twice = await p.post('/p/form/problems', { any: ['yes', 'no'], description: ['a', 'b'] });
    expect(twice.status).not.toBe(500);
  });

  test('fields of an instrument the visit does not collect, and unknown fields, are not saved', async () => {
    const { p, id } = await attack.opened();
    const res = await p.post('/p/form/pain', {
      'a.scale': 'nrs',
      'a.score': '4',
      'a.global_satisfaction': '5',
      'a.mme_total': '999',
      __proto__: 'x',
      constructor: 'y',
    });
    expect(res.status).toBe(303);
    expect((await attack.drafts(id)).pain).toEqual({ scale: 'nrs', score: '4' });
    // Satisfaction is asked at week 52, not week 2: its page does not exist here.
    await refused(await p.post('/p/form/satisfaction', { 'a.satisfied': '1' }), 404);
    await refused(await p.get('/p/form/satisfaction'), 404);
    await refused(await p.post('/p/form/nosuchpage', { 'a.score': '1' }), 404);
    await refused(await p.post('/p/form/..%2F..%2Fsubmit', {}), 404);
    await refused(await p.post('/p/form/%00', {}), 404);
    await refused(await p.post(`/p/form/${'x'.repeat(5000)}`, {}), 404);
    expect(Object.keys(await attack.drafts(id))).toEqual(['pain']);
  });

  test('a NUL in the new-problem description is refused in one line, not a 500', async () => {
    const { p, id } = await attack.opened();
    const text = await refused(
      await p.post('/p/form/problems', { any: 'yes', description: 'before\u0000after' }),
      422,
    );
    expect(text).toContain('cannot be saved');
    expect(await attack.drafts(id)).toEqual({});
  });

  test('100 kB of free text is cut to its limit, and an XSS payload is stored as typed and shown inert', async () => {
    const { p, id, studyId } = await attack.opened();
    const xss = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'&';
    const long = await p.post('/p/form/problems', {
      any: 'yes',
      description: `${xss}${'y'.repeat(100_000)}`,
    });
    expect(long.status).toBe(303);
    expect(String((await attack.drafts(id)).problems?.description).length).toBeLessThanOrEqual(2000);
    expect((await p.post('/p/form/problems', { any: 'yes', description: xss })).status).toBe(303);
    expect((await attack.drafts(id)).problems).toEqual({ any: 'yes', description: xss });
    const html = await (await p.get('/p/form/problems')).text();
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect((await p.post('/p/submit')).status).toBe(303);
    const cora = await new WebClient(attack.web.app, null, EPRO_ORIGIN).signIn('cora.vcu');
    const staff = await (await cora.get(`/subjects/${studyId}/epro`)).text();
    expect(staff).not.toContain('<script>alert');
    expect(staff).not.toContain('<img src=x');
    expect(staff).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  test('without the patient cookie, with a forged cookie, or from another origin: refused, nothing saved', async () => {
    const { p, id } = await attack.opened();
    const none = attack.patient();
    await refused(await none.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '2' }), 401);
    await refused(await none.post('/p/submit'), 401);
    const forged = new WebClient(attack.web.app, '__Host-sifreg-epro=' + 'A'.repeat(43), EPRO_ORIGIN);
    await refused(await forged.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '2' }), 401);
    const junk = new WebClient(attack.web.app, '__Host-sifreg-epro=%00%FF' + 'x'.repeat(5000), EPRO_ORIGIN);
    await refused(await junk.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '2' }), 401);
    const elsewhere = new WebClient(attack.web.app, p.cookie, 'https://evil.example');
    await refused(await elsewhere.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '2' }), 403);
    expect(await attack.drafts(id)).toEqual({});
  });

  test("another link's cookie writes only to that other link", async () => {
    const a = await attack.opened();
    const b = await attack.opened();
    const asB = new WebClient(attack.web.app, b.p.cookie, EPRO_ORIGIN);
    expect((await asB.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '8' })).status).toBe(303);
    expect(await attack.drafts(a.id)).toEqual({});
    expect((await attack.drafts(b.id)).pain).toEqual({ scale: 'nrs', score: '8' });
  });

  test('after submit the pages are read-only; after revoke they are closed; nothing changes', async () => {
    const s = await attack.opened();
    await s.p.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '5' });
    expect((await s.p.post('/p/submit')).headers.get('location')).toBe('/p/done');
    const after = await s.p.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '0' });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/p/done');
    expect((await attack.drafts(s.id)).pain).toEqual({ scale: 'nrs', score: '5' });
    expect((await s.p.post('/p/submit')).headers.get('location')).toBe('/p/done');

    const r = await attack.opened();
    await r.p.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '5' });
    await revokeLink(attack.web.registry.deps, VCU_COORDINATOR, { studyId: r.studyId, visit: 'week2' });
    await refused(await r.p.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '1' }), 410);
    await refused(await r.p.post('/p/submit'), 410);
    expect((await attack.drafts(r.id)).pain).toEqual({ scale: 'nrs', score: '5' });
    const recorded = await attack.web.registry.deps.db
      .selectFrom('response')
      .select('id')
      .where('study_id', '=', r.studyId)
      .where('visit', '=', 'week2')
      .execute();
    expect(recorded).toEqual([]);
  });
});
