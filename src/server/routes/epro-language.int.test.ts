import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EPRO_ORIGIN, openLink, setSiteSpanish } from '../../../test/helpers/epro.js';
import { APMSS_COORDINATOR, VCU_COORDINATOR } from '../../../test/helpers/registry.js';
import { createTestWeb, WebClient } from '../../../test/helpers/web.js';
import type { Actor } from '../../registry/index.js';
import { createLink, enrolSubject, revokeLink } from '../../registry/index.js';

// The Spanish catalog is a test fixture, not a validated translation; the ODI statements are placeholders.
const ENROLMENT = { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' };

let web: Awaited<ReturnType<typeof createTestWeb>>;

/** A patient of the site holding an opened week-2 link. */
async function patientAt(site: string, actor: Actor) {
  const s = await enrolSubject(web.registry.deps, actor, { siteId: site, answers: ENROLMENT });
  const link = await createLink(web.registry.deps, actor, { studyId: s.studyId, visit: 'week2' });
  return openLink(web, link.token);
}

beforeAll(async () => {
  web = await createTestWeb('2026-03-02T09:00:00.000Z', { appOrigin: EPRO_ORIGIN });
  await setSiteSpanish(web.registry.deps, 'VCU', 'Test licence statement (fixture)');
  web.registry.setTime('2026-03-17T10:00:00.000Z');
});
afterAll(() => web.destroy());

describe('patient pages in the site language', () => {
  test("a site in Spanish: the pages' lang, the installed catalog's texts and the licensed ODI wording", async () => {
    const p = await patientAt('VCU', VCU_COORDINATOR);
    const overview = await (await p.get('/p/form')).text();
    expect(overview).toContain('<html lang="es">');
    expect(overview).toContain('Su cuestionario de seguimiento');
    expect(overview).toMatch(/Página 0 de \d/);
    const odi = await (await p.get('/p/form/odi')).text();
    expect(odi).toContain('<html lang="es">');
    expect(odi).toContain('Levantar peso');
    expect(odi).toContain('Placeholder s3_lifting statement 2 (es)');
    expect(odi).toContain('No se aplica a mí');
    expect(odi).not.toContain('2 – moderate');
    // A refused page answers in the same language.
    const refused = await p.post('/p/form/odi', { 'a.s3_lifting': '9' });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain(
      '&quot;Levantar peso&quot;: esa respuesta no es una de las opciones mostradas',
    );
    const pain = await (await p.get('/p/form/pain')).text();
    expect(pain).toContain('¿Cuánto dolor tiene ahora');
    const meds = await (await p.get('/p/form/analgesic')).text();
    expect(meds).toContain('<html lang="es">');
    expect(meds).toContain('Medicamentos para el dolor');
  });

  test('in-clinic: the device handed to the patient shows the pages in the site language', async () => {
    const { studyId } = await enrolSubject(web.registry.deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: ENROLMENT,
    });
    const staff = await new WebClient(web.app, null, EPRO_ORIGIN).signIn('cora.vcu');
    const res = await staff.post(`/subjects/${studyId}/epro/in-clinic`, { visit: 'week2' });
    expect(res.status).toBe(303);
    const tablet = new WebClient(web.app, null, EPRO_ORIGIN);
    expect((await tablet.get(res.headers.get('location') ?? '')).status).toBe(303);
    const pain = await (await tablet.get('/p/form/pain')).text();
    expect(pain).toContain('<html lang="es">');
    expect(pain).toContain('¿Cuánto dolor tiene ahora');
  });

  test("a valid link that cannot open says so in its site's language; a token that does not work, in English", async () => {
    const { studyId } = await enrolSubject(web.registry.deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: ENROLMENT,
    });
    const link = await createLink(web.registry.deps, VCU_COORDINATOR, { studyId, visit: 'week2' });
    await revokeLink(web.registry.deps, VCU_COORDINATOR, { studyId, visit: 'week2' });
    const revoked = await new WebClient(web.app, null, EPRO_ORIGIN).get(`/p/${link.token}`);
    expect(revoked.status).toBe(410);
    const text = await revoked.text();
    expect(text).toContain('<html lang="es">');
    expect(text).toContain('Este enlace ya no es válido');
    const unknown = await new WebClient(web.app, null, EPRO_ORIGIN).get(`/p/${'B'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('<html lang="en">');
  });

  test('a site with no language set: English and the neutral ODI anchors', async () => {
    const p = await patientAt('APMSS', APMSS_COORDINATOR);
    const overview = await (await p.get('/p/form')).text();
    expect(overview).toContain('<html lang="en">');
    expect(overview).toContain('Your follow-up questionnaire');
    const odi = await (await p.get('/p/form/odi')).text();
    expect(odi).toContain('Lifting');
    expect(odi).toContain('2 – moderate');
    expect(odi).not.toContain('Placeholder');
  });

  test('a site in Spanish without an installed ODI wording shows the neutral anchors in Spanish', async () => {
    await setSiteSpanish(web.registry.deps, 'APMSS');
    const p = await patientAt('APMSS', APMSS_COORDINATOR);
    const odi = await (await p.get('/p/form/odi')).text();
    expect(odi).toContain('<html lang="es">');
    expect(odi).toContain('2 – moderado');
    expect(odi).not.toContain('Placeholder');
  });
});
