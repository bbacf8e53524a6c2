// Data entry in Debian's Chromium: the live scores the script shows while typing match the scores
// the server saves, and axe-core finds no WCAG A/AA violation on the visit, form and history pages.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HAVE_CHROMIUM } from '../../../test/helpers/browser.js';
import { type BrowserWeb, openBrowserWeb } from '../../../test/helpers/browser-web.js';
import { enrolSubject, SYSTEM_ACTOR } from '../../registry/index.js';

const ENROLMENT = { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' };

describe.skipIf(!HAVE_CHROMIUM)('data entry in a browser', () => {
  let ui: BrowserWeb;

  beforeAll(async () => {
    ui = await openBrowserWeb('2026-03-02T09:00:00.000Z');
    await enrolSubject(ui.web.registry.deps, SYSTEM_ACTOR, { siteId: 'VCU', answers: ENROLMENT });
    await ui.signIn('cora.vcu');
  });
  afterAll(() => ui?.close());

  test('the visit is recorded; a validation error shows in the summary, linked to its field', async () => {
    await ui.page.goto(`${ui.base}/subjects/VCU-0001/visits/baseline`);
    await ui.page.getByLabel('Done', { exact: true }).check();
    await ui.page.getByLabel('Visit date (when done)').fill('2026-03-02');
    await ui.submit('Save the visit');
    expect(await ui.page.getByRole('alert').textContent()).toContain('How the visit took place');
    await ui.look('forms-01-visit-error');
    await ui.page.getByLabel('Clinic').check();
    await ui.submit('Save the visit');
    expect(await ui.page.getByRole('status').textContent()).toContain('The visit is saved.');
    await ui.look('forms-02-visit');
  });

  test('ODI: the score shows as the user types, and the server saves the same score', async () => {
    await ui.page.goto(`${ui.base}/subjects/VCU-0001/visits/baseline/forms/odi/1`);
    const live = ui.page.locator('#live-score-value');
    expect(await live.textContent()).toContain('not scored: no section answered');
    const groups = ui.page.locator('fieldset.field');
    const scores = [3, 2, 4, 1, 0, 5, 2, 3];
    for (const [i, s] of scores.entries()) {
      await groups
        .nth(i)
        .getByLabel(new RegExp(`^${s} –`))
        .check();
    }
    // Eight of ten answered: 20 / 40 × 100 = 50 %.
    expect(await live.textContent()).toContain('50% (8 of 10 sections answered)');
    // Not applicable is no score, and the higher of two ticks counts (ODI v2.1a).
    await groups.nth(8).getByLabel('Not applicable').check();
    expect(await live.textContent()).toContain('50% (8 of 10 sections answered)');
    await groups.nth(0).getByLabel(/^5 –/).check();
    expect(await live.textContent()).toContain('55% (8 of 10 sections answered)');
    await groups.nth(0).getByLabel(/^5 –/).uncheck();
    await groups.nth(7).getByLabel(/^3 –/).uncheck();
    // Three sections missing: more than the protocol's two, so no score.
    expect(await live.textContent()).toContain('not scored: 3 sections missing (at most 2 may be)');
    await groups.nth(7).getByLabel(/^3 –/).check();
    await groups.nth(8).getByLabel('Not applicable').uncheck();
    await groups.nth(8).getByLabel('Missing: reason').selectOption('declined');
    await ui.submit('Save as complete');
    expect(await ui.page.locator('[data-score="odi_pct"]').textContent()).toBe('50');
    await ui.look('forms-03-odi-saved');
  });

  test('MME/day shows as the user types, from the protocol table, and matches the saved score', async () => {
    await ui.page.goto(`${ui.base}/subjects/VCU-0001/visits/baseline/forms/analgesic/1`);
    const live = ui.page.locator('#live-score-value');
    expect(await live.textContent()).toBe('choose a drug');
    await ui.page.getByLabel('Hydromorphone').check();
    await ui.page.getByLabel('Strength per dose (or patch rate)', { exact: true }).fill('2');
    await ui.page.getByLabel('mg', { exact: true }).check();
    await ui.page.getByLabel('Doses per day', { exact: true }).fill('3');
    expect(await live.textContent()).toBe('30 MME/day (cdc-2022)');
    await ui.look('forms-04-mme-typing');
    await ui.submit('Save as complete');
    expect(await ui.page.locator('[data-score="mme_day"]').textContent()).toBe('30');
  });

  test('an amendment without a reason is refused beside the reason; with one it shows in the history', async () => {
    await ui.page.goto(`${ui.base}/subjects/VCU-0001/visits/baseline/forms/analgesic/1`);
    await ui.page.getByLabel('Doses per day', { exact: true }).fill('4');
    expect(await ui.page.locator('#live-score-value').textContent()).toBe('40 MME/day (cdc-2022)');
    await ui.submit('Save changes');
    expect(await ui.page.getByRole('alert').textContent()).toContain('Reason for the change');
    await ui.look('forms-05-reason-required');
    await ui.page.getByRole('link', { name: /Reason for the change/ }).click();
    expect(await ui.page.evaluate(() => document.activeElement?.id)).toBe('f-reason');
    await ui.page.keyboard.type('dose confirmed with the pharmacy');
    await ui.submit('Save changes');
    await Promise.all([
      ui.page.waitForNavigation(),
      ui.page.getByRole('link', { name: 'Field history of this form' }).click(),
    ]);
    expect(await ui.page.locator('table.history').textContent()).toContain(
      'dose confirmed with the pharmacy',
    );
    await ui.look('forms-06-history');
  });

  test('every control of a form is reachable by keyboard', async () => {
    await ui.page.goto(`${ui.base}/subjects/VCU-0001/visits/baseline/forms/pain/1`);
    const reached = new Set<string>();
    for (let i = 0; i < 40; i += 1) {
      await ui.page.keyboard.press('Tab');
      const id = await ui.page.evaluate(
        () => document.activeElement?.id || document.activeElement?.textContent || '',
      );
      reached.add(id);
    }
    // A radio group takes one Tab stop (its checked radio); arrow keys move within it.
    expect([...reached].some((id) => id.startsWith('f-scale'))).toBe(true);
    for (const id of ['f-scale-missing', 'f-score', 'f-score-missing']) expect(reached).toContain(id);
    expect(reached).toContain('Save as complete');
    await ui.look('forms-07-pain');
  });

  test('axe-core: no WCAG 2.2 A/AA violation on any data-entry page', () => {
    expect(Object.keys(ui.violations).length).toBeGreaterThanOrEqual(6);
    expect(ui.violations).toEqual(Object.fromEntries(Object.keys(ui.violations).map((k) => [k, []])));
  });
});
