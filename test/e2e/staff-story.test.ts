// The staff web application end to end: the real `sifreg serve` on PostgreSQL, driven through
// Debian's Chromium (playwright-core), with axe-core on every page template and screenshots saved
// under test/e2e/screenshots/.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addAdminByBin } from '../helpers/bin.js';
import {
  axeViolations,
  HAVE_CHROMIUM,
  launchBrowser,
  screenshot,
  signInPage,
  startServe,
} from '../helpers/browser.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

const PASSWORD = 'sacral-cement-2026';

// Without Chromium the browser story cannot run; CI installs it (apt-get install -y chromium).
describe.skipIf(!HAVE_CHROMIUM)('the staff web application in a browser', () => {
  let db: TestDatabase;
  let serve: Awaited<ReturnType<typeof startServe>>;
  let browser: Browser;
  const checked: Record<string, string[]> = {};
  const visited: { name: string; url: string; state: Awaited<ReturnType<BrowserContext['storageState']>> }[] =
    [];

  beforeAll(async () => {
    db = await createTestDatabase();
    await addAdminByBin(db.url, 'ada.admin', PASSWORD);
    serve = await startServe(db.url);
    browser = await launchBrowser();
    // Fail fast on a missing control rather than waiting Playwright's 30 s.
    const newContext = browser.newContext.bind(browser);
    browser.newContext = async (options) => {
      const context = await newContext(options);
      context.setDefaultTimeout(8_000);
      return context;
    };
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await db?.destroy();
  });

  /** A fresh browser profile signed in as the user. */
  async function signIn(username: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await signInPage(page, serve.base, username, PASSWORD);
    return { context, page };
  }

  /** Records the visit of the open visit page as done today in clinic. */
  async function recordVisitDone(page: Page): Promise<void> {
    await page.getByLabel('Done', { exact: true }).check();
    await page.getByLabel('Visit date (when done)').fill(TODAY);
    await page.getByLabel('Clinic').check();
    await page.getByRole('button', { name: /^Save the visit/ }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('main').textContent()).toContain('The visit is saved');
  }

  /** Screenshot and axe-core on the page as it is now; the template's violations are kept for the last test. */
  // axe-core goes in with page.addScriptTag, which the registry's CSP (no unsafe-inline) blocks: the
  // story's browser contexts bypass the CSP, and the last tests revisit every page with it enforced.
  async function look(page: Page, name: string): Promise<void> {
    await screenshot(page, name);
    checked[name] = await axeViolations(page);
    visited.push({ name, url: page.url(), state: await page.context().storageState() });
  }

  test('the start page and sign-in', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const res = await page.goto(`${serve.base}/`);
    expect(res?.status()).toBe(200);
    await look(page, '01-start');
    await page.goto(`${serve.base}/login`);
    await page.getByLabel('Username').fill('ada.admin');
    await page.getByLabel('Password').fill('wrong-password-123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('not right');
    await look(page, '02-sign-in-refused');
    await context.close();
  });

  test('an admin signs in and sees their account', async () => {
    const { context, page } = await signIn('ada.admin');
    const cookies = await context.cookies();
    expect(cookies.map((c) => c.name)).toContain('__Host-sifreg');
    await page.goto(`${serve.base}/account`);
    expect(await page.getByRole('heading', { name: 'Your account' }).isVisible()).toBe(true);
    await look(page, '03-account');
    await context.close();
  });

  const TODAY = new Date().toISOString().slice(0, 10);
  let studyId = '';

  test('1. an admin creates the sites and the staff', async () => {
    const { context, page } = await signIn('ada.admin');
    await page.goto(`${serve.base}/admin/sites`);
    for (const [code, name] of [
      ['VCU', 'VCU Spine Center'],
      ['APMSS', 'APMSS Spine'],
    ]) {
      await page.getByLabel('Site code').fill(code!);
      await page.getByLabel('Site name').fill(name!);
      await page.getByRole('button', { name: 'Add site' }).click();
      await page.waitForLoadState('load');
    }
    expect(await page.locator('main').textContent()).toContain('APMSS Spine');
    await look(page, '10-admin-sites');
    for (const [username, fullName, role, site] of [
      ['cora.vcu', 'Cora Lane', 'coordinator', 'VCU'],
      ['ivan.vcu', 'Ivan Moreau', 'investigator', 'VCU'],
      ['mona.monitor', 'Mona Field', 'monitor', ''],
      ['cole.apmss', 'Cole Abbott', 'coordinator', 'APMSS'],
    ] as const) {
      await page.goto(`${serve.base}/admin/users`);
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Full name').fill(fullName);
      await page.getByLabel('Role', { exact: true }).selectOption(role);
      if (site) await page.getByLabel('Site', { exact: true }).selectOption(site);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Add user' }).click();
      await page.waitForLoadState('load');
      expect(await page.locator('main').textContent()).toContain(username);
    }
    await look(page, '11-admin-users');
    await context.close();
  });

  test('2. a VCU coordinator enrols a patient, records baseline with one item declined, and sees the patient due', async () => {
    const { context, page } = await signIn('cora.vcu');
    await look(page, '20-dashboard');
    await page.goto(`${serve.base}/subjects/new`);
    await page.getByLabel(/^Given name/).fill('Ruth');
    await page.getByLabel(/^Family name/).fill('Okafor-Story');
    await page.getByLabel(/^Medical record number/).fill('MRN-77812');
    await page.getByLabel(/^Date of birth/).fill('1946-05-14');
    await page.getByLabel(/^Sex/).selectOption('female');
    await page.getByLabel(/^Year of birth/).fill('1946');
    await page.getByLabel(/^Date of consent/).fill(TODAY);
    await page.getByLabel(/^Index date/).fill(TODAY);
    await look(page, '21-enrol');
    await page.getByRole('button', { name: 'Enrol' }).click();
    await page.waitForLoadState('load');
    studyId = /\/subjects\/(VCU-\d+)/.exec(page.url())?.[1] ?? '';
    expect(studyId).toMatch(/^VCU-\d+$/);
    await look(page, '22-subject-new');

    // The baseline visit: its date, pain, and the ODI with "Sex life" declined by the patient.
    await page.goto(`${serve.base}/subjects/${studyId}/visits/baseline`);
    await recordVisitDone(page);
    await page.goto(`${serve.base}/subjects/${studyId}/visits/baseline/forms/pain/1`);
    await page.getByLabel('Numeric rating scale 0–10').check();
    await page.getByLabel(/^Pain now/).fill('8');
    await page.getByRole('button', { name: 'Save as complete' }).click();
    await page.waitForLoadState('load');
    await page.goto(`${serve.base}/subjects/${studyId}/visits/baseline/forms/odi/1`);
    const scores = [4, 2, 3, 3, 2, 4, 3, -1, 2, 3];
    const sections = page.locator('fieldset:has(input[type=checkbox])');
    for (const [i, score] of scores.entries()) {
      if (score < 0) continue;
      await sections.nth(i).getByRole('checkbox').nth(score).check();
    }
    await page.getByLabel('Missing: reason for Sex life (if applicable)').selectOption('declined');
    await look(page, '23-odi-declined');
    await page.getByRole('button', { name: 'Save as complete' }).click();
    await page.waitForLoadState('load');
    const saved = await page.locator('main').textContent();
    // ODI v2.1a: 26 of 45 over nine answered sections = 57.78%.
    expect(saved).toMatch(/57\.8/);
    expect(saved).toMatch(/[Dd]eclined/);

    await page.goto(`${serve.base}/worklists`);
    await look(page, '24-worklists');
    await page.getByRole('link', { name: 'Visits due this week' }).click();
    await page.waitForLoadState('load');
    await look(page, '25-due-this-week');
    expect(await page.locator('main').textContent()).toContain(studyId);
    await context.close();
  });

  const form = (visit: string, instrument: string) =>
    `${serve.base}/subjects/${studyId}/visits/${visit}/forms/${instrument}/1`;

  test('3. the investigator records the procedure and signs it with the password', async () => {
    const { context, page } = await signIn('ivan.vcu');
    await page.goto(`${serve.base}/subjects/${studyId}/visits/procedure`);
    await recordVisitDone(page);
    await page.goto(form('procedure', 'procedure'));
    await page.getByLabel(/^Procedure date/).fill(TODAY);
    await page.getByLabel('Bilateral').check();
    await page.getByRole('button', { name: 'Save as complete' }).click();
    await page.waitForLoadState('load');
    await page.goto(`${form('procedure', 'procedure')}/review`);
    await page.getByLabel('Your password').fill('not-my-password-9');
    await page.getByRole('button', { name: 'Sign', exact: true }).click();
    await page.waitForLoadState('load');
    await look(page, '30-sign-refused');
    await page.getByLabel('Your password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign', exact: true }).click();
    await page.waitForLoadState('load');
    const text = await page.locator('main').textContent();
    expect(text).toContain('Ivan Moreau');
    expect(text).toContain('I have reviewed and approve');
    expect(text).toMatch(/UTC/);
    await look(page, '31-signed');
    await context.close();
  });

  test('4. the coordinator records week 2, fixing a validation error on the way', async () => {
    const { context, page } = await signIn('cora.vcu');
    await page.goto(`${serve.base}/subjects/${studyId}/visits/week2`);
    await recordVisitDone(page);
    await page.goto(form('week2', 'pain'));
    await page.getByLabel('Numeric rating scale 0–10').check();
    await page.getByLabel(/^Pain now/).fill('12');
    await page.getByRole('button', { name: 'Save as complete' }).click();
    await page.waitForLoadState('load');
    const summary = page.locator('.error-summary');
    expect(await summary.textContent()).toMatch(/Pain now/);
    await look(page, '40-validation-error');
    const link = summary.getByRole('link').first();
    const target = ((await link.getAttribute('href')) ?? '').replace('#', '');
    await link.click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(target);
    await page.getByLabel(/^Pain now/).fill('3');
    await page.getByRole('button', { name: 'Save as complete' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('.error-summary').count()).toBe(0);
    await context.close();
  });

  test('5. the monitor raises a query on the week 2 pain score', async () => {
    const { context, page } = await signIn('mona.monitor');
    await page.goto(`${form('week2', 'pain')}/review`);
    await page
      .getByLabel('Item', { exact: true })
      .selectOption({ label: 'Pain now / on average over the last 24 hours' });
    await page.getByLabel('Query text').fill('Source note says 4; please check the week 2 pain score.');
    await page.getByRole('button', { name: 'Raise the query' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('main').textContent()).toContain('Source note says 4');
    await look(page, '50-query-raised');
    await context.close();
  });

  test('6. the coordinator answers the query with an amendment and a reason', async () => {
    const { context, page } = await signIn('cora.vcu');
    await page.goto(`${serve.base}/queries`);
    await look(page, '60-queries');
    await page
      .getByRole('link', { name: /^Query \d+$/ })
      .first()
      .click();
    await page.waitForLoadState('load');
    await page
      .getByRole('textbox', { name: 'Answer', exact: true })
      .fill('Transcription error: the source says 4.');
    await page.getByLabel('New value (leave empty to keep the value)').fill('4');
    await page.getByRole('button', { name: 'Send the answer' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('main').textContent()).toMatch(/answered/i);
    await look(page, '61-query-answered');
    await context.close();
  });

  test('7. the monitor closes the query and marks the form verified against source', async () => {
    const { context, page } = await signIn('mona.monitor');
    await page.goto(`${serve.base}/queries`);
    await page
      .getByRole('link', { name: /^Query \d+$/ })
      .first()
      .click();
    await page.waitForLoadState('load');
    await page.getByRole('button', { name: 'Close the query' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('main').textContent()).toMatch(/closed/i);
    await page.goto(`${form('week2', 'pain')}/review`);
    await page.getByRole('button', { name: /^Mark verified/ }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('main').textContent()).toMatch(/[Vv]erified/);
    await look(page, '70-sdv');
    await page.goto(`${serve.base}/subjects`);
    await look(page, '71-grid-monitor');
    expect(await page.locator('main').textContent()).not.toContain('Okafor');
    await context.close();
  });

  test('8. the investigator locks the week 2 visit', async () => {
    const { context, page } = await signIn('ivan.vcu');
    await page.goto(`${serve.base}/subjects/${studyId}/visits/week2`);
    await page.getByLabel('Reason for locking the visit').fill('Week 2 reviewed and queries closed.');
    await page.getByRole('button', { name: 'Lock the visit' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('main').textContent()).toMatch(/locked/i);
    await look(page, '80-visit-locked');
    await page.goto(`${serve.base}/subjects/${studyId}`);
    await look(page, '81-subject-page');
    await page.goto(`${serve.base}/subjects`);
    await look(page, '82-grid');
    await context.close();
  });

  test('9. an APMSS coordinator gets "not found" for the patient', async () => {
    const { context, page } = await signIn('cole.apmss');
    for (const url of [
      `${serve.base}/subjects/${studyId}`,
      form('week2', 'pain'),
      `${form('week2', 'pain')}/history`,
    ]) {
      const res = await page.goto(url);
      expect(res?.status()).toBe(404);
      expect(await page.locator('main').textContent()).not.toContain('Okafor');
    }
    await look(page, '90-not-found');
    await context.close();
  });

  test('10. the field history shows every change', async () => {
    const { context, page } = await signIn('cora.vcu');
    await page.goto(`${form('week2', 'pain')}/history`);
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('cora.vcu');
    const amended = page.locator('tr', { hasText: 'Transcription error' });
    expect(await amended.locator('td').allTextContents()).toEqual(
      expect.arrayContaining(['cora.vcu', '3', '4']),
    );
    expect(text).toContain('Transcription error');
    await look(page, '100-history');
    await page.goto(`${form('baseline', 'odi')}/history`);
    expect(await page.locator('main').textContent()).toMatch(/[Dd]eclined/);
    await look(page, '101-history-odi');
    await context.close();
  });

  test('axe-core finds no WCAG 2.2 AA violation on any page looked at', () => {
    expect(Object.keys(checked).length).toBeGreaterThan(0);
    expect(checked).toEqual(Object.fromEntries(Object.keys(checked).map((k) => [k, []])));
  });

  test('with the CSP enforced, every page looked at loads without a violation, and injected script is blocked', async () => {
    for (const v of visited) {
      const context = await browser.newContext({ storageState: v.state });
      const page = await context.newPage();
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(`${v.name}: ${m.text()}`);
      });
      await page.goto(v.url);
      await page.waitForLoadState('load');
      expect(violations).toEqual([]);
      await context.close();
    }
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${serve.base}/login`);
    await expect(page.addScriptTag({ content: 'window.injected = 1' })).rejects.toThrow(
      /Content Security Policy/,
    );
    await context.close();
  });

  test('the server log holds no identifier and no stack trace', () => {
    const log = serve.log();
    expect(log).not.toMatch(/\n\s+at /);
    for (const identifier of ['Okafor', 'Ruth', 'MRN-77812', '1946-05-14', studyId || 'VCU-0001', PASSWORD]) {
      expect(log).not.toContain(identifier);
    }
  });
});
