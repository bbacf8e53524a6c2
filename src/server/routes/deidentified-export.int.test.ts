import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditsOf, enrolWithForm } from '../../../test/helpers/cohort.js';
import { createTestWeb } from '../../../test/helpers/web.js';

describe('the de-identified export on the web (/exports/deidentified.csv)', () => {
  let web: Awaited<ReturnType<typeof createTestWeb>>;
  const audits = () => auditsOf(web.registry.deps.db, 'export.deidentified');
  const shiftOf = async (studyId: string) =>
    (
      await web.registry.deps.db
        .selectFrom('subject')
        .select('date_shift_days')
        .where('study_id', '=', studyId)
        .executeTakeFirstOrThrow()
    ).date_shift_days;

  beforeAll(async () => {
    web = await createTestWeb();
    await enrolWithForm(
      web.registry.deps,
      [
        ['VCU', 'cora.vcu'],
        ['APMSS', 'cole.apmss'],
      ],
      (site) => ({
        visit: 'procedure',
        instrument: 'procedure',
        answers: { procedure_date: '2026-02-05', sides: 'bilateral', operator: `Dr Hidden-${site}` },
      }),
    );
  });
  afterAll(() => web.destroy());

  test.each([
    ['stan.stats', 'all sites'],
    ['mona.monitor', 'all sites'],
    ['cora.vcu', 'VCU'],
    ['ivan.vcu', 'VCU'],
  ])('the reports page offers %s the de-identified export (%s)', async (user, scope) => {
    const html = await (await (await web.as(user)).get('/reports')).text();
    expect(html).toContain('href="/exports/deidentified.csv"');
    expect(html).toContain(`De-identified CSV (${scope})`);
  });

  test('the statistician downloads every site, dates shifted, no free text or identifier, as an audit event', async () => {
    const stan = await web.as('stan.stats');
    const res = await stan.get('/exports/deidentified.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename="deidentified-all-sites-2026-03-02.csv"',
    );
    expect(res.headers.get('cache-control')).toBe('no-store');
    const csv = await res.text();
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('study_id,site,visit,instrument,instance,item,value');
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0]))).toEqual(new Set(['VCU-0001', 'APMSS-0001']));
    for (const secret of ['Secret-', 'MRN-', 'Hidden-', ',operator,']) expect(csv).not.toContain(secret);
    for (const id of ['VCU-0001', 'APMSS-0001']) {
      const shift = await shiftOf(id);
      const consent = lines
        .find((l) => l.startsWith(`${id},`) && l.includes(',consent_date,'))!
        .split(',')[6]!;
      const procedure = lines
        .find((l) => l.startsWith(`${id},`) && l.includes(',procedure_date,'))!
        .split(',')[6]!;
      expect(consent).toBe(
        new Date(Date.parse('2026-02-01') + shift * 86_400_000).toISOString().slice(0, 10),
      );
      expect((Date.parse(procedure) - Date.parse(consent)) / 86_400_000).toBe(4);
    }
    expect(await audits()).toEqual([{ actor: 'stan.stats', site_id: null, entity_id: 'deidentified' }]);
  });

  test('a VCU coordinator takes VCU alone', async () => {
    const res = await (await web.as('cora.vcu')).get('/exports/deidentified.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename="deidentified-VCU-2026-03-02.csv"',
    );
    const lines = (await res.text()).trim().split('\n').slice(1);
    expect(new Set(lines.map((l) => l.split(',')[0]))).toEqual(new Set(['VCU-0001']));
    expect((await audits()).at(-1)).toEqual({ actor: 'cora.vcu', site_id: 'VCU', entity_id: 'deidentified' });
  });

  test('the admin may not take it (403), and nothing is audited', async () => {
    const before = (await audits()).length;
    expect((await (await web.as('ada.admin')).get('/exports/deidentified.csv')).status).toBe(403);
    expect((await audits()).length).toBe(before);
  });

  test('without a session, the download sends to sign-in', async () => {
    const res = await web.client().get('/exports/deidentified.csv');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?next=%2Fexports%2Fdeidentified.csv');
  });
});
