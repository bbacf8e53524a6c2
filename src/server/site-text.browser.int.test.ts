// A site's patient pages in another language, in Debian's Chromium: the admin installs a catalog
// (a file upload) and the licensed ODI wording (pasted), a refused text shows its problems beside
// the text, the language is set, and a patient's ODI page reads in that language with the site's
// statements. axe-core finds no WCAG A/AA violation on any of them. The Spanish catalog is a test
// fixture, not a validated translation; the ODI statements are placeholders.
import { type ServerType, serve } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ES_CATALOG_TEXT, placeholderOdi } from '../../test/fixtures/site-texts.js';
import {
  axeViolations,
  freePort,
  HAVE_CHROMIUM,
  launchBrowser,
  screenshot,
  signInPage,
} from '../../test/helpers/browser.js';
import { VCU_COORDINATOR } from '../../test/helpers/registry.js';
import { createTestWeb, STAFF_PASSWORD } from '../../test/helpers/web.js';
import { createLink, enrolSubject } from '../registry/index.js';

describe.skipIf(!HAVE_CHROMIUM)('site language and texts in a browser', () => {
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
    page = await (await browser.newContext({ bypassCSP: true })).newPage();
    await signInPage(page, base, 'ada.admin', STAFF_PASSWORD);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await web?.destroy();
  });

  async function submit(name: string) {
    await page.getByRole('button', { name }).focus();
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  }

  async function look(name: string) {
    await screenshot(page, name);
    violations[name] = await axeViolations(page);
  }

  test('the admin installs a catalog and the ODI wording, a refusal shows beside the text, sets the language', async () => {
    await page.goto(`${base}/admin/sites`);
    await page.getByRole('link', { name: 'Language and texts' }).first().click();
    await page.waitForURL(`${base}/admin/sites/APMSS/texts`);
    await page.goto(`${base}/admin/sites/VCU/texts`);
    await look('site-text-01-empty');
    await page.getByLabel('Kind of text').selectOption('catalog');
    await page.getByLabel('Language', { exact: true }).fill('es');
    await page.getByLabel('JSON file').setInputFiles({
      name: 'es.json',
      mimeType: 'application/json',
      buffer: Buffer.from(ES_CATALOG_TEXT),
    });
    await submit('Install');
    expect(await page.locator('main table').textContent()).toContain('Catalog');
    const short = placeholderOdi();
    short.s2_personal_care = short.s2_personal_care!.slice(0, 3);
    await page.getByLabel('Kind of text').selectOption('odi');
    await page.getByLabel('Language', { exact: true }).fill('es');
    await page.getByLabel('Or paste the JSON').fill(JSON.stringify(short));
    await submit('Install');
    expect(await page.getByRole('alert').textContent()).toContain(
      'section s2_personal_care must have exactly six statements (0–5); it has 3',
    );
    await look('site-text-02-refused');
    await page.getByLabel('Or paste the JSON').fill(JSON.stringify(placeholderOdi()));
    await page.getByLabel('Licence', { exact: true }).fill('Test licence (fixture)');
    await submit('Install');
    await page.getByLabel('Language of the patient pages').selectOption('es');
    await submit('Set language');
    expect(await page.locator('main table').textContent()).toContain('Test licence (fixture)');
    await look('site-text-03-installed');
  });

  test("a patient's ODI page at that site reads in Spanish with the site's statements", async () => {
    web.registry.setTime('2026-03-17T10:00:00.000Z');
    const s = await enrolSubject(web.registry.deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' },
    });
    const link = await createLink(web.registry.deps, VCU_COORDINATOR, { studyId: s.studyId, visit: 'week2' });
    const phone = await (
      await browser.newContext({ bypassCSP: true, viewport: { width: 390, height: 844 } })
    ).newPage();
    await phone.goto(`${base}/p/${link.token}`);
    await phone.goto(`${base}/p/form/odi`);
    expect(await phone.getAttribute('html', 'lang')).toBe('es');
    expect(await phone.getByRole('group', { name: 'Levantar peso' }).textContent()).toContain(
      'Placeholder s3_lifting statement 5 (es)',
    );
    await screenshot(phone, 'site-text-04-patient-odi-es');
    violations['site-text-04-patient-odi-es'] = await axeViolations(phone);
  });

  test('axe-core: no violations on any page', () => {
    expect(Object.keys(violations)).toHaveLength(4);
    expect(violations).toEqual(Object.fromEntries(Object.keys(violations).map((k) => [k, []])));
  });
});
