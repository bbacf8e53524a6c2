// The staff web application end to end: the real `sifreg serve` on PostgreSQL, driven through
// Debian's Chromium (playwright-core), with axe-core on every page template and screenshots saved
// under test/e2e/screenshots/.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { axeViolations, HAVE_CHROMIUM, launchBrowser, screenshot, startServe } from '../helpers/browser.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/sifreg.js');
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
    const { DATABASE_URL: _ignored, ...env } = process.env;
    const add = spawnSync(
      process.execPath,
      [BIN, 'user', 'add', '--username', 'ada.admin', '--role', 'admin', '--password-stdin'],
      { env: { ...env, DATABASE_URL: db.url }, input: `${PASSWORD}\n`, encoding: 'utf8' },
    );
    if (add.status !== 0) throw new Error(`user add failed: ${add.stderr}`);
    serve = await startServe(db.url);
    browser = await launchBrowser();
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
    await page.goto(`${serve.base}/login`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState('load');
    return { context, page };
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
  });
});
