// The admin pages and the own-password page in Debian's Chromium: an admin adds a site and a user
// from the keyboard, a refused form shows its summary linked to the fields, and axe-core finds no
// WCAG A/AA violation on any of them.
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
} from '../../test/helpers/browser.js';
import { createTestWeb, STAFF_PASSWORD } from '../../test/helpers/web.js';

describe.skipIf(!HAVE_CHROMIUM)('admin pages in a browser', () => {
  let web: Awaited<ReturnType<typeof createTestWeb>>;
  let server: ServerType;
  let browser: Browser;
  let page: Page;
  let base: string;
  const violations: Record<string, string[]> = {};

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    web = await createTestWeb('2026-03-02T09:00:00.000Z', { appOrigin: base });
    server = serve({ fetch: web.app.fetch, port, hostname: '127.0.0.1' });
    browser = await launchBrowser();
    // axe-core goes in by addScriptTag, which the registry's CSP refuses: this context bypasses it.
    page = await (await browser.newContext({ bypassCSP: true })).newPage();
    await signIn('ada.admin');
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await web?.destroy();
  });

  async function signIn(username: string, password = STAFF_PASSWORD) {
    await signInPage(page, base, username, password);
  }

  /** Presses a submit button from the keyboard and waits for the page it leads to. */
  async function submit(name: string) {
    await page.getByRole('button', { name }).focus();
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  }

  async function look(name: string) {
    await screenshot(page, name);
    violations[name] = await axeViolations(page);
  }

  test('the admin adds a site; a bad code shows in the summary, linked to its field', async () => {
    await page.goto(`${base}/admin/sites`);
    await page.getByLabel('Site code').fill('osu');
    await page.getByLabel('Site name').fill('Ohio State <b>spine</b>');
    await submit('Add site');
    const alert = page.getByRole('alert');
    expect(await alert.textContent()).toContain('Site code: site code must be');
    await look('admin-01-site-error');
    await alert.getByRole('link').first().click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('site-id');
    await page.getByLabel('Site code').fill('OSU');
    await submit('Add site');
    expect(await page.locator('main table').textContent()).toContain('Ohio State <b>spine</b>');
    await look('admin-02-sites');
  });

  test('the admin adds a user and manages them on their page', async () => {
    await page.goto(`${base}/admin/users`);
    await page.getByLabel('Username').fill('olga.osu');
    await page.getByLabel('Full name').fill('Olga Osu');
    await page.getByLabel('Role').selectOption('coordinator');
    await page.getByLabel('Password').fill('short');
    await submit('Add user');
    expect(await page.getByRole('alert').textContent()).toContain(
      'Site: a coordinator must belong to a site',
    );
    await look('admin-03-user-error');
    await page.getByLabel('Site', { exact: true }).selectOption('OSU');
    await page.getByLabel('Password').fill('ohio-spine-phrase-2026');
    await submit('Add user');
    expect(await page.locator('h1').textContent()).toBe('User olga.osu');
    await look('admin-04-user');
    await page.getByLabel('Site', { exact: true }).selectOption('VCU');
    await submit('Add site');
    expect(await page.locator('main dl').textContent()).toContain('OSU, VCU');
    await page.goto(`${base}/admin/users`);
    await look('admin-05-users');
  });

  test('a coordinator changes their own password; a mismatch is shown beside the field', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/);
    await signIn('cora.vcu');
    await page.goto(`${base}/account/password`);
    await page.getByLabel('Current password').fill(STAFF_PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill('lumbar-window-phrase-5');
    await page.getByLabel('New password again').fill('lumbar-window-phrase-6');
    await submit('Change password');
    expect(await page.locator('#pw-confirmPassword-error').textContent()).toContain('does not match');
    await look('account-01-password-error');
    await page.getByLabel('Current password').fill(STAFF_PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill('lumbar-window-phrase-5');
    await page.getByLabel('New password again').fill('lumbar-window-phrase-5');
    await submit('Change password');
    expect(await page.locator('h1').textContent()).toBe('Password changed');
    await look('account-02-password-changed');
  });

  test('axe-core finds no WCAG A/AA violation on any page visited', () => {
    expect(Object.keys(violations).length).toBeGreaterThanOrEqual(7);
    expect(violations).toEqual(Object.fromEntries(Object.keys(violations).map((k) => [k, []])));
  });
});
