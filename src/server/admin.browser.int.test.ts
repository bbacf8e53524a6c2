// The admin pages and the own-password page in Debian's Chromium: an admin adds a site and a user
// from the keyboard, a refused form shows its summary linked to the fields, and axe-core finds no
// WCAG A/AA violation on any of them.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HAVE_CHROMIUM } from '../../test/helpers/browser.js';
import { type BrowserWeb, openBrowserWeb } from '../../test/helpers/browser-web.js';
import { STAFF_PASSWORD } from '../../test/helpers/web.js';

describe.skipIf(!HAVE_CHROMIUM)('admin pages in a browser', () => {
  let ui: BrowserWeb;

  beforeAll(async () => {
    ui = await openBrowserWeb('2026-03-02T09:00:00.000Z');
    await ui.signIn('ada.admin');
  });
  afterAll(() => ui?.close());

  test('the admin adds a site; a bad code shows in the summary, linked to its field', async () => {
    await ui.page.goto(`${ui.base}/admin/sites`);
    await ui.page.getByLabel('Site code').fill('osu');
    await ui.page.getByLabel('Site name').fill('Ohio State <b>spine</b>');
    await ui.submit('Add site');
    const alert = ui.page.getByRole('alert');
    expect(await alert.textContent()).toContain('Site code: site code must be');
    await ui.look('admin-01-site-error');
    await alert.getByRole('link').first().click();
    expect(await ui.page.evaluate(() => document.activeElement?.id)).toBe('site-id');
    await ui.page.getByLabel('Site code').fill('OSU');
    await ui.submit('Add site');
    expect(await ui.page.locator('main table').textContent()).toContain('Ohio State <b>spine</b>');
    await ui.look('admin-02-sites');
  });

  test('the admin adds a user and manages them on their page', async () => {
    await ui.page.goto(`${ui.base}/admin/users`);
    await ui.page.getByLabel('Username').fill('olga.osu');
    await ui.page.getByLabel('Full name').fill('Olga Osu');
    await ui.page.getByLabel('Role').selectOption('coordinator');
    await ui.page.getByLabel('Password').fill('short');
    await ui.submit('Add user');
    expect(await ui.page.getByRole('alert').textContent()).toContain(
      'Site: a coordinator must belong to a site',
    );
    await ui.look('admin-03-user-error');
    await ui.page.getByLabel('Site', { exact: true }).selectOption('OSU');
    await ui.page.getByLabel('Password').fill('ohio-spine-phrase-2026');
    await ui.submit('Add user');
    expect(await ui.page.locator('h1').textContent()).toBe('User olga.osu');
    await ui.look('admin-04-user');
    await ui.page.getByLabel('Site', { exact: true }).selectOption('VCU');
    await ui.submit('Add site');
    expect(await ui.page.locator('main dl').textContent()).toContain('OSU, VCU');
    await ui.page.goto(`${ui.base}/admin/users`);
    await ui.look('admin-05-users');
  });

  test('a coordinator changes their own password; a mismatch is shown beside the field', async () => {
    await ui.page.getByRole('button', { name: 'Sign out' }).click();
    await ui.page.waitForURL(/\/login/);
    await ui.signIn('cora.vcu', { samePage: true });
    await ui.page.goto(`${ui.base}/account/password`);
    await ui.page.getByLabel('Current password').fill(STAFF_PASSWORD);
    await ui.page.getByLabel('New password', { exact: true }).fill('lumbar-window-phrase-5');
    await ui.page.getByLabel('New password again').fill('lumbar-window-phrase-6');
    await ui.submit('Change password');
    expect(await ui.page.locator('#pw-confirmPassword-error').textContent()).toContain('does not match');
    await ui.look('account-01-password-error');
    await ui.page.getByLabel('Current password').fill(STAFF_PASSWORD);
    await ui.page.getByLabel('New password', { exact: true }).fill('lumbar-window-phrase-5');
    await ui.page.getByLabel('New password again').fill('lumbar-window-phrase-5');
    await ui.submit('Change password');
    expect(await ui.page.locator('h1').textContent()).toBe('Password changed');
    await ui.look('account-02-password-changed');
  });

  test('axe-core finds no WCAG A/AA violation on any page visited', () => {
    expect(Object.keys(ui.violations).length).toBeGreaterThanOrEqual(7);
    expect(ui.violations).toEqual(Object.fromEntries(Object.keys(ui.violations).map((k) => [k, []])));
  });
});
