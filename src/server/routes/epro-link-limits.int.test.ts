// A patient's ePRO link, its limits: no identifier on a patient page, a clear page for each dead link,
// idle sessions, validity windows, only token hashes stored, staff making links and confirming
// problems, guessing and the year-of-birth guard.
import { sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import { EPRO_ORIGIN } from '../../../test/helpers/epro.js';
import { useEproWeb } from '../../../test/helpers/epro-web.js';
import { VCU_COORDINATOR } from '../../../test/helpers/registry.js';
import { WebClient } from '../../../test/helpers/web.js';
import { tokenHash } from '../../registry/epro-links.js';
import { createLink, revokeLink, SYSTEM_ACTOR, setYearCheck } from '../../registry/index.js';

const IN_WINDOW = '2026-03-17T10:00:00.000Z';
const ui = useEproWeb();

describe('patient ePRO link', () => {
  test('no identifier on any patient page: not the name, the study id, the MRN or the birth date', async () => {
    const { token, studyId } = await ui.linkFor();
    const p = ui.patient();
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
    const first = await ui.linkFor();
    const second = await createLink(ui.web.registry.deps, VCU_COORDINATOR, {
      studyId: first.studyId,
      visit: 'week2',
    });
    const old = await ui.patient().get(`/p/${first.token}`);
    expect(old.status).toBe(410);
    expect(await old.text()).toContain('no longer valid');
    const p = ui.patient();
    expect((await p.get(`/p/${second.token}`)).status).toBe(303);
    await revokeLink(ui.web.registry.deps, VCU_COORDINATOR, { studyId: first.studyId, visit: 'week2' });
    expect((await ui.patient().get(`/p/${second.token}`)).status).toBe(410);
    // A session opened before the revocation closes with it.
    expect((await p.get('/p/form')).status).toBe(410);

    const late = await ui.linkFor();
    ui.web.registry.setTime('2026-03-23T00:00:00.000Z');
    try {
      const res = await ui.patient().get(`/p/${late.token}`);
      expect(res.status).toBe(410);
      expect(await res.text()).toContain('expired');
    } finally {
      ui.web.registry.setTime(IN_WINDOW);
    }
    const unknown = await ui.patient().get(`/p/${'A'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('This link does not work');
  });

  test('the patient session ends after 30 idle minutes', async () => {
    const { token } = await ui.linkFor();
    const p = ui.patient();
    await p.get(`/p/${token}`);
    ui.web.registry.setTime('2026-03-17T10:31:00.000Z');
    try {
      const res = await p.get('/p/form');
      expect(res.status).toBe(401);
      expect(await res.text()).toContain('30 minutes');
    } finally {
      ui.web.registry.setTime(IN_WINDOW);
    }
  });

  test('the link is valid from the window opening to its close, and capped by the protocol lifetime', async () => {
    ui.web.registry.setTime('2026-03-02T09:00:00.000Z');
    try {
      const link = await ui.linkFor();
      expect(link.validFrom.toISOString()).toBe('2026-03-16T00:00:00.000Z');
      expect(link.validTo.toISOString()).toBe('2026-03-23T00:00:00.000Z');
      const early = await ui.patient().get(`/p/${link.token}`);
      expect(early.status).toBe(409);
      expect(await early.text()).toContain('opens on 2026-03-16');
      const w52 = await ui.linkFor('week52');
      expect(w52.validTo.getTime() - w52.validFrom.getTime()).toBeLessThanOrEqual(30 * 86_400_000);
    } finally {
      ui.web.registry.setTime(IN_WINDOW);
    }
  });

  test('only the sha256 of a token is stored, and the token never reaches a log line', async () => {
    const { token, id } = await ui.linkFor();
    const stored = await sql<{ hash: string }>`select hash from epro_link where id = ${id}`.execute(
      ui.web.registry.deps.db,
    );
    expect(stored.rows[0]?.hash).toBe(tokenHash(token));
    await ui.patient().get(`/p/${token}`);
    await ui.patient().get(`/p/${token}x`);
    const logs = ui.web.logs.join('\n');
    expect(logs).toContain(tokenHash(token).slice(0, 8));
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(token.slice(0, 12));
  });

  test('staff of the site make the link from APP_ORIGIN (never the Host header) and see it once', async () => {
    const { studyId } = await ui.linkFor();
    const cora = await new WebClient(ui.web.app, null, EPRO_ORIGIN).signIn('cora.vcu');
    const res = await cora.post(`/subjects/${studyId}/epro/link`, { visit: 'week4' });
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toMatch(/https:\/\/registry\.example\.org\/p\/[A-Za-z0-9_-]{43}/);
    const again = await (await cora.get(`/subjects/${studyId}/epro`)).text();
    expect(again).not.toMatch(/\/p\/[A-Za-z0-9_-]{43}/);
    const other = await new WebClient(ui.web.app, null, EPRO_ORIGIN).signIn('cole.apmss');
    expect((await other.post(`/subjects/${studyId}/epro/link`, { visit: 'week4' })).status).toBe(404);
  });

  test('staff confirm or reject a patient-reported problem once', async () => {
    const { token, studyId } = await ui.linkFor();
    const p = ui.patient();
    await p.get(`/p/${token}`);
    await p.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '3' });
    await p.post('/p/form/problems', { any: 'yes', description: 'Dizzy spells' });
    await p.post('/p/submit');
    const id = (
      await sql<{ id: string }>`select id from epro_ae_candidate where study_id = ${studyId}`.execute(
        ui.web.registry.deps.db,
      )
    ).rows[0]?.id;
    const ivan = await new WebClient(ui.web.app, null, EPRO_ORIGIN).signIn('ivan.vcu');
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
    await setYearCheck(ui.web.registry.deps, SYSTEM_ACTOR, 'VCU', true);
    try {
      const { token } = await ui.linkFor();
      const p = ui.patient();
      await p.get(`/p/${token}`);
      const form = await p.get('/p/form');
      expect(form.headers.get('location')).toBe('/p/year');
      expect(await (await p.get('/p/year')).text()).toContain('not a sign-in');
      for (let i = 0; i < 4; i++) expect((await p.post('/p/year', { year: '1950' })).status).toBe(422);
      const locked = await p.post('/p/year', { year: '1950' });
      expect(locked.status).toBe(410);
      expect(await locked.text()).toContain('locked');
      expect((await ui.patient().get(`/p/${token}`)).status).toBe(410);

      const other = await ui.linkFor();
      const q = ui.patient();
      await q.get(`/p/${other.token}`);
      expect((await q.post('/p/year', { year: '1948' })).headers.get('location')).toBe('/p/form');
      expect((await q.get('/p/form')).status).toBe(200);
    } finally {
      await setYearCheck(ui.web.registry.deps, SYSTEM_ACTOR, 'VCU', false);
    }
  });

  test('10 invalid tokens from one address in 15 minutes, then 429 even for a valid token', async () => {
    const { token } = await ui.linkFor();
    await sql`delete from epro_token_failure`.execute(ui.web.registry.deps.db);
    for (let i = 0; i < 10; i++) expect((await ui.patient().get(`/p/guess${i}`)).status).toBe(404);
    const limited = await ui.patient().get(`/p/${token}`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('900');
    ui.web.registry.setTime('2026-03-17T10:16:00.000Z');
    try {
      expect((await ui.patient().get(`/p/${token}`)).status).toBe(303);
    } finally {
      ui.web.registry.setTime(IN_WINDOW);
    }
  });
});
