// ePRO in a browser: the real `sifreg serve` on PostgreSQL with its job worker mailing through a test
// SMTP server on 127.0.0.1, Debian's Chromium, axe-core on every patient page, screenshots under
// test/e2e/screenshots/epro-*.png. In-clinic mode on a tablet: the
// coordinator hands the device to the patient for a visit; staff pages stay locked meanwhile.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SACROPLASTY_SIF } from '../../src/protocol/index.js';
import { addAdminByBin } from '../helpers/bin.js';
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
import { startMailCatcher } from '../helpers/smtp.js';

const PASSWORD = 'sacral-cement-2026';
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** No horizontal scroll: the page is no wider than the viewport. */
const noSideScroll = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

describe.skipIf(!HAVE_CHROMIUM)('ePRO in a browser', () => {
  let db: TestDatabase;
  let serve: Awaited<ReturnType<typeof startServe>>;
  let browser: Browser;
  let smtp: Awaited<ReturnType<typeof startMailCatcher>> | undefined;
  let smtpUrl: string;
  /** Every message the registry's worker handed to SMTP. */
  const mails: { to: string[]; text: string }[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    await addAdminByBin(db.url, 'ada.admin', PASSWORD);
    smtp = await startMailCatcher((mail) =>
      mails.push({
        to: [mail.to ?? []].flat().flatMap((a) => a.value.map((v) => v.address ?? '')),
        text: mail.text ?? '',
      }),
    );
    smtpUrl = smtp.url;
    const port = await freePort();
    serve = await startServe(
      db.url,
      {
        APP_ORIGIN: `http://127.0.0.1:${port}`,
        SMTP_URL: smtpUrl,
        EPRO_FROM: 'registry@example.org',
        // The ePRO worker passes every second (30 s by default), so the invitation goes at once.
        SIFREG_JOB_INTERVAL_MS: '1000',
      },
      port,
    );
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await smtp?.close();
    await db?.destroy();
  });

  async function signIn(page: Page, username: string): Promise<void> {
    await signInPage(page, serve.base, username, PASSWORD);
  }

  /** The admin makes the site and its coordinator once, for whichever test runs first. */
  let setUp: Promise<void> | undefined;
  function siteReady(): Promise<void> {
    if (!setUp) setUp = siteAndCoordinator();
    return setUp;
  }
  async function siteAndCoordinator(): Promise<void> {
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
  }

  test('in-clinic on a tablet: the patient answers week 2 pain while staff pages are locked', async () => {
    await siteReady();

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

  test('on a phone: the invitation mail, answers, an opioid stopped, leave and resume, submit; patient-entered forms, MME recomputed, no reminder', async () => {
    await siteReady();
    const staffContext = await browser.newContext();
    const staff = await staffContext.newPage();
    staff.setDefaultTimeout(8_000);
    await signIn(staff, 'cora.vcu');
    // 1. The coordinator schedules week 2: the procedure 11 days ago, so week 2's window (day 11–17) opens today.
    await staff.goto(`${serve.base}/subjects/new`);
    await staff.getByLabel(/^Given name/).fill('Oren');
    await staff.getByLabel(/^Family name/).fill('Phone-Story');
    await staff.getByLabel(/^Medical record number/).fill('MRN-88124');
    await staff.getByLabel(/^Date of birth/).fill('1950-02-03');
    await staff.getByLabel(/^Sex/).selectOption('male');
    await staff.getByLabel(/^Year of birth/).fill('1950');
    await staff.getByLabel(/^Date of consent/).fill(day(-13));
    await staff.getByLabel(/^Index date/).fill(day(-11));
    await staff.getByRole('button', { name: 'Enrol' }).click();
    await staff.waitForLoadState('load');
    const studyId = /\/subjects\/(VCU-\d+)/.exec(staff.url())?.[1] ?? '';
    expect(studyId).toMatch(/^VCU-\d+$/);
    // The baseline analgesics the site recorded: oxycodone 10 mg three times a day (45 MME/day), paracetamol.
    const baseline = async (instance: number, drug: string, strength: string, perDay: string) => {
      await staff.goto(`${serve.base}/subjects/${studyId}/visits/baseline/forms/analgesic/${instance}`);
      await staff.getByLabel(drug, { exact: true }).check();
      await staff.getByLabel('Strength per dose (or patch rate)', { exact: true }).fill(strength);
      await staff.getByLabel('mg', { exact: true }).check();
      await staff.getByLabel('Oral', { exact: true }).check();
      await staff.getByLabel('Doses per day', { exact: true }).fill(perDay);
      await staff.getByRole('button', { name: 'Save as complete' }).click();
      await staff.waitForLoadState('load');
    };
    await baseline(1, 'Oxycodone', '10', '3');
    expect(await staff.locator('[data-score="mme_day"]').textContent()).toBe('45');
    await baseline(2, 'Acetaminophen (paracetamol)', '500', '4');
    // The patient's e-mail: saving the contact plans the invitation, which the serve's worker sends.
    await staff.goto(`${serve.base}/subjects/${studyId}/epro/contact`);
    await staff.getByLabel('E-mail address').fill('oren.phone@example.org');
    await staff.locator('input[name=channel][value=email]').check();
    await staff.getByRole('button', { name: 'Save' }).click();
    await staff.waitForLoadState('load');

    // 2. The invitation arrives in the SMTP server, sent by the serve's worker.
    const deadline = Date.now() + 20_000;
    while (mails.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.to).toEqual(['oren.phone@example.org']);
    expect(mail.text).not.toContain(studyId);
    expect(mail.text).not.toContain('Oren');
    const link = /http:\/\/127\.0\.0\.1:\d+\/p\/[A-Za-z0-9_-]{43}/.exec(mail.text)?.[0] ?? '';
    expect(link).not.toBe('');

    // 3. The patient follows the link on a phone, answers pain and ODI, and leaves half-way.
    // Every request the phone's browser sends, to check where the token goes (only the link itself).
    const sent: { url: string; referer: string }[] = [];
    const phone = async () => {
      const c = await browser.newContext({ bypassCSP: true, viewport: { width: 390, height: 844 } });
      c.on('request', (r) => sent.push({ url: r.url(), referer: r.headers().referer ?? '' }));
      return c;
    };
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
    await page.getByRole('link', { name: 'Start' }).click();
    await page.waitForLoadState('load');
    await look('pain');
    await page.getByLabel('6', { exact: true }).check();
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.waitForLoadState('load');
    await look('odi');
    const sections = page.locator('fieldset');
    for (let i = 0; i < (await sections.count()); i += 1)
      await sections.nth(i).getByRole('radio').nth(1).check();
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toBe('/p/form/analgesic');
    await context.close();

    // Resumes later on a new browser with the same link: pain and ODI are kept.
    context = await phone();
    page = await context.newPage();
    page.setDefaultTimeout(8_000);
    await page.goto(link);
    expect(await page.locator('.progress').textContent()).toBe('Page 2 of 4');
    await look('resume');
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toBe('/p/form/analgesic');
    // The baseline medicines, in the patient's words.
    expect(await page.locator('legend').allTextContents()).toEqual(
      expect.arrayContaining(['Oxycodone 10 mg tablet, 3 a day', 'Paracetamol 500 mg tablet, 4 a day']),
    );
    await look('analgesic');
    // Stopping oxycodone "tomorrow": refused beside the date, by the analgesic form's own rule.
    await page.locator('#carried-1-stopped').check();
    await page.locator('#stop-1').fill(day(2));
    await page.locator('#carried-2-same').check();
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('#stop-1-error').textContent()).toContain('after today');
    await look('analgesic-stop-refused');
    await page.locator('#stop-1').fill(day(-2));
    // A new medicine: tramadol 50 mg twice a day.
    await page.getByRole('button', { name: 'Add a medicine' }).click();
    await page.waitForLoadState('load');
    await look('add');
    await page.getByLabel('Tramadol (Ultram)').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForLoadState('load');
    await look('add-dose');
    await page.getByLabel('50 mg', { exact: true }).check();
    await page.locator('#add-perday-1').check();
    await page.getByRole('button', { name: 'Add this medicine' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('ul.added').textContent()).toContain('Tramadol 50 mg tablet, 2 a day');
    expect(await page.locator('#carried-1-stopped').isChecked()).toBe(true);
    expect(await page.locator('#stop-1').inputValue()).toBe(day(-2));
    await look('analgesic-filled');
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
    // The token left the phone only as the link's own address (opened twice), never in a Referer.
    const token = link.slice(link.lastIndexOf('/') + 1);
    expect(sent.length).toBeGreaterThan(10);
    expect(sent.filter((r) => r.referer.includes(token))).toEqual([]);
    expect(sent.filter((r) => r.url.includes(token)).map((r) => r.url)).toEqual([link, link]);

    // 4. The subject's page: the week-2 forms entered by the patient, the MME/day recomputed from them.
    await staff.goto(`${serve.base}/subjects/${studyId}`);
    await screenshot(staff, 'epro-phone-subject-page');
    const rows = await staff.locator('section:has(#forms) tbody tr').allTextContents();
    const byPatient = rows.filter((r) => r.includes('entered by the patient (ePRO)'));
    expect(byPatient.map((r) => r.replace(/Complete.*$/, ''))).toEqual([
      'Week 2Pain intensity (NRS / VAS)',
      'Week 2Oswestry Disability Index v2.1a',
      'Week 2Analgesic medication #1',
      'Week 2Analgesic medication #2',
      'Week 2Analgesic medication #3',
    ]);
    // Baseline 45 MME/day (oxycodone 10 mg × 3 × 1.5); week 2: oxycodone stopped, tramadol 50 mg × 2 × 0.2 = 20.
    expect(await staff.locator('[data-mme-visit="baseline"]').textContent()).toBe('45');
    expect(await staff.locator('[data-mme-visit="week2"]').textContent()).toBe('20');
    const week2 = `${serve.base}/subjects/${studyId}/visits/week2/forms`;
    for (const form of ['pain/1', 'odi/1', 'analgesic/1', 'analgesic/2', 'analgesic/3']) {
      await staff.goto(`${week2}/${form}`);
      expect(await staff.locator('main').textContent(), form).toContain('entered by the patient via ePRO');
    }
    // Tramadol 50 mg × 2 × 0.2 = 20 MME/day; oxycodone stopped on its date; paracetamol 0.
    await staff.goto(`${week2}/analgesic/3`);
    expect(await staff.locator('[data-score="mme_day"]').textContent()).toBe('20');
    await screenshot(staff, 'epro-phone-staff-tramadol');
    await staff.goto(`${week2}/analgesic/1`);
    expect(await staff.getByLabel('Stop date', { exact: true }).inputValue()).toBe(day(-2));
    await staffContext.close();

    // 5. No reminder: the jobs run with a clock past the reminder day (+3 days) skip it, the visit answered.
    const { runEproJobsOnce } = await import('../../src/registry/epro-worker.js');
    const later = new Date(Date.now() + 4 * 86_400_000);
    const kysely = db.db;
    await runEproJobsOnce(
      { db: kysely, clock: () => later, random: Math.random, protocol: SACROPLASTY_SIF },
      { smtpUrl, from: 'registry@example.org', appOrigin: serve.base, worker: 'test-later-clock' },
    );
    const messages = await kysely
      .selectFrom('epro_message')
      .select(['key', 'outcome', 'reason'])
      .where('study_id', '=', studyId)
      .orderBy('key')
      .execute();
    expect(messages).toEqual([
      { key: `epro:${studyId}:week2:invitation`, outcome: 'sent', reason: null },
      { key: `epro:${studyId}:week2:reminder+3d`, outcome: 'skipped', reason: 'visit already answered' },
    ]);
    expect(mails).toHaveLength(1);
  }, 120_000);
});
