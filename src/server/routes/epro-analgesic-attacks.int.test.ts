import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { VCU_COORDINATOR } from '../../../test/helpers/registry.js';
import { createTestWeb, WebClient } from '../../../test/helpers/web.js';
import { createLink, enrolSubject, recordResponse } from '../../registry/index.js';

/*
 * The patient's analgesics pages under attack: stop dates that do not exist or lie in the future or
 * the distant past, control characters and markup in free text, forged medicine keys and form
 * fields. Each is one line beside its field, never a 500, and nothing half-written.
 */

const ORIGIN = 'https://registry.example.org';
const IN_WINDOW = '2026-03-17T10:00:00.000Z';
const ENROLMENT = { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' };

let web: Awaited<ReturnType<typeof createTestWeb>>;

/** A subject whose baseline lists oxycodone 10 mg three times a day, with its week-2 link opened. */
async function opened() {
  const deps = web.registry.deps;
  const s = await enrolSubject(deps, VCU_COORDINATOR, { siteId: 'VCU', answers: ENROLMENT });
  await recordResponse(deps, VCU_COORDINATOR, {
    studyId: s.studyId,
    visit: 'baseline',
    instrument: 'analgesic',
    answers: {
      drug: 'oxycodone',
      strength: 10,
      unit: 'mg',
      route: 'oral',
      doses_per_day: 3,
      start_date: '2026-02-01',
    },
    status: 'complete',
  });
  const link = await createLink(deps, VCU_COORDINATOR, { studyId: s.studyId, visit: 'week2' });
  const p = new WebClient(web.app, null, ORIGIN);
  expect((await p.get(`/p/${link.token}`)).status).toBe(303);
  return { ...link, studyId: s.studyId, p };
}

async function draft(linkId: number) {
  const r = await sql<{ answers: Record<string, unknown> }>`select answers from epro_draft
    where link_id = ${linkId} and page = 'analgesic'`.execute(web.registry.deps.db);
  return r.rows[0]?.answers;
}

async function refused(res: Response, status: number): Promise<string> {
  const text = await res.text();
  expect(res.status, text.slice(0, 300)).toBe(status);
  expect(text).not.toMatch(/internal error|Something went wrong/i);
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

describe('the analgesics page', () => {
  test.each([
    ['an impossible day', '2026-02-30'],
    ['the far future', '9999-12-31'],
    ['tomorrow', '2026-03-19'],
    ['two centuries ago', '1800-01-01'],
    ['before the medicine was started', '2026-01-15'],
    ['not a date', 'last tuesday'],
    ['a NUL', '2026-03-12\u0000'],
    ['10 kB', '2'.repeat(10_000)],
  ])('a stop date of %s is refused beside it in one line; the page is not marked done', async (_n, day) => {
    const { p, id } = await opened();
    const res = await p.post('/p/form/analgesic', { 'carried.1': 'stopped', 'stop.1': day, action: 'save' });
    const text = await refused(res, 422);
    expect(text).toMatch(/class="field-error"[^>]*>(<[^>]*>|Error: )*[^<]*(date|stopped)/i);
    expect((await draft(id))?.done ?? false).toBe(false);
  });

  test('a real stop date up to today is kept', async () => {
    const { p, id } = await opened();
    const res = await p.post('/p/form/analgesic', {
      'carried.1': 'stopped',
      'stop.1': '2026-03-12',
      action: 'save',
    });
    expect(res.status).toBe(303);
    expect(await draft(id)).toMatchObject({
      done: true,
      carried: { 1: { answer: 'stopped', stopDate: '2026-03-12' } },
    });
  });

  test.each([['a NUL', 'before\u0000after']])(
    '%s in the free text is refused in one line, not a 500',
    async (_n, other) => {
      const { p, id } = await opened();
      const text = await refused(
        await p.post('/p/form/analgesic', { 'carried.1': 'same', other, action: 'save' }),
        422,
      );
      expect(text).toContain('cannot be saved');
      expect((await draft(id))?.done ?? false).toBe(false);
    },
  );

  test('an XSS payload and 100 kB in the free text: cut to its limit, stored as typed, shown inert', async () => {
    const { p, id } = await opened();
    const xss = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'&';
    const res = await p.post('/p/form/analgesic', {
      'carried.1': 'same',
      other: `${xss}${'y'.repeat(100_000)}`,
      action: 'save',
    });
    expect(res.status).toBe(303);
    const other = String((await draft(id))?.other);
    expect(other.startsWith(xss)).toBe(true);
    expect(other.length).toBeLessThanOrEqual(1000);
    const html = await (await p.get('/p/form/analgesic')).text();
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  test('forged answers: an unknown answer, duplicated fields, an unknown medicine instance', async () => {
    const { p, id } = await opened();
    await refused(await p.post('/p/form/analgesic', { 'carried.1': 'maybe', action: 'save' }), 422);
    await refused(
      await p.post('/p/form/analgesic', { 'carried.1': ['same', 'stopped'], action: 'save' }),
      422,
    );
    const res = await p.post('/p/form/analgesic', {
      'carried.1': 'same',
      'carried.999': 'stopped',
      'stop.999': '2026-03-01',
      action: 'save',
    });
    expect(res.status).toBe(303);
    expect(Object.keys(((await draft(id))?.carried ?? {}) as object)).toEqual(['1']);
  });

  test.each([
    ['an unknown medicine', 'fentanyl-lollipop'],
    ['markup', '<script>'],
    ['a NUL', '%00'],
    ['10 kB', 'k'.repeat(10_000)],
    ['__proto__', '__proto__'],
  ])('adding %s goes back to the list of names; nothing is added', async (_n, key) => {
    const { p, id } = await opened();
    const step = await p.post('/p/form/analgesic/add', { drug: decodeURIComponent(key) });
    expect(step.status).toBe(422);
    const direct = await p.post(`/p/form/analgesic/add/${key}`, { strength: '10', perday: '3' });
    // A NUL in the path is refused for every path (404); any other key goes back to the names.
    if (key === '%00') expect(direct.status).toBe(404);
    else expect(direct.headers.get('location')).toBe('/p/form/analgesic/add');
    expect(((await draft(id))?.added as unknown[] | undefined) ?? []).toEqual([]);
  });

  test.each([
    ['a strength not offered', { strength: '12', perday: '3' }],
    ['a negative count', { strength: '10', perday: '-1' }],
    ['a huge count', { strength: '10', perday: '1e309' }],
    ['a NUL', { strength: '10\u0000', perday: '3' }],
  ])('a new medicine with %s is asked again in one line; nothing is added', async (_n, form) => {
    const { p, id } = await opened();
    await refused(await p.post('/p/form/analgesic/add/oxycodone', form), 422);
    expect(((await draft(id))?.added as unknown[] | undefined) ?? []).toEqual([]);
  });

  test('remove with a forged index removes nothing', async () => {
    const { p, id } = await opened();
    await p.post('/p/form/analgesic/add/oxycodone', { strength: '10', perday: '3' });
    for (const remove of ['-1', '99', 'abc', '0.0', '\u0000'])
      expect((await p.post('/p/form/analgesic', { remove })).status).toBe(303);
    expect(((await draft(id))?.added as unknown[] | undefined)?.length).toBe(1);
  });
});
