import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { VCU_COORDINATOR } from '../../../test/helpers/registry.js';
import { createTestWeb, WebClient } from '../../../test/helpers/web.js';
import { tokenHash } from '../../registry/epro-links.js';
import {
  createLink,
  enrolSubject,
  recordResponse,
  revokeLink,
  SYSTEM_ACTOR,
  setYearCheck,
} from '../../registry/index.js';
import { recordVisit } from '../../registry/visits.js';

const ORIGIN = 'https://registry.example.org';
const IN_WINDOW = '2026-03-17T10:00:00.000Z';
const ENROLMENT = { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' };

let web: Awaited<ReturnType<typeof createTestWeb>>;
const subjects: string[] = [];

const patient = () => new WebClient(web.app, null, ORIGIN);

/** Makes a fresh subject (VCU) and a week-2 link; returns the token and study id. */
async function linkFor(visit = 'week2') {
  const s = await enrolSubject(web.registry.deps, VCU_COORDINATOR, {
    siteId: 'VCU',
    answers: ENROLMENT,
    identity: { family_name: 'Quixotica', given_name: 'Zelda', birth_date: '1948-06-01', mrn: 'MRN-777123' },
  });
  subjects.push(s.studyId);
  const link = await createLink(web.registry.deps, VCU_COORDINATOR, { studyId: s.studyId, visit });
  return { ...link, studyId: s.studyId };
}

beforeAll(async () => {
  web = await createTestWeb('2026-03-02T09:00:00.000Z', { appOrigin: ORIGIN });
  web.registry.setTime(IN_WINDOW);
});
afterAll(() => web.destroy());

describe('patient ePRO link', () => {
  test('the token is exchanged for a __Host- patient cookie and a 303 to a token-free URL, with no-store and no-referrer', async () => {
    const { token } = await linkFor();
    const p = patient();
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
    const { token } = await linkFor();
    const p = patient();
    await p.get(`/p/${token}`);
    const res = await p.get('/dashboard');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/login/);
  });

  test('"Leave" ends the patient session on the server: the copied cookie opens nothing afterwards', async () => {
    const { token } = await linkFor();
    const p = patient();
    await p.get(`/p/${token}`);
    const copied = p.cookie;
    expect(copied).not.toBeNull();
    expect((await p.get('/p/form/pain')).status).toBe(200);
    expect((await p.post('/p/leave', {})).status).toBe(200);
    const replay = new WebClient(web.app, copied, ORIGIN);
    const res = await replay.get('/p/form/pain');
    expect(res.status).not.toBe(200);
    expect(await res.text()).not.toContain('How much pain');
  });

  test('answers page by page, leaves, resumes with the link, submits; the link is then read-only', async () => {
    const { token, studyId } = await linkFor();
    let p = patient();
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
    p = patient();
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

    const rows = await web.registry.deps.db
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
      order by id`.execute(web.registry.deps.db);
    const submit = audit.rows.find((r) => r.action === 'epro.submit');
    expect(submit).toMatchObject({ actor: 'ePRO', after: { channel: 'ePRO' } });
    expect(
      audit.rows.filter((r) => r.action === 'response.record' && r.actor === 'ePRO').length,
    ).toBeGreaterThanOrEqual(2);
    const candidates = await sql<{ description: string; status: string }>`
      select description, status from epro_ae_candidate where study_id = ${studyId}`.execute(
      web.registry.deps.db,
    );
    expect(candidates.rows).toEqual([{ description: 'A rash on my back', status: 'pending' }]);

    // The placed medicine is an analgesic form; what the patient could not place waits for the site.
    const cora = await new WebClient(web.app, null, ORIGIN).signIn('cora.vcu');
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
    const again = patient();
    await again.get(`/p/${token}`);
    expect((await again.get('/p/form')).headers.get('location')).toBe('/p/done');
    expect(
      (await again.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '1' })).headers.get('location'),
    ).toBe('/p/done');
    expect(await (await again.get('/p/done')).text()).toContain('Thank you');
  });

  test('carried-forward medicines: each needs an answer; a stop date after the recorded visit date is refused beside it', async () => {
    const { token, studyId } = await linkFor();
    const deps = web.registry.deps;
    await recordResponse(deps, VCU_COORDINATOR, {
      studyId,
      visit: 'baseline',
      instrument: 'analgesic',
      answers: { drug: 'morphine', strength: 30, unit: 'mg', route: 'oral', doses_per_day: 2 },
    });
    await recordVisit(deps, VCU_COORDINATOR, { studyId, visit: 'week2', date: '2026-03-16', mode: 'phone' });
    const p = patient();
    await p.get(`/p/${token}`);
    const html = await (await p.get('/p/form/analgesic')).text();
    expect(html).toContain('<legend>Morphine 30 mg tablet, 2 a day</legend>');
    const unanswered = await p.post('/p/form/analgesic', { action: 'save' });
    expect(unanswered.status).toBe(422);
    expect(await unanswered.text()).toMatch(/id="carried-1-error">(<[^>]*>|Error: )*Please choose an answer for this medicine/);
    // The 17th is today but after the week-2 visit recorded on the 16th: the analgesic form's own rule.
    const after = await p.post('/p/form/analgesic', {
      'carried.1': 'stopped',
      'stop.1': '2026-03-17',
      action: 'save',
    });
    expect(after.status).toBe(422);
    const refused = await after.text();
    expect(refused).toMatch(/id="stop-1-error">(<[^>]*>|Error: )*This date is after today or after this questionnaire/);
    expect(refused).toMatch(/aria-describedby="stop-1-error"/);
    const fine = await p.post('/p/form/analgesic', {
      'carried.1': 'stopped',
      'stop.1': '2026-03-15',
      action: 'save',
    });
    expect(fine.headers.get('location')).toBe('/p/form/problems');
  });

  test('no identifier on any patient page: not the name, the study id, the MRN or the birth date', async () => {
    const { token, studyId } = await linkFor();
    const p = patient();
    const pages = [await p.get(`/p/${token}`)];
    for (const path of ['/p/form', '/p/form/pain', '/p/form/odi', '/p/form/analgesic', '/p/form/problems'])
      pages.push(await p.get(path));
    for (const res of pages) {
      const text = await res.text();
      for (const id of [studyId, 'Quixotica', 'Zelda', 'MRN-777123', '1948', 'VCU'])
        expect(text).not.toContain(id);
    }
  });

  test('revoked, regenerated, expired and unknown links each get a clear page', async () => {
    const first = await linkFor();
    const second = await createLink(web.registry.deps, VCU_COORDINATOR, {
      studyId: first.studyId,
      visit: 'week2',
    });
    const old = await patient().get(`/p/${first.token}`);
    expect(old.status).toBe(410);
    expect(await old.text()).toContain('no longer valid');
    const p = patient();
    expect((await p.get(`/p/${second.token}`)).status).toBe(303);
    await revokeLink(web.registry.deps, VCU_COORDINATOR, { studyId: first.studyId, visit: 'week2' });
    expect((await patient().get(`/p/${second.token}`)).status).toBe(410);
    // A session opened before the revocation closes with it.
    expect((await p.get('/p/form')).status).toBe(410);

    const late = await linkFor();
    web.registry.setTime('2026-03-23T00:00:00.000Z');
    try {
      const res = await patient().get(`/p/${late.token}`);
      expect(res.status).toBe(410);
      expect(await res.text()).toContain('expired');
    } finally {
      web.registry.setTime(IN_WINDOW);
    }
    const unknown = await patient().get(`/p/${'A'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('This link does not work');
  });

  test('the patient session ends after 30 idle minutes', async () => {
    const { token } = await linkFor();
    const p = patient();
    await p.get(`/p/${token}`);
    web.registry.setTime('2026-03-17T10:31:00.000Z');
    try {
      const res = await p.get('/p/form');
      expect(res.status).toBe(401);
      expect(await res.text()).toContain('30 minutes');
    } finally {
      web.registry.setTime(IN_WINDOW);
    }
  });

  test('the link is valid from the window opening to its close, and capped by the protocol lifetime', async () => {
    web.registry.setTime('2026-03-02T09:00:00.000Z');
    try {
      const link = await linkFor();
      expect(link.validFrom.toISOString()).toBe('2026-03-16T00:00:00.000Z');
      expect(link.validTo.toISOString()).toBe('2026-03-23T00:00:00.000Z');
      const early = await patient().get(`/p/${link.token}`);
      expect(early.status).toBe(409);
      expect(await early.text()).toContain('opens on 2026-03-16');
      const w52 = await linkFor('week52');
      expect(w52.validTo.getTime() - w52.validFrom.getTime()).toBeLessThanOrEqual(30 * 86_400_000);
    } finally {
      web.registry.setTime(IN_WINDOW);
    }
  });

  test('only the sha256 of a token is stored, and the token never reaches a log line', async () => {
    const { token, id } = await linkFor();
    const stored = await sql<{ hash: string }>`select hash from epro_link where id = ${id}`.execute(
      web.registry.deps.db,
    );
    expect(stored.rows[0]?.hash).toBe(tokenHash(token));
    await patient().get(`/p/${token}`);
    await patient().get(`/p/${token}x`);
    const logs = web.logs.join('\n');
    expect(logs).toContain(tokenHash(token).slice(0, 8));
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(token.slice(0, 12));
  });

  test('staff of the site make the link from APP_ORIGIN (never the Host header) and see it once', async () => {
    const { studyId } = await linkFor();
    const cora = await new WebClient(web.app, null, ORIGIN).signIn('cora.vcu');
    const res = await cora.post(`/subjects/${studyId}/epro/link`, { visit: 'week4' });
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toMatch(/https:\/\/registry\.example\.org\/p\/[A-Za-z0-9_-]{43}/);
    const again = await (await cora.get(`/subjects/${studyId}/epro`)).text();
    expect(again).not.toMatch(/\/p\/[A-Za-z0-9_-]{43}/);
    const other = await new WebClient(web.app, null, ORIGIN).signIn('cole.apmss');
    expect((await other.post(`/subjects/${studyId}/epro/link`, { visit: 'week4' })).status).toBe(404);
  });

  test('staff confirm or reject a patient-reported problem once', async () => {
    const { token, studyId } = await linkFor();
    const p = patient();
    await p.get(`/p/${token}`);
    await p.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '3' });
    await p.post('/p/form/problems', { any: 'yes', description: 'Dizzy spells' });
    await p.post('/p/submit');
    const id = (
      await sql<{ id: string }>`select id from epro_ae_candidate where study_id = ${studyId}`.execute(
        web.registry.deps.db,
      )
    ).rows[0]?.id;
    const ivan = await new WebClient(web.app, null, ORIGIN).signIn('ivan.vcu');
    // The subject's page says a reported problem waits; the description itself stays on the ePRO page.
    const before = await (await ivan.get(`/subjects/${studyId}`)).text();
    expect(before).toContain('data-pending-problems="1"');
    expect(before).toContain('1 new problem reported by the patient');
    expect(before).not.toContain('Dizzy spells');
    expect((await ivan.post(`/subjects/${studyId}/epro/ae/${id}`, { decision: 'confirmed' })).status).toBe(
      303,
    );
    expect(await (await ivan.get(`/subjects/${studyId}`)).text()).not.toContain('data-pending-problems');
    expect((await ivan.post(`/subjects/${studyId}/epro/ae/${id}`, { decision: 'rejected' })).status).toBe(
      422,
    );
  });
});

