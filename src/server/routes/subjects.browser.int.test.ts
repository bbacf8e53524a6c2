// Enrolment, the subject page and the reports page in Debian's Chromium: every control found by its
// label, axe-core finds no WCAG A/AA violation, and with the CSP enforced nothing is refused (the
// trajectory charts carry no inline style).
import { type ServerType, serve } from '@hono/node-server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
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
import { ODI_SECTIONS } from '../../instruments/index.js';
import { recordResponse } from '../../registry/index.js';

describe.skipIf(!HAVE_CHROMIUM)('enrolment, the subject page and reports in a browser', () => {
  let web: Awaited<ReturnType<typeof createTestWeb>>;
  let server: ServerType;
  let browser: Browser;
  let base: string;
  const violations: Record<string, string[]> = {};
  const refused: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    web = await createTestWeb('2026-03-02T09:00:00.000Z', { appOrigin: base });
    server = serve({ fetch: web.app.fetch, port, hostname: '127.0.0.1' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await web?.destroy();
  });

  /** A signed-in page; `bypassCSP` only where axe-core is injected (the CSP refuses its script tag). */
  async function signedIn(
    username: string,
    bypassCSP: boolean,
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ bypassCSP, viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
    });
    await signInPage(page, base, username, STAFF_PASSWORD);
    return { context, page };
  }

  async function look(page: Page, name: string) {
    await screenshot(page, name);
    violations[name] = await axeViolations(page);
  }

  test('a coordinator enrols a participant, fixing a validation error on the way', async () => {
    const { context, page } = await signedIn('cora.vcu', true);
    await page.goto(`${base}/subjects/new`);
    await page.getByLabel('Given name').fill('Grace <b>Hopper</b>');
    await page.getByLabel('Family name').fill('Hopper');
    await page.getByLabel('Medical record number (MRN)').fill('MRN-77');
    await page.getByLabel('Date of birth').fill('1940-12-09');
    await page.getByLabel('E-mail').fill('grace@');
    await page.getByLabel('Sex (optional)').selectOption('female');
    await page.getByLabel('Year of birth (optional)').fill('1940');
    await page.getByLabel('Index date (planned or actual procedure day) (optional)').fill('2026-02-03');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Enrol' }).click()]);
    const summary = await page.getByRole('alert').textContent();
    expect(summary).toContain('E-mail');
    await look(page, 'subjects-01-enrol-error');
    // The summary links to the field.
    await page.getByRole('link', { name: /E-mail:/ }).click();
    expect(await page.evaluate(() => location.hash)).toBe('#identity-email');
    await page.getByLabel('E-mail').fill('grace@example.org');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Enrol' }).click()]);
    expect(await page.getByRole('alert').textContent()).toContain('Date of consent');
    await page.getByLabel('Date of consent').fill('2026-02-01');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Enrol' }).click()]);
    expect(page.url()).toBe(`${base}/subjects/VCU-0001?enrolled=1`);
    expect(await page.getByRole('status').textContent()).toContain('VCU-0001 is enrolled.');
    expect(await page.locator('#identifiers').count()).toBe(1);
    await context.close();
  });

  test('the subject page: timeline, trajectories with the MCID line, forms, adverse events, medications', async () => {
    const deps = web.registry.deps;
    const actor = { username: 'cora.vcu', role: 'coordinator' as const, siteId: 'VCU' };
    const studyId = 'VCU-0001';
    const pain = [
      ['baseline', 8],
      ['post30min', 5],
      ['week2', 4],
    ] as const;
    for (const [visit, score] of pain) {
      await recordResponse(deps, actor, {
        studyId,
        visit,
        instrument: 'pain',
        answers: { scale: 'nrs', score },
      });
    }
    const odi = (v: string) => Object.fromEntries(ODI_SECTIONS.map(([id]) => [id, [v]]));
    await recordResponse(deps, actor, { studyId, visit: 'baseline', instrument: 'odi', answers: odi('3') });
    await recordResponse(deps, actor, { studyId, visit: 'week2', instrument: 'odi', answers: odi('1') });
    await recordResponse(deps, actor, {
      studyId,
      visit: 'week2',
      instrument: 'adverse_event',
      answers: { term: 'radiculopathy', onset_date: '2026-02-10', reported_by: 'clinician', serious: false },
    });
    await recordResponse(deps, actor, {
      studyId,
      visit: 'week2',
      instrument: 'analgesic',
      answers: { drug: 'oxycodone', strength: 5, unit: 'mg', route: 'oral', doses_per_day: 2 },
    });
    const { context, page } = await signedIn('cora.vcu', true);
    await page.goto(`${base}/subjects/${studyId}`);
    expect(await page.getByRole('img', { name: /MCID line at 6 / }).count()).toBe(1);
    // ODI 60% at baseline: the MCID line at 50.
    expect(await page.getByRole('img', { name: /MCID line at 50 / }).count()).toBe(1);
    expect(await page.getByRole('link', { name: /Adverse event/ }).count()).toBeGreaterThanOrEqual(1);
    await look(page, 'subjects-02-subject-page');
    await context.close();
  });

  test('the monitor sees the same subject without identifiers', async () => {
    const { context, page } = await signedIn('mona.monitor', true);
    await page.goto(`${base}/subjects/VCU-0001`);
    expect(await page.locator('#identifiers').count()).toBe(0);
    expect(await page.content()).not.toContain('Hopper');
    await look(page, 'subjects-03-subject-monitor');
    await page.goto(`${base}/reports`);
    await look(page, 'reports-01-monitor');
    await context.close();
  });

  test('the coordinator’s reports page', async () => {
    const { context, page } = await signedIn('cora.vcu', true);
    await page.goto(`${base}/reports`);
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Tidy CSV of VCU' }).click();
    expect((await download).suggestedFilename()).toBe('tidy-VCU-2026-03-02.csv');
    await look(page, 'reports-02-coordinator');
    await context.close();
  });

  test('with the CSP enforced, the pages load without a refusal', async () => {
    const { context, page } = await signedIn('cora.vcu', false);
    for (const path of ['/subjects/new', '/subjects/VCU-0001', '/reports']) {
      await page.goto(`${base}${path}`);
      await page.waitForLoadState('load');
    }
    expect(refused).toEqual([]);
    await context.close();
  });

  test('axe-core finds no WCAG A/AA violation on any page looked at', () => {
    expect(violations).toEqual(Object.fromEntries(Object.keys(violations).map((k) => [k, []])));
  });
});
