import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { VCU_COORDINATOR } from '../../../test/helpers/registry.js';
import { createTestWeb, STAFF_PASSWORD, WebClient } from '../../../test/helpers/web.js';
import { enrolSubject } from '../../registry/index.js';

const ORIGIN = 'https://registry.example.org';
const IN_WINDOW = '2026-03-17T10:00:00.000Z';
const ENROLMENT = { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' };

let web: Awaited<ReturnType<typeof createTestWeb>>;

async function subject(): Promise<string> {
  const s = await enrolSubject(web.registry.deps, VCU_COORDINATOR, { siteId: 'VCU', answers: ENROLMENT });
  return s.studyId;
}

const staff = (username: string) => new WebClient(web.app, null, ORIGIN).signIn(username);

/** Starts in-clinic ePRO for week 2; returns the staff client and a client holding both cookies (the tablet). */
async function handOver(username: string) {
  const studyId = await subject();
  const s = await staff(username);
  const res = await s.post(`/subjects/${studyId}/epro/in-clinic`, { visit: 'week2' });
  expect(res.status).toBe(303);
  const location = res.headers.get('location') ?? '';
  expect(location).toMatch(/^\/p\/[A-Za-z0-9_-]{43}$/);
  const p = new WebClient(web.app, null, ORIGIN);
  expect((await p.get(location)).status).toBe(303);
  const tablet = new WebClient(web.app, `${s.cookie}; ${p.cookie}`, ORIGIN);
  return { studyId, staff: s, tablet };
}

beforeAll(async () => {
  web = await createTestWeb('2026-03-02T09:00:00.000Z', { appOrigin: ORIGIN });
  web.registry.setTime(IN_WINDOW);
});
afterAll(() => web.destroy());

describe('in-clinic ePRO', () => {
  test('the subject page links to its ePRO page, which offers to hand the device to the patient', async () => {
    const studyId = await subject();
    const s = await staff('cora.vcu');
    const page = await (await s.get(`/subjects/${studyId}`)).text();
    expect(page).toContain(`href="/subjects/${studyId}/epro"`);
    const epro = await (await s.get(`/subjects/${studyId}/epro`)).text();
    expect(epro).toContain(`action="/subjects/${studyId}/epro/in-clinic"`);
  });

  test('while the patient answers, staff pages ask for the password; patient pages work; unlock opens them again', async () => {
    const { studyId, staff: s, tablet } = await handOver('cora.vcu');
    for (const path of ['/dashboard', `/subjects/${studyId}`, `/subjects/${studyId}/epro`, '/login']) {
      const res = await s.get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toBe('/unlock');
    }
    const post = await s.post(`/subjects/${studyId}/epro/link`, { visit: 'week2' });
    expect(post.status).toBe(403);
    expect(await post.text()).toContain('locked while a patient answers');
    // The patient, on the same device, answers.
    const form = await tablet.get('/p/form/pain');
    expect(form.status).toBe(200);
    const unlock = await s.get('/unlock');
    expect(unlock.status).toBe(200);
    const lockedPage = await unlock.text();
    expect(lockedPage).toContain('Staff session locked');
    // The patient holding the device sees no staff name, no site and no navigation.
    expect(lockedPage).not.toContain('cora.vcu');
    expect(lockedPage).not.toContain('aria-label="Main"');
    expect(lockedPage).not.toContain('Sign out');
    // A wrong password keeps it locked.
    const wrong = await s.post('/unlock', { password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Password: not right');
    expect((await s.get('/dashboard')).headers.get('location')).toBe('/unlock');
    const ok = await s.post('/unlock', { password: STAFF_PASSWORD });
    expect(ok.status).toBe(303);
    expect((await s.get('/dashboard')).status).toBe(200);
    expect((await s.get('/unlock')).status).toBe(303);
    // An unlocked session has nothing to unlock: no password is checked or counted.
    expect((await s.post('/unlock', { password: 'whatever' })).status).toBe(303);
    const events = await sql<{ action: string }>`select action from audit_event
      where actor = 'cora.vcu' and action like 'session.%lock%' order by id`.execute(web.registry.deps.db);
    expect(events.rows.map((r) => r.action)).toEqual([
      'session.locked',
      'session.unlock_failed',
      'session.unlocked',
    ]);
  });

  test('the patient answers in the clinic and submits; after unlock the form page says the patient entered it', async () => {
    const { studyId, staff: s, tablet } = await handOver('cora.vcu');
    expect((await tablet.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '3' })).status).toBe(303);
    const odi: Record<string, string> = {};
    for (const id of ['s1_pain_intensity', 's2_personal_care', 's3_lifting', 's4_walking', 's5_sitting']) {
      odi[`a.${id}`] = '1';
    }
    expect((await tablet.post('/p/form/odi', odi)).status).toBe(303);
    expect((await tablet.post('/p/form/analgesic', { none: 'yes' })).status).toBe(303);
    expect((await tablet.post('/p/form/problems', { any: 'no' })).status).toBe(303);
    expect((await tablet.post('/p/submit')).headers.get('location')).toBe('/p/done');
    expect((await s.post('/unlock', { password: STAFF_PASSWORD })).status).toBe(303);
    const form = await s.get(`/subjects/${studyId}/visits/week2/forms/pain/1`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('entered by the patient via ePRO');
  });

  test('guessing the unlock password backs off as sign-in does: then even the right one waits', async () => {
    const { staff: s } = await handOver('ivan.vcu');
    for (let i = 0; i < 3; i += 1)
      expect((await s.post('/unlock', { password: `guess-${i}` })).status).toBe(401);
    const held = await s.post('/unlock', { password: STAFF_PASSWORD });
    expect(held.status).toBe(429);
    expect((await s.get('/dashboard')).headers.get('location')).toBe('/unlock');
    web.registry.setTime('2026-03-17T10:20:00.000Z');
    expect((await s.post('/unlock', { password: STAFF_PASSWORD })).status).toBe(303);
    expect((await s.get('/dashboard')).status).toBe(200);
    web.registry.setTime(IN_WINDOW);
  });

  test('the patient without the staff cookie cannot reach staff pages or the unlock page', async () => {
    const { studyId, tablet } = await handOver('cora.vcu');
    const patientOnly = new WebClient(web.app, tablet.cookie?.split('; ')[1] ?? null, ORIGIN);
    for (const path of ['/unlock', `/subjects/${studyId}`]) {
      const res = await patientOnly.get(path);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toMatch(/^\/login/);
    }
    expect((await patientOnly.post('/unlock', { password: STAFF_PASSWORD })).status).toBe(401);
  });

  test('a monitor cannot start in-clinic ePRO', async () => {
    const studyId = await subject();
    const m = await staff('mona.monitor');
    expect((await m.post(`/subjects/${studyId}/epro/in-clinic`, { visit: 'week2' })).status).toBe(403);
  });
});
