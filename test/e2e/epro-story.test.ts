// ePRO in a browser: the real `sifreg serve` on PostgreSQL, Debian's Chromium, axe-core on every
// patient page, screenshots under test/e2e/screenshots/epro-*.png. In-clinic mode on a tablet: the
// coordinator hands the device to the patient for a visit; staff pages stay locked meanwhile.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  axeViolations,
  freePort,
  HAVE_CHROMIUM,
  launchBrowser,
  screenshot,
  signInPage,
  startServe,
} from '../helpers/browser.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/sifreg.js');
const PASSWORD = 'sacral-cement-2026';
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** No horizontal scroll: the page is no wider than the viewport. */
const noSideScroll = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

describe.skipIf(!HAVE_CHROMIUM)('ePRO in a browser', () => {
  let db: TestDatabase;
  let serve: Awaited<ReturnType<typeof startServe>>;
  let browser: Browser;

  beforeAll(async () => {
    db = await createTestDatabase();
    const { DATABASE_URL: _ignored, ...env } = process.env;
    const add = spawnSync(
      process.execPath,
      [BIN, 'user', 'add', '--username', 'ada.admin', '--role', 'admin', '--password-stdin'],
      { env: { ...env, DATABASE_URL: db.url }, input: `${PASSWORD}\n`, encoding: 'utf8' },
    );
    if (add.status !== 0) throw new Error(`user add failed: ${add.stderr}`);
    const port = await freePort();
    serve = await startServe(db.url, { APP_ORIGIN: `http://127.0.0.1:${port}` }, port);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await db?.destroy();
  });

  async function signIn(page: Page, username: string): Promise<void> {
    await signInPage(page, serve.base, username, PASSWORD);
  }

  test('in-clinic on a tablet: the patient answers week 2 pain while staff pages are locked', async () => {
    const admin = await browser.newContext();
    const a = await admin.newPage();
    a.setDefaultTimeout(8_000);
    await signIn(a, 'ada.admin');
    await a.goto(`${serve.base}/admin/sites`);
    await a.getByLabel('Site code').fill('VCU');
    await a.getByLabel('Site name').fill('VCU Spine Center');
    await a.getByRole('button', { name: 'Add site' }).click();
    await a.waitForLoadState('load');
    await a.goto(`${serve.base}/admin/users`);
    await a.getByLabel('Username').fill('cora.vcu');
    await a.getByLabel('Full name').fill('Cora Lane');
    await a.getByLabel('Role', { exact: true }).selectOption('coordinator');
    await a.getByLabel('Site', { exact: true }).selectOption('VCU');
    await a.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await a.getByRole('button', { name: 'Add user' }).click();
    await a.waitForLoadState('load');
    await admin.close();

    // The tablet: the coordinator's session and, after the hand-over, the patient's pages.
    const tablet = await browser.newContext({ bypassCSP: true, viewport: { width: 820, height: 1180 } });
    const page = await tablet.newPage();
    page.setDefaultTimeout(8_000);
    await signIn(page, 'cora.vcu');
    await page.goto(`${serve.base}/subjects/new`);
    await page.getByLabel(/^Given name/).fill('Ruth');
    await page.getByLabel(/^Family name/).fill('Okafor-Clinic');
    await page.getByLabel(/^Medical record number/).fill('MRN-88123');
    await page.getByLabel(/^Date of birth/).fill('1946-05-14');
    await page.getByLabel(/^Sex/).selectOption('female');
    await page.getByLabel(/^Year of birth/).fill('1946');
    await page.getByLabel(/^Date of consent/).fill(day(-16));
    await page.getByLabel(/^Index date/).fill(day(-14));
    await page.getByRole('button', { name: 'Enrol' }).click();
    await page.waitForLoadState('load');
    const studyId = /\/subjects\/(VCU-\d+)/.exec(page.url())?.[1] ?? '';
    expect(studyId).toMatch(/^VCU-\d+$/);

    await page.getByRole('link', { name: 'ePRO', exact: true }).click();
    await page.waitForLoadState('load');
    await page.locator('#epro-clinic-visit').selectOption('week2');
    await page.getByRole('button', { name: /^Hand this device to the patient/ }).click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toBe('/p/form');
    await screenshot(page, 'epro-tablet-start');
    expect(await axeViolations(page)).toEqual([]);
    await page.goto(`${serve.base}/p/form/pain`);
    await screenshot(page, 'epro-tablet-pain');
    expect(await axeViolations(page)).toEqual([]);
    expect(await noSideScroll(page)).toBe(true);

    // The patient's pages at 320 px wide, and at 200% zoom (640 CSS px at twice the pixels).
    await page.setViewportSize({ width: 320, height: 640 });
    expect(await noSideScroll(page)).toBe(true);
    await screenshot(page, 'epro-320-pain');
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await noSideScroll(page)).toBe(true);
    await screenshot(page, 'epro-phone-pain');
    const zoom = await browser.newContext({ viewport: { width: 640, height: 512 }, deviceScaleFactor: 2 });
    await zoom.addCookies(await tablet.cookies());
    const zoomed = await zoom.newPage();
    await zoomed.goto(`${serve.base}/p/form/pain`);
    expect(await noSideScroll(zoomed)).toBe(true);
    await zoom.close();
    await page.setViewportSize({ width: 820, height: 1180 });

    // Staff pages are locked while the patient holds the tablet.
    for (const p of ['/dashboard', `/subjects/${studyId}`]) {
      await page.goto(`${serve.base}${p}`);
      expect(new URL(page.url()).pathname).toBe('/unlock');
    }
    await screenshot(page, 'epro-tablet-locked');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('Your password').fill('not-the-password');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.waitForLoadState('load');
    expect(await page.getByRole('alert').textContent()).toContain('Password: not right');
    await page.getByLabel('Your password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.waitForLoadState('load');
    await page.goto(`${serve.base}/subjects/${studyId}`);
    expect(new URL(page.url()).pathname).toBe(`/subjects/${studyId}`);
    await tablet.close();
  });

  test('on a phone: the patient follows the week-2 link, answers, leaves half-way, resumes and submits', async () => {
    const staffContext = await browser.newContext();
    const staff = await staffContext.newPage();
    staff.setDefaultTimeout(8_000);
    await signIn(staff, 'cora.vcu');
    await staff.goto(`${serve.base}/subjects/new`);
    await staff.getByLabel(/^Given name/).fill('Oren');
    await staff.getByLabel(/^Family name/).fill('Phone-Story');
    await staff.getByLabel(/^Medical record number/).fill('MRN-88124');
    await staff.getByLabel(/^Date of birth/).fill('1950-02-03');
    await staff.getByLabel(/^Sex/).selectOption('male');
    await staff.getByLabel(/^Year of birth/).fill('1950');
    await staff.getByLabel(/^Date of consent/).fill(day(-16));
    await staff.getByLabel(/^Index date/).fill(day(-14));
    await staff.getByRole('button', { name: 'Enrol' }).click();
    await staff.waitForLoadState('load');
    const studyId = /\/subjects\/(VCU-\d+)/.exec(staff.url())?.[1] ?? '';
    await staff.goto(`${serve.base}/subjects/${studyId}/epro`);
    await staff.locator('#epro-visit').selectOption('week2');
    await staff.getByRole('button', { name: /^Make a link/ }).click();
    await staff.waitForLoadState('load');
    const link = (await staff.locator('[role=status] code').textContent()) ?? '';
    expect(link).toMatch(/\/p\/[A-Za-z0-9_-]{43}$/);

    const phone = () => browser.newContext({ bypassCSP: true, viewport: { width: 390, height: 844 } });
    let context = await phone();
    let page = await context.newPage();
    page.setDefaultTimeout(8_000);
    const look = async (name: string) => {
      await screenshot(page, `epro-phone-${name}`);
      expect(await axeViolations(page), name).toEqual([]);
      expect(await noSideScroll(page), name).toBe(true);
    };
    await page.goto(link);
    expect(new URL(page.url()).pathname).toBe('/p/form');
    await look('overview');
    await page.goto(`${serve.base}/p/form/pain`);
    await page.getByLabel('6', { exact: true }).check();
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.waitForLoadState('load');
    await look('odi');
    const sections = page.locator('fieldset');
    for (let i = 0; i < (await sections.count()); i += 1)
      await sections.nth(i).getByRole('radio').nth(1).check();
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.waitForLoadState('load');
    // Leaves half-way; later opens the link again on a new browser and finds the answers kept.
    await context.close();
    context = await phone();
    page = await context.newPage();
    page.setDefaultTimeout(8_000);
    await page.goto(link);
    expect(await page.locator('main').textContent()).toContain('Page');
    await page.goto(`${serve.base}/p/form/analgesic`);
    await look('analgesic');
    await page.locator('#drug-oxycodone').check();
    await page.locator('#stop-oxycodone').fill(day(-3));
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.waitForLoadState('load');
    await look('problems');
    await page.getByLabel('No', { exact: true }).check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForLoadState('load');
    await look('review');
    await page.getByRole('button', { name: /Send my answers/ }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('main').textContent()).toContain('Thank you');
    await look('done');
    await context.close();

    // The staff side: the forms are marked as the patient's.
    await staff.goto(`${serve.base}/subjects/${studyId}/visits/week2/forms/pain/1`);
    expect(await staff.locator('main').textContent()).toContain('entered by the patient via ePRO');
    await staff.goto(`${serve.base}/subjects/${studyId}/visits/week2/forms/odi/1`);
    expect(await staff.locator('main').textContent()).toContain('entered by the patient via ePRO');
    await staff.goto(`${serve.base}/subjects/${studyId}/epro`);
    expect(await staff.locator('main').textContent()).toContain(`[oxycodone], stopped ${day(-3)}`);
    await staffContext.close();
  });
});
