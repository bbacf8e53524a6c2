import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditsOf, enrolWithForm } from '../../../test/helpers/cohort.js';
import { createTestWeb, STAFF_PASSWORD } from '../../../test/helpers/web.js';
import { addUser, exportTidy, SYSTEM_ACTOR } from '../../registry/index.js';

describe('reports and exports', () => {
  let web: Awaited<ReturnType<typeof createTestWeb>>;
  const audits = (action: string) => auditsOf(web.registry.deps.db, action);

  beforeAll(async () => {
    web = await createTestWeb();
    await enrolWithForm(
      web.registry.deps,
      [
        ['VCU', 'cora.vcu'],
        ['VCU', 'cora.vcu'],
        ['APMSS', 'cole.apmss'],
      ],
      () => ({ visit: 'baseline', instrument: 'pain', answers: { scale: 'nrs', score: 7 } }),
    );
  });
  afterAll(() => web.destroy());

  test.each([
    ['stan.stats', true, false],
    ['mona.monitor', true, false],
    ['cora.vcu', false, true],
    ['ivan.vcu', false, true],
  ])(
    'the reports page offers %s the study report (%s) and the tidy export (%s)',
    async (user, report, tidy) => {
      const client = await web.as(user);
      const res = await client.get('/reports');
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html.includes('href="/reports/study.pdf"')).toBe(report);
      expect(html.includes('href="/reports/study.json"')).toBe(report);
      expect(html.includes('href="/exports/tidy.csv"')).toBe(tidy);
    },
  );

  test('the admin has no reports (403)', async () => {
    const ada = await web.as('ada.admin');
    expect((await ada.get('/reports')).status).toBe(403);
  });

  test('the statistician downloads the study report as JSON and HTML, each an audit event', async () => {
    const stan = await web.as('stan.stats');
    const json = await stan.get('/reports/study.json');
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toContain('application/json');
    expect(json.headers.get('content-disposition')).toBe(
      'attachment; filename="study-report-2026-03-02.json"',
    );
    const report = (await json.json()) as { meta: { n_subjects: number }; outcomes: { pain: unknown } };
    expect(report.meta.n_subjects).toBe(3);
    expect(report.outcomes.pain).toBeDefined();
    const html = await stan.get('/reports/study.html');
    expect(html.status).toBe(200);
    expect(html.headers.get('content-disposition')).toBe(
      'attachment; filename="study-report-2026-03-02.html"',
    );
    const body = await html.text();
    expect(body).toMatch(/^<!doctype html>/i);
    // Aggregates only: no identifier is in the report.
    for (const secret of ['Secret-VCU', 'MRN-VCU', 'Secret-APMSS']) expect(body).not.toContain(secret);
    expect((await audits('report.generate')).map((a) => [a.actor, a.entity_id])).toEqual([
      ['stan.stats', 'json'],
      ['stan.stats', 'html'],
    ]);
  });

  test.skipIf(!existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'))(
    'the monitor downloads the study report as PDF',
    async () => {
      const mona = await web.as('mona.monitor');
      const res = await mona.get('/reports/study.pdf');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      expect(res.headers.get('content-disposition')).toBe(
        'attachment; filename="study-report-2026-03-02.pdf"',
      );
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(new TextDecoder().decode(bytes.slice(0, 5))).toBe('%PDF-');
      expect((await audits('report.generate')).at(-1)).toMatchObject({
        actor: 'mona.monitor',
        entity_id: 'pdf',
      });
    },
    60_000,
  );

  test.each([['cora.vcu'], ['ivan.vcu'], ['ada.admin']])(
    '%s may not download the cross-site study report (403), and nothing is audited',
    async (user) => {
      const before = (await audits('report.generate')).length;
      const client = await web.as(user);
      for (const ext of ['html', 'pdf', 'json'])
        expect((await client.get(`/reports/study.${ext}`)).status).toBe(403);
      expect((await audits('report.generate')).length).toBe(before);
    },
  );

  test('an unknown report format is not found', async () => {
    const stan = await web.as('stan.stats');
    expect((await stan.get('/reports/study.docx')).status).toBe(404);
  });

  test('a VCU coordinator streams the tidy export of VCU alone, without identifiers, as an audit event', async () => {
    const cora = await web.as('cora.vcu');
    const res = await cora.get('/exports/tidy.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="tidy-VCU-2026-03-02.csv"');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const csv = await res.text();
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('study_id,site,visit,instrument,instance,item,value');
    const ids = new Set(lines.slice(1).map((l) => l.split(',')[0]));
    expect([...ids].sort()).toEqual(['VCU-0001', 'VCU-0002']);
    for (const secret of ['Secret', 'MRN-']) expect(csv).not.toContain(secret);
    expect(await audits('export.tidy')).toEqual([{ actor: 'cora.vcu', site_id: 'VCU', entity_id: 'tidy' }]);
  });

  test('a download cut off midway is still an audit event, marked incomplete', async () => {
    const before = (await audits('export.tidy')).length;
    const actor = { username: 'ivan.vcu', role: 'investigator' as const, siteId: 'VCU' };
    let chunks = 0;
    // The reader goes away after the header line, as a browser that cancels the download.
    const gone = exportTidy(web.registry.deps, actor, () => {
      if (++chunks > 1) throw new Error('the reader has gone');
    });
    await expect(gone).rejects.toThrow('the reader has gone');
    const events = await web.registry.deps.db
      .selectFrom('audit_event')
      .select(['actor', 'site_id', 'after'])
      .where('action', '=', 'export.tidy')
      .orderBy('id')
      .execute();
    expect(events.length).toBe(before + 1);
    expect(events.at(-1)).toMatchObject({ actor: 'ivan.vcu', site_id: 'VCU', after: { complete: false } });
  });

  test.each([['mona.monitor'], ['stan.stats'], ['ada.admin']])(
    '%s may not take the site tidy export (403)',
    async (user) => {
      const client = await web.as(user);
      expect((await client.get('/exports/tidy.csv')).status).toBe(403);
    },
  );

  test('a refusal inside the export comes before any byte: an error page, not a broken download', async () => {
    // A coordinator whose site membership was removed while signed in reaches no site's data.
    await addUser(web.registry.deps, SYSTEM_ACTOR, {
      username: 'cleo.vcu',
      role: 'coordinator',
      siteId: 'VCU',
      password: STAFF_PASSWORD,
    });
    const { userId } = await web.registry.deps.db
      .selectFrom('app_user')
      .select('id as userId')
      .where('username', '=', 'cleo.vcu')
      .executeTakeFirstOrThrow();
    const cleo = await web.as('cleo.vcu');
    await web.registry.deps.db.deleteFrom('user_site').where('user_id', '=', userId).execute();
    const before = (await audits('export.tidy')).length;
    const res = await cleo.get('/exports/tidy.csv');
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-disposition')).toBeNull();
    expect(await res.text()).toContain('<h1>Not allowed</h1>');
    expect((await audits('export.tidy')).length).toBe(before);
    const page = await (await cleo.get('/reports')).text();
    expect(page).toContain('Your role has no reports or exports at the active site.');
    expect(page).not.toContain('href="/exports/tidy.csv"');
  });

  test('without a session, a download sends to sign-in', async () => {
    const res = await web.client().get('/exports/tidy.csv');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?next=%2Fexports%2Ftidy.csv');
  });
});
