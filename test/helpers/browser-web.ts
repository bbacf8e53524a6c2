import { type ServerType, serve } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, freePort, launchBrowser, screenshot, signInPage } from './browser.js';
import { createTestWeb, STAFF_PASSWORD } from './web.js';

/*
 * The staff pages in Debian's Chromium: the in-process web app (createTestWeb) served on a free port
 * of 127.0.0.1, one browser, and the steps every page test takes (sign in, submit by keyboard,
 * screenshot and axe-core).
 */

export interface BrowserWeb {
  web: Awaited<ReturnType<typeof createTestWeb>>;
  base: string;
  browser: Browser;
  /** axe-core's violations per page looked at (see `look`). */
  violations: Record<string, string[]>;
  /** The page of the last sign-in. */
  readonly page: Page;
  /**
   * Signs in through the login form, in a fresh browser context unless `samePage`, and returns the
   * page. axe-core goes in by addScriptTag, which the registry's CSP refuses: the context bypasses it.
   */
  signIn(username: string, options?: { password?: string; samePage?: boolean }): Promise<Page>;
  /** Presses a submit button from the keyboard and waits for the page it leads to. */
  submit(name: string, options?: { exact?: boolean }): Promise<void>;
  /** Saves a screenshot of the page and records axe-core's violations on it under `name`. */
  look(name: string, page?: Page): Promise<void>;
  close(): Promise<void>;
}

/** The web app at the clock's `now`, served to a launched Chromium. */
export async function openBrowserWeb(now: string): Promise<BrowserWeb> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const web = await createTestWeb(now, { appOrigin: base });
  let server: ServerType | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    if (server) await new Promise((resolve) => server?.close(resolve));
    await web.destroy();
  };
  try {
    server = serve({ fetch: web.app.fetch, port, hostname: '127.0.0.1' });
    browser = await launchBrowser();
  } catch (error) {
    await close();
    throw error;
  }
  const chromium = browser;
  let current: Page | undefined;
  const violations: Record<string, string[]> = {};
  const ui: BrowserWeb = {
    web,
    base,
    browser: chromium,
    violations,
    get page() {
      if (!current) throw new Error('no page yet: sign in first');
      return current;
    },
    async signIn(username, options = {}) {
      if (!current || !options.samePage) {
        current = await (await chromium.newContext({ bypassCSP: true })).newPage();
      }
      await signInPage(current, base, username, options.password ?? STAFF_PASSWORD);
      return current;
    },
    async submit(name, options = {}) {
      const page = ui.page;
      await page.getByRole('button', { name, ...options }).focus();
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    },
    async look(name, page = ui.page) {
      await screenshot(page, name);
      violations[name] = await axeViolations(page);
    },
    close,
  };
  return ui;
}
