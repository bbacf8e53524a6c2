// The clinical workflow in Debian's Chromium, by keyboard: the monitor raises a query from the
// form's review, the coordinator answers it with an amendment, the investigator signs with the
// password (a wrong one first) and the monitor verifies the visit; axe-core finds no WCAG A/AA
// violation on the review, query, queries, visit review and audit trail pages.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HAVE_CHROMIUM } from '../../../test/helpers/browser.js';
import { type BrowserWeb, openBrowserWeb } from '../../../test/helpers/browser-web.js';
import { STAFF_PASSWORD } from '../../../test/helpers/web.js';
import { enrolSubject, recordResponse, SYSTEM_ACTOR } from '../../registry/index.js';

const ENROLMENT = { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' };

describe.skipIf(!HAVE_CHROMIUM)('the clinical workflow in a browser', () => {
  let ui: BrowserWeb;
  let responseId: number;

  beforeAll(async () => {
    ui = await openBrowserWeb('2026-03-20T09:00:00.000Z');
    const deps = ui.web.registry.deps;
    await enrolSubject(deps, SYSTEM_ACTOR, { siteId: 'VCU', answers: ENROLMENT });
    const pain = await recordResponse(deps, SYSTEM_ACTOR, {
      studyId: 'VCU-0001',
      visit: 'week2',
      instrument: 'pain',
      answers: { scale: 'nrs', score: 8 },
    });
    responseId = pain.id;
  });
  afterAll(() => ui?.close());

  /** The button names of this story are exact: 'Sign' is not 'Sign out'. */
  const submit = (name: string) => ui.submit(name, { exact: true });

  test('the monitor raises a query on the pain score from the form’s review', async () => {
    await ui.signIn('mona.monitor');
    await ui.page.goto(`${ui.base}/forms/${responseId}`);
    await ui.look('workflow-01-review-monitor');
    await ui.page.getByLabel('Item').selectOption('score');
    await ui.page.getByLabel('Query text').fill('Score 8 at week 2: please check the source');
    // Another site's coordinator cannot be assigned: the refusal shows beside the field.
    await ui.page.getByLabel('Assign to (username, optional)').fill('cole.apmss');
    await submit('Raise the query');
    expect(await ui.page.getByRole('alert').textContent()).toContain('cole.apmss is not a coordinator');
    await ui.look('workflow-02-raise-error');
    await ui.page.getByLabel('Assign to (username, optional)').fill('cora.vcu');
    await submit('Raise the query');
    expect(await ui.page.getByRole('status').textContent()).toContain('The query is raised.');
  });

  test('the coordinator answers it with an amendment', async () => {
    await ui.signIn('cora.vcu');
    await ui.page.goto(`${ui.base}/queries?mine=1`);
    await ui.look('workflow-03-queries-mine');
    await ui.page.getByRole('link', { name: /^Query \d+$/ }).click();
    await ui.look('workflow-04-query');
    await ui.page
      .getByRole('textbox', { name: 'Answer', exact: true })
      .fill('Transcription error: the source says 3');
    await ui.page.getByLabel('New value (leave empty to keep the value)').fill('3');
    await submit('Send the answer');
    expect(await ui.page.getByRole('status').textContent()).toContain('Your answer is sent.');
  });

  test('the monitor closes it; the investigator signs with the password, a wrong one first', async () => {
    await ui.signIn('mona.monitor');
    await ui.page.goto(`${ui.base}/queries?status=answered`);
    await ui.page.getByRole('link', { name: /^Query \d+$/ }).click();
    await submit('Close the query');
    await ui.signIn('ivan.vcu');
    await ui.page.goto(`${ui.base}/forms/${responseId}`);
    await ui.page.getByLabel('Your password').fill('not my password');
    await submit('Sign');
    expect(await ui.page.getByRole('alert').textContent()).toContain('not correct; nothing was signed');
    await ui.look('workflow-05-sign-error');
    await ui.page.getByLabel('Your password').fill(STAFF_PASSWORD);
    await submit('Sign');
    expect(await ui.page.getByRole('status').textContent()).toContain('The form is signed.');
    await ui.look('workflow-06-signed');
  });

  test('the monitor verifies the visit in bulk; the admin reads the audit trail', async () => {
    await ui.signIn('mona.monitor');
    await ui.page.goto(`${ui.base}/review?visit=week2`);
    await ui.page.getByLabel(/VCU-0001 pain/).check();
    await submit('Mark verified');
    expect(await ui.page.getByRole('status').textContent()).toContain('1 form marked verified.');
    await ui.look('workflow-07-visit-review');
    await ui.signIn('ada.admin');
    await ui.page.goto(`${ui.base}/audit`);
    await ui.page.getByLabel('Subject (study id)').fill('VCU-0001');
    await submit('Filter');
    expect(await ui.page.locator('table').textContent()).toContain('response.sign');
    await ui.look('workflow-08-audit');
  });

  test('axe-core: no WCAG A/AA violation on any workflow page', () => {
    expect(ui.violations).toEqual(Object.fromEntries(Object.keys(ui.violations).map((k) => [k, []])));
  });
});
