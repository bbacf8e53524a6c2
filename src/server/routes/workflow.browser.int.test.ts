// The clinical workflow in Debian's Chromium, by keyboard: the monitor raises a query from the
// form's review, the coordinator answers it with an amendment, the investigator signs with the
// password (a wrong one first) and the monitor verifies the visit; axe-core finds no WCAG A/AA
// violation on the review, query, queries, visit review and audit trail pages.
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
import { enrolSubject, recordResponse, SYSTEM_ACTOR } from '../../registry/index.js';

const ENROLMENT = { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' };

describe.skipIf(!HAVE_CHROMIUM)('the clinical workflow in a browser', () => {
  let web: Awaited<ReturnType<typeof createTestWeb>>;
  let server: ServerType;
  let browser: Browser;
  let page: Page;
  let base: string;
  let responseId: number;
  const violations: Record<string, string[]> = {};

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    web = await createTestWeb('2026-03-20T09:00:00.000Z', { appOrigin: base });
    await enrolSubject(web.registry.deps, SYSTEM_ACTOR, { siteId: 'VCU', answers: ENROLMENT });
    const pain = await recordResponse(web.registry.deps, SYSTEM_ACTOR, {
      studyId: 'VCU-0001',
      visit: 'week2',
      instrument: 'pain',
      answers: { scale: 'nrs', score: 8 },
    });
    responseId = pain.id;
    server = serve({ fetch: web.app.fetch, port, hostname: '127.0.0.1' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await web?.destroy();
  });

  /** A fresh browser context signed in as the user (axe goes in by addScriptTag: CSP bypassed). */
  async function signIn(username: string) {
    page = await (await browser.newContext({ bypassCSP: true })).newPage();
    await signInPage(page, base, username, STAFF_PASSWORD);
  }

  /** Presses a submit button from the keyboard and waits for the page it leads to. */
  async function submit(name: string) {
    await page.getByRole('button', { name, exact: true }).focus();
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  }

  async function look(name: string) {
    await screenshot(page, name);
    violations[name] = await axeViolations(page);
  }

  test('the monitor raises a query on the pain score from the form’s review', async () => {
    await signIn('mona.monitor');
    await page.goto(`${base}/forms/${responseId}`);
    await look('workflow-01-review-monitor');
    await page.getByLabel('Item').selectOption('score');
    await page.getByLabel('Query text').fill('Score 8 at week 2: please check the source');
    // Another site's coordinator cannot be assigned: the refusal shows beside the field.
    await page.getByLabel('Assign to (username, optional)').fill('cole.apmss');
    await submit('Raise the query');
    expect(await page.getByRole('alert').textContent()).toContain('cole.apmss is not a coordinator');
    await look('workflow-02-raise-error');
    await page.getByLabel('Assign to (username, optional)').fill('cora.vcu');
    await submit('Raise the query');
    expect(await page.getByRole('status').textContent()).toContain('The query is raised.');
  });

  test('the coordinator answers it with an amendment', async () => {
    await signIn('cora.vcu');
    await page.goto(`${base}/queries?mine=1`);
    await look('workflow-03-queries-mine');
    await page.getByRole('link', { name: /^Query \d+$/ }).click();
    await look('workflow-04-query');
    await page
      .getByRole('textbox', { name: 'Answer', exact: true })
      .fill('Transcription error: the source says 3');
    await page.getByLabel('New value (leave empty to keep the value)').fill('3');
    await submit('Send the answer');
    expect(await page.getByRole('status').textContent()).toContain('Your answer is sent.');
  });

  test('the monitor closes it; the investigator signs with the password, a wrong one first', async () => {
    await signIn('mona.monitor');
    await page.goto(`${base}/queries?status=answered`);
    await page.getByRole('link', { name: /^Query \d+$/ }).click();
    await submit('Close the query');
    await signIn('ivan.vcu');
    await page.goto(`${base}/forms/${responseId}`);
    await page.getByLabel('Your password').fill('not my password');
    await submit('Sign');
    expect(await page.getByRole('alert').textContent()).toContain('not correct; nothing was signed');
    await look('workflow-05-sign-error');
    await page.getByLabel('Your password').fill(STAFF_PASSWORD);
    await submit('Sign');
    expect(await page.getByRole('status').textContent()).toContain('The form is signed.');
    await look('workflow-06-signed');
  });

  test('the monitor verifies the visit in bulk; the admin reads the audit trail', async () => {
    await signIn('mona.monitor');
    await page.goto(`${base}/review?visit=week2`);
    await page.getByLabel(/VCU-0001 pain/).check();
    await submit('Mark verified');
    expect(await page.getByRole('status').textContent()).toContain('1 form marked verified.');
    await look('workflow-07-visit-review');
    await signIn('ada.admin');
    await page.goto(`${base}/audit`);
    await page.getByLabel('Subject (study id)').fill('VCU-0001');
    await submit('Filter');
    expect(await page.locator('table').textContent()).toContain('response.sign');
    await look('workflow-08-audit');
  });

  test('axe-core: no WCAG A/AA violation on any workflow page', () => {
    expect(violations).toEqual(Object.fromEntries(Object.keys(violations).map((k) => [k, []])));
  });
});
