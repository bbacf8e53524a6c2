import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestWeb } from '../../../test/helpers/web.js';
import { type Actor, enrolSubject, raiseQuery, recordResponse } from '../../registry/index.js';

const VCU_COORDINATOR: Actor = { username: 'cora.vcu', role: 'coordinator', siteId: 'VCU' };
const APMSS_COORDINATOR: Actor = { username: 'cole.apmss', role: 'coordinator', siteId: 'APMSS' };
const MONITOR: Actor = { username: 'mona.monitor', role: 'monitor', siteId: null };

describe('the dashboard, grid and worklist pages', () => {
  let web: Awaited<ReturnType<typeof createTestWeb>>;
  let vcu: string;
  let apmss: string;
  beforeAll(async () => {
    web = await createTestWeb('2026-03-02T09:00:00.000Z');
    const deps = web.registry.deps;
    // Treated on 16 February: week 2 (window 27 Feb – 5 Mar) is in its window on 2 March.
    ({ studyId: vcu } = await enrolSubject(deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: { consent_date: '2026-02-10', index_date: '2026-02-16' },
    }));
    const procedure = await recordResponse(deps, VCU_COORDINATOR, {
      studyId: vcu,
      visit: 'procedure',
      instrument: 'procedure',
      answers: { procedure_date: '2026-02-16', sides: 'bilateral' },
    });
    await raiseQuery(deps, MONITOR, { responseId: procedure.id, item: 'sides', text: 'Both sides?' });
    ({ studyId: apmss } = await enrolSubject(deps, APMSS_COORDINATOR, {
      siteId: 'APMSS',
      answers: { consent_date: '2026-02-20', index_date: '2026-03-10' },
    }));
  });
  afterAll(() => web.destroy());

  test('the grid shows the own site only, each cell a state linked to its visit', async () => {
    const cora = await web.as('cora.vcu');
    const res = await cora.get('/subjects');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain(`href="/subjects/${vcu}"`);
    expect(html).not.toContain(apmss);
    expect(html).toContain(
      `href="/subjects/${vcu}/visits/week2"><span class="state state-in-window">In window</span>`,
    );
    expect(html).toContain('<span class="state state-open-query">Open query</span>');
    for (const id of ['grid-state', 'grid-visit', 'grid-sort']) expect(html).toContain(`<label for="${id}"`);
  });

  test('the monitor sees every site; the filter keeps the rows in that state', async () => {
    const mona = await web.as('mona.monitor');
    const all = await (await mona.get('/subjects?sort=next_due')).text();
    expect(all).toContain(vcu);
    expect(all).toContain(apmss);
    const inWindow = await (await mona.get('/subjects?state=in_window&visit=week2')).text();
    expect(inWindow).toContain(vcu);
    expect(inWindow).not.toContain(`href="/subjects/${apmss}"`);
    const bad = await mona.get('/subjects?state=sleeping');
    expect(bad.status).toBe(422);
  });

  test('worklists: the due list links to the form that clears it; an unknown list is 404', async () => {
    const cora = await web.as('cora.vcu');
    const index = await (await cora.get('/worklists')).text();
    expect(index).toContain('href="/worklists/due">Visits due this week</a> (1)');
    const due = await (await cora.get('/worklists/due')).text();
    expect(due).toContain(`href="/subjects/${vcu}/visits/week2/forms/pain/1"`);
    const queries = await (await cora.get('/worklists/queries')).text();
    expect(queries).toContain(vcu);
    const unsigned = await (await cora.get('/worklists/unsigned')).text();
    expect(unsigned).toContain(`href="/subjects/${vcu}/visits/procedure/forms/procedure/1"`);
    expect((await cora.get('/worklists/nothing')).status).toBe(404);
    const cole = await web.as('cole.apmss');
    expect(await (await cole.get('/worklists/due')).text()).not.toContain(vcu);
  });

  test('the dashboard: counts, KPI bands and completeness for the own site', async () => {
    const cora = await web.as('cora.vcu');
    const res = await cora.get('/dashboard');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('1 open query<');
    expect(html).toContain('1 unsigned procedure or adverse event<');
    expect(html).toContain('DXA done within 12 weeks');
    expect(html).not.toContain('APMSS)');
  });

  test('the admin and the statistician are not let in', async () => {
    for (const user of ['ada.admin', 'stan.stats']) {
      const client = await web.as(user);
      for (const path of ['/dashboard', '/subjects', '/worklists', '/worklists/due']) {
        expect((await client.get(path)).status, `${user} ${path}`).toBe(403);
      }
    }
  });
});