describe('guessing and the year-of-birth guard', () => {
  test('the year of birth check locks the link after 5 wrong years', async () => {
    await setYearCheck(web.registry.deps, SYSTEM_ACTOR, 'VCU', true);
    try {
      const { token } = await linkFor();
      const p = patient();
      await p.get(`/p/${token}`);
      const form = await p.get('/p/form');
      expect(form.headers.get('location')).toBe('/p/year');
      expect(await (await p.get('/p/year')).text()).toContain('not a sign-in');
      for (let i = 0; i < 4; i++) expect((await p.post('/p/year', { year: '1950' })).status).toBe(422);
      const locked = await p.post('/p/year', { year: '1950' });
      expect(locked.status).toBe(410);
      expect(await locked.text()).toContain('locked');
      expect((await patient().get(`/p/${token}`)).status).toBe(410);

      const other = await linkFor();
      const q = patient();
      await q.get(`/p/${other.token}`);
      expect((await q.post('/p/year', { year: '1948' })).headers.get('location')).toBe('/p/form');
      expect((await q.get('/p/form')).status).toBe(200);
    } finally {
      await setYearCheck(web.registry.deps, SYSTEM_ACTOR, 'VCU', false);
    }
  });

  test('10 invalid tokens from one address in 15 minutes, then 429 even for a valid token', async () => {
    const { token } = await linkFor();
    await sql`delete from epro_token_failure`.execute(web.registry.deps.db);
    for (let i = 0; i < 10; i++) expect((await patient().get(`/p/guess${i}`)).status).toBe(404);
    const limited = await patient().get(`/p/${token}`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('900');
    web.registry.setTime('2026-03-17T10:16:00.000Z');
    try {
      expect((await patient().get(`/p/${token}`)).status).toBe(303);
    } finally {
      web.registry.setTime(IN_WINDOW);
    }
  });
});
