// A site's patient pages in another language, in Debian's Chromium: the admin installs a catalog
// (a file upload) and the licensed ODI wording (pasted), a refused text shows its problems beside
// the text, the language is set, and a patient's ODI page reads in that language with the site's
// statements. axe-core finds no WCAG A/AA violation on any of them. The Spanish catalog is a test
// fixture, not a validated translation; the ODI statements are placeholders.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ES_CATALOG_TEXT, placeholderOdi } from '../../test/fixtures/site-texts.js';
import { HAVE_CHROMIUM } from '../../test/helpers/browser.js';
import { type BrowserWeb, openBrowserWeb } from '../../test/helpers/browser-web.js';
import { VCU_COORDINATOR } from '../../test/helpers/registry.js';
import { createLink, enrolSubject } from '../registry/index.js';

describe.skipIf(!HAVE_CHROMIUM)('site language and texts in a browser', () => {
  let ui: BrowserWeb;

  beforeAll(async () => {
    ui = await openBrowserWeb('2026-03-02T09:00:00.000Z');
    await ui.signIn('ada.admin');
  }, 60_000);
  afterAll(() => ui?.close());

  test('the admin installs a catalog and the ODI wording, a refusal shows beside the text, sets the language', async () => {
    await ui.page.goto(`${ui.base}/admin/sites`);
    await ui.page.getByRole('link', { name: 'Language and texts' }).first().click();
    await ui.page.waitForURL(`${ui.base}/admin/sites/APMSS/texts`);
    await ui.page.goto(`${ui.base}/admin/sites/VCU/texts`);
    await ui.look('site-text-01-empty');
    await ui.page.getByLabel('Kind of text').selectOption('catalog');
    await ui.page.getByLabel('Language', { exact: true }).fill('es');
    await ui.page.getByLabel('JSON file').setInputFiles({
      name: 'es.json',
      mimeType: 'application/json',
      buffer: Buffer.from(ES_CATALOG_TEXT),
    });
    await ui.submit('Install');
    expect(await ui.page.locator('main table').textContent()).toContain('Catalog');
    const short = placeholderOdi();
    short.s2_personal_care = short.s2_personal_care!.slice(0, 3);
    await ui.page.getByLabel('Kind of text').selectOption('odi');
    await ui.page.getByLabel('Language', { exact: true }).fill('es');
    await ui.page.getByLabel('Or paste the JSON').fill(JSON.stringify(short));
    await ui.submit('Install');
    expect(await ui.page.getByRole('alert').textContent()).toContain(
      'section s2_personal_care must have exactly six statements (0–5); it has 3',
    );
    await ui.look('site-text-02-refused');
    await ui.page.getByLabel('Or paste the JSON').fill(JSON.stringify(placeholderOdi()));
    await ui.page.getByLabel('Licence', { exact: true }).fill('Test licence (fixture)');
    await ui.submit('Install');
    await ui.page.getByLabel('Language of the patient pages').selectOption('es');
    await ui.submit('Set language');
    expect(await ui.page.locator('main table').textContent()).toContain('Test licence (fixture)');
    await ui.look('site-text-03-installed');
  });

  test("a patient's ODI page at that site reads in Spanish with the site's statements", async () => {
    ui.web.registry.setTime('2026-03-17T10:00:00.000Z');
    const s = await enrolSubject(ui.web.registry.deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' },
    });
    const link = await createLink(ui.web.registry.deps, VCU_COORDINATOR, {
      studyId: s.studyId,
      visit: 'week2',
    });
    const phone = await (
      await ui.browser.newContext({ bypassCSP: true, viewport: { width: 390, height: 844 } })
    ).newPage();
    await phone.goto(`${ui.base}/p/${link.token}`);
    await phone.goto(`${ui.base}/p/form/odi`);
    expect(await phone.getAttribute('html', 'lang')).toBe('es');
    expect(await phone.getByRole('group', { name: 'Levantar peso' }).textContent()).toContain(
      'Placeholder s3_lifting statement 5 (es)',
    );
    await ui.look('site-text-04-patient-odi-es', phone);
  });

  test('axe-core: no violations on any page', () => {
    expect(Object.keys(ui.violations)).toHaveLength(4);
    expect(ui.violations).toEqual(Object.fromEntries(Object.keys(ui.violations).map((k) => [k, []])));
  });
});
