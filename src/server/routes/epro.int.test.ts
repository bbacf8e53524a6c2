// A patient's ePRO link, the questionnaire: the token exchanged for a patient cookie that opens no staff
// page, leaving, answering page by page and resuming, submitting, carried-forward medicines.
import { sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import { EPRO_ORIGIN } from '../../../test/helpers/epro.js';
import { useEproWeb } from '../../../test/helpers/epro-web.js';
import { VCU_COORDINATOR } from '../../../test/helpers/registry.js';
import { WebClient } from '../../../test/helpers/web.js';
import { recordResponse } from '../../registry/index.js';
import { recordVisit } from '../../registry/visits.js';

const _IN_WINDOW = '2026-03-17T10:00:00.000Z';
const ui = useEproWeb();

describe('patient ePRO link', () => {
  test('the token is exchanged for a __Host- patient cookie and a 303 to a token-free URL, with no-store and no-referrer', async () => {
    const { token } = await ui.linkFor();
    const p = ui.patient();
    const res = await p.get(`/p/${token}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/p/form');
    expect(res.headers.get('set-cookie')).toMatch(
      /^__Host-sifreg-epro=[A-Za-z0-9_-]{43}; .*Path=\/; HttpOnly; Secure; SameSite=Lax/,
    );
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const page = await p.get('/p/form');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).not.toContain(token);
    expect(html).toContain('Page 0 of 4');
  });

  test('the patient cookie is not a staff session: staff pages stay closed', async () => {
    const { token } = await ui.linkFor();
    const p = ui.patient();
    await p.get(`/p/${token}`);
    const res = await p.get('/dashboard');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/login/);
  });

  test('"Leave" ends the patient session on the server: the copied cookie opens nothing afterwards', async () => {
    const { token } = await ui.linkFor();
    const p = ui.patient();
    await p.get(`/p/${token}`);
    const copied = p.cookie;
    expect(copied).not.toBeNull();
    expect((await p.get('/p/form/pain')).status).toBe(200);
    expect((await p.post('/p/leave', {})).status).toBe(200);
    const replay = new WebClient(ui.web.app, copied, EPRO_ORIGIN);
    const res = await replay.get('/p/form/pain');
    expect(res.status).not.toBe(200);
    expect(await res.text()).not.toContain('How much pain');
  });

  test('answers page by page, leaves, resumes with the link, submits; the link is then read-only', async () => {
    const { token, studyId } = await ui.linkFor();
    let p = ui.patient();
    await p.get(`/p/${token}`);
    const pain = await p.get('/p/form/pain');
    const painHtml = await pain.text();
    expect(painHtml).toMatch(/<fieldset><legend[^>]*>How much pain/);
    expect(painHtml.match(/type="radio"/g)).toHaveLength(11);
    const unanswered = await p.post('/p/form/pain', { 'a.scale': 'nrs' });
    expect(unanswered.status).toBe(422);
    expect(await unanswered.text()).toContain('Please choose an answer');
    const saved = await p.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '6' });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe('/p/form/odi');
    // Leaves; a new browser opens the same link and finds the pain page saved.
    p = ui.patient();
    await p.get(`/p/${token}`);
    const overview = await (await p.get('/p/form')).text();
    expect(overview).toContain('Page 1 of 4');
    expect(overview).toContain('Continue');
    expect(await (await p.get('/p/form/pain')).text()).toMatch(/value="6" checked/);
    const odi: Record<string, string> = {};
    for (const [i, id] of [
      's1_pain_intensity',
      's2_personal_care',
      's3_lifting',
      's4_walking',
      's5_sitting',
    ].entries())
      odi[`a.${id}`] = String(i % 6);
    expect((await p.post('/p/form/odi', odi)).headers.get('location')).toBe('/p/form/analgesic');
    const drugsPage = await (await p.get('/p/form/analgesic')).text();
    expect(drugsPage).toContain('Add a medicine');
    // A new medicine in two steps: its name, then its strength and how many a day.
    expect((await p.post('/p/form/analgesic', { action: 'add' })).headers.get('location')).toBe(
      '/p/form/analgesic/add',
    );
    expect(await (await p.get('/p/form/analgesic/add')).text()).toContain('Oxycodone (OxyContin');
    expect((await p.post('/p/form/analgesic/add', { drug: 'oxycodone' })).headers.get('location')).toBe(
      '/p/form/analgesic/add/oxycodone',
    );
    const strengths = await (await p.get('/p/form/analgesic/add/oxycodone')).text();
    for (const s of ['5 mg', '10 mg', '15 mg', '20 mg', '30 mg', 'not sure']) expect(strengths).toContain(s);
    expect((await p.post('/p/form/analgesic/add/oxycodone', { strength: '10' })).status).toBe(422);
    expect((await p.post('/p/form/analgesic/add/oxycodone', { strength: '12', perday: '3' })).status).toBe(
      422,
    );
    await p.post('/p/form/analgesic/add/oxycodone', { strength: '10', perday: '3' });
    await p.post('/p/form/analgesic/add/acetaminophen', { strength: 'unsure', perday: '2' });
    expect(await (await p.get('/p/form/analgesic')).text()).toContain('Oxycodone 10 mg tablet, 3 a day');
    // "None" and a medicine together: said beside the box, nothing lost.
    const both = await p.post('/p/form/analgesic', { none: 'yes', action: 'save' });
    expect(both.status).toBe(422);
    expect(await both.text()).toContain('You chose &quot;None&quot;');
    expect(
      (
        await p.post('/p/form/analgesic', { other: 'the white pills from my neighbour', action: 'save' })
      ).headers.get('location'),
    ).toBe('/p/form/problems');
    await p.post('/p/form/problems', { any: 'yes', description: 'A rash on my back' });
    const review = await (await p.get('/p/form')).text();
    expect(review).toContain('Send my answers');
    const sent = await p.post('/p/submit');
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe('/p/done');
    expect(await (await p.get('/p/done')).text()).toContain('Thank you');

    const rows = await ui.web.registry.deps.db
      .selectFrom('response')
      .select(['instrument', 'entered_by', 'entered_by_kind', 'status'])
      .where('study_id', '=', studyId)
      .where('visit', '=', 'week2')
      .orderBy('instrument')
      .execute();
    expect(rows).toEqual([
      { instrument: 'analgesic', entered_by: 'ePRO', entered_by_kind: 'patient', status: 'complete' },
      { instrument: 'odi', entered_by: 'ePRO', entered_by_kind: 'patient', status: 'complete' },
      { instrument: 'pain', entered_by: 'ePRO', entered_by_kind: 'patient', status: 'complete' },
    ]);
    const audit = await sql<{ actor: string; action: string; after: { channel?: string } }>`
      select actor, action, after from audit_event where entity_id = ${studyId} or action = 'response.record'
      order by id`.execute(ui.web.registry.deps.db);
    const submit = audit.rows.find((r) => r.action === 'epro.submit');
    expect(submit).toMatchObject({ actor: 'ePRO', after: { channel: 'ePRO' } });
    expect(
      audit.rows.filter((r) => r.action === 'response.record' && r.actor === 'ePRO').length,
    ).toBeGreaterThanOrEqual(2);
    const candidates = await sql<{ description: string; status: string }>`
      select description, status from epro_ae_candidate where study_id = ${studyId}`.execute(
      ui.web.registry.deps.db,
    );
    expect(candidates.rows).toEqual([{ description: 'A rash on my back', status: 'pending' }]);

    // The placed medicine is an analgesic form; what the patient could not place waits for the site.
    const cora = await new WebClient(ui.web.app, null, EPRO_ORIGIN).signIn('cora.vcu');
    const staffPage = await (await cora.get(`/subjects/${studyId}/epro`)).text();
    expect(staffPage).toContain('Oxycodone 10 mg tablet, 3 a day [oxycodone]');
    expect(staffPage).toContain(
      'to place: &quot;Paracetamol (strength not sure), 2 a day; the white pills from my neighbour&quot;',
    );
    expect(staffPage).toContain('A rash on my back');
    expect(staffPage).toContain(
      `href="/subjects/${studyId}/visits/week2/forms/pain/1">pain at week2</a> (entered by the patient`,
    );
    const form = await cora.get(`/subjects/${studyId}/visits/week2/forms/pain/1`);
    expect(form.status).toBe(200);

    // The same link again: read-only thank-you, nothing can be changed.
    const again = ui.patient();
    await again.get(`/p/${token}`);
    expect((await again.get('/p/form')).headers.get('location')).toBe('/p/done');
    expect(
      (await again.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '1' })).headers.get('location'),
    ).toBe('/p/done');
    expect(await (await again.get('/p/done')).text()).toContain('Thank you');
  });

  test('carried-forward medicines: each needs an answer; a stop date after the recorded visit date is refused beside it', async () => {
    const { token, studyId } = await ui.linkFor();
    const deps = ui.web.registry.deps;
    await recordResponse(deps, VCU_COORDINATOR, {
      studyId,
      visit: 'baseline',
      instrument: 'analgesic',
      answers: { drug: 'morphine', strength: 30, unit: 'mg', route: 'oral', doses_per_day: 2 },
    });
    await recordVisit(deps, VCU_COORDINATOR, { studyId, visit: 'week2', date: '2026-03-16', mode: 'phone' });
    const p = ui.patient();
    await p.get(`/p/${token}`);
    const html = await (await p.get('/p/form/analgesic')).text();
    expect(html).toContain('<legend>Morphine 30 mg tablet, 2 a day</legend>');
    const unanswered = await p.post('/p/form/analgesic', { action: 'save' });
    expect(unanswered.status).toBe(422);
    expect(await unanswered.text()).toMatch(
      /id="carried-1-error">(<[^>]*>|Error: )*Please choose an answer for this medicine/,
    );
    // The 17th is today but after the week-2 visit recorded on the 16th: the analgesic form's own rule.
    const after = await p.post('/p/form/analgesic', {
      'carried.1': 'stopped',
      'stop.1': '2026-03-17',
      action: 'save',
    });
    expect(after.status).toBe(422);
    const refused = await after.text();
    expect(refused).toMatch(
      /id="stop-1-error">(<[^>]*>|Error: )*This date is after today or after this questionnaire/,
    );
    expect(refused).toMatch(/aria-describedby="stop-1-error"/);
    const fine = await p.post('/p/form/analgesic', {
      'carried.1': 'stopped',
      'stop.1': '2026-03-15',
      action: 'save',
    });
    expect(fine.headers.get('location')).toBe('/p/form/problems');
  });
});
