// The dashboard, the participants × visits grid and the worklists in Debian's Chromium: axe-core finds
// no WCAG A/AA violation on any of them, the grid's filter works from the keyboard, and the due list
// links to the form that clears it.
import { type ServerType, serve } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  axeViolations,
  freePort,
  HAVE_CHROMIUM,
  launchBrowser,
  screenshot,
  signInPage,
} from '../../../test/helpers/browser.js';
import { createTestWeb, STAFF_PASSWORD } from '../../../test/helpers/web.js';
import { type Actor, enrolSubject, raiseQuery, recordResponse } from '../../registry/index.js';

const VCU_COORDINATOR: Actor = { username: 'cora.vcu', role: 'coordinator', siteId: 'VCU' };
const MONITOR: Actor = { username: 'mona.monitor', role: 'monitor', siteId: null };

describe.skipIf(!HAVE_CHROMIUM)('dashboard, grid and worklists in a browser', () => {
  let web: Awaited<ReturnType<typeof createTestWeb>>;
  let server: ServerType;
  let browser: Browser;
  let page: Page;
  let base: string;
  let studyId: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    web = await createTestWeb('2026-03-02T09:00:00.000Z', { appOrigin: base });
    const deps = web.registry.deps;
    ({ studyId } = await enrolSubject(deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: { consent_date: '2026-02-10', index_date: '2026-02-16' },
    }));
    const procedure = await recordResponse(deps, VCU_COORDINATOR, {
      studyId,
      visit: 'procedure',
      instrument: 'procedure',
      answers: { procedure_date: '2026-02-16', sides: 'bilateral' },
    });
    await raiseQuery(deps, MONITOR, { responseId: procedure.id, item: 'sides', text: 'Both sides?' });
    server = serve({ fetch: web.app.fetch, port, hostname: '127.0.0.1' });
    browser = await launchBrowser();
    // axe-core goes in by addScriptTag, which the registry's CSP refuses: this context bypasses it.
    page = await (await browser.newContext({ bypassCSP: true })).newPage();
    await signInPage(page, base, 'cora.vcu', STAFF_PASSWORD);
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await web?.destroy();
  });

  test('each page passes axe-core (WCAG 2.2 A/AA)', async () => {
    const found: Record<string, string[]> = {};
    for (const [name, path] of [
      ['views-dashboard', '/dashboard'],
      ['views-grid', '/subjects'],
      ['views-worklists', '/worklists'],
      ['views-worklist-due', '/worklists/due'],
      ['views-worklist-unsigned', '/worklists/unsigned'],
      ['views-worklist-queries', '/worklists/queries'],
    ] as const) {
      await page.goto(`${base}${path}`);
      await screenshot(page, name);
      found[name] = await axeViolations(page);
    }
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
  });

  test('the grid filter works from the keyboard; the due list leads to the form', async () => {
    await page.goto(`${base}/subjects`);
    await page.getByLabel('State').selectOption('in_window');
    await page.getByLabel('at visit').selectOption('week2');
    await page.getByRole('button', { name: 'Show' }).focus();
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(page.url()).toContain('state=in_window');
    expect(await page.getByRole('link', { name: studyId }).count()).toBe(1);
    await page.goto(`${base}/worklists/due`);
    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Enter pain' }).click()]);
    expect(new URL(page.url()).pathname).toBe(`/subjects/${studyId}/visits/week2/forms/pain/1`);
  });
});
