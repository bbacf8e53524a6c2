import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EPRO_ORIGIN, openLink, setSiteSpanish } from '../../../test/helpers/epro.js';
import { APMSS_COORDINATOR, VCU_COORDINATOR } from '../../../test/helpers/registry.js';
import { createTestWeb, type WebClient } from '../../../test/helpers/web.js';
import type { Actor } from '../../registry/index.js';
import { createLink, enrolSubject, recordResponse } from '../../registry/index.js';

/*
 * The satisfaction page and the analgesics pages in the site's language: the questions, choices,
 * dose forms and the words around a medicine come from the site's catalog (the Spanish catalog is a
 * test fixture, not a validated translation). English unchanged; an installed catalog older than
 * these keys shows English for each key it lacks.
 */

const ENROLMENT = { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' };

let web: Awaited<ReturnType<typeof createTestWeb>>;

/** A patient of the site whose baseline lists oxycodone 10 mg three a day, holding an opened week-52 link. */
async function patientAt(site: string, actor: Actor) {
  const deps = web.registry.deps;
  web.registry.setTime('2026-03-06T10:00:00.000Z');
  const s = await enrolSubject(deps, actor, { siteId: site, answers: ENROLMENT });
  await recordResponse(deps, actor, {
    studyId: s.studyId,
    visit: 'baseline',
    instrument: 'analgesic',
    answers: {
      drug: 'oxycodone',
      strength: 10,
      unit: 'mg',
      route: 'oral',
      doses_per_day: 3,
      start_date: '2026-02-01',
    },
    status: 'complete',
  });
  web.registry.setTime('2027-03-04T10:00:00.000Z');
  const link = await createLink(deps, actor, { studyId: s.studyId, visit: 'week52' });
  return openLink(web, link.token);
}

/** The analgesics page after adding oxycodone 10 mg three a day and paracetamol of a strength not known. */
async function medicinesPage(p: WebClient): Promise<string> {
  await p.post('/p/form/analgesic/add/oxycodone', { strength: '10', perday: '3' });
  await p.post('/p/form/analgesic/add/acetaminophen', { strength: 'unsure', perday: '2' });
  return (await p.get('/p/form/analgesic')).text();
}

beforeAll(async () => {
  web = await createTestWeb('2026-03-02T09:00:00.000Z', { appOrigin: EPRO_ORIGIN });
  await setSiteSpanish(web.registry.deps, 'VCU');
});
afterAll(() => web.destroy());

describe('satisfaction and analgesics pages in the site language', () => {
  test('a site in Spanish: the satisfaction questions and choices, the medicines and their dose forms', async () => {
    const p = await patientAt('VCU', VCU_COORDINATOR);
    const satisfaction = await (await p.get('/p/form/satisfaction')).text();
    expect(satisfaction).toContain('<html lang="es">');
    expect(satisfaction).toContain('En general, ¿cuán satisfecho está con el procedimiento?');
    expect(satisfaction).toContain('Ni satisfecho ni insatisfecho');
    expect(satisfaction).toContain('¿Volvería a hacerse el procedimiento?');
    expect(satisfaction).not.toMatch(/Overall, how satisfied|Very dissatisfied|procedure again/);
    // A refused answer names the question in the page's language.
    const refused = await p.post('/p/form/satisfaction', {
      'a.overall': 'ecstatic',
      'a.would_repeat': 'true',
    });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain(
      '&quot;En general, ¿cuán satisfecho está con el procedimiento?&quot;: esa respuesta no es una',
    );

    const meds = await medicinesPage(p);
    expect(meds).toContain('<html lang="es">');
    expect(meds).toContain('<legend>Oxicodona 10 mg comprimido, 3 al día</legend>');
    expect(meds).toContain('¿Qué dosis tiene cada comprimido?');
    expect(meds).toContain('Oxicodona 10 mg comprimido, 3 al día</span>');
    expect(meds).toContain('Paracetamol (dosis no segura), 2 al día');
    expect(meds).not.toMatch(/ a day|tablet|strength not sure|Oxycodone/);
    const dose = await (await p.get('/p/form/analgesic/add/gabapentin')).text();
    expect(dose).toContain('<html lang="es">');
    expect(dose).toContain('¿Qué dosis tiene cada cápsula?');
    const patch = await (await p.get('/p/form/analgesic/add/fentanyl_patch')).text();
    expect(patch).toContain('¿Qué dosis tiene cada parche?');
    // The medicine names a patient picks from, and the dose page's title, from the catalog.
    const list = await (await p.get('/p/form/analgesic/add')).text();
    expect(list).toContain('Oxicodona (OxyContin, Percocet, Roxicodone)');
    expect(list).toContain('Parche de fentanilo (Duragesic)');
    expect(list).toContain('Metadona');
    expect(list).not.toMatch(/Fentanyl patch|Oxycodone \(|Tylenol with codeine/);
    expect(dose).toContain('<h1>Gabapentina (Neurontin)</h1>');
    expect(dose).toMatch(/<title>Gabapentina \(Neurontin\) · /);
    expect(patch).toContain('<h1>Parche de fentanilo (Duragesic)</h1>');
    expect(patch).not.toContain('Fentanyl patch');
  });

  test('a site in English: the same pages read as before', async () => {
    const p = await patientAt('APMSS', APMSS_COORDINATOR);
    const satisfaction = await (await p.get('/p/form/satisfaction')).text();
    expect(satisfaction).toContain('<html lang="en">');
    expect(satisfaction).toContain('Overall, how satisfied are you with the procedure?');
    expect(satisfaction).toContain('Neither satisfied nor dissatisfied');
    expect(satisfaction).toContain('Would you have the procedure again?');
    const meds = await medicinesPage(p);
    expect(meds).toContain('<legend>Oxycodone 10 mg tablet, 3 a day</legend>');
    expect(meds).toContain('How strong is each tablet?');
    expect(meds).toContain('Paracetamol (strength not sure), 2 a day');
    const list = await (await p.get('/p/form/analgesic/add')).text();
    expect(list).toContain('Oxycodone (OxyContin, Percocet, Roxicodone)');
    expect(list).toContain('Fentanyl patch (Duragesic)');
    const dose = await (await p.get('/p/form/analgesic/add/fentanyl_patch')).text();
    expect(dose).toContain('<h1>Fentanyl patch (Duragesic)</h1>');
  });

  test('a catalog installed before these keys: English for each key it lacks, its own texts for the rest', async () => {
    // Installing checks exactly the English keys, so an older catalog is one already in site_text.
    await sql`update site_text set body = body - 'satisfactionQuestions' - 'doseForms' - 'medsDosePerDay' - 'drugNames' - 'drugShortNames'
      where site_id = 'VCU' and kind = 'catalog' and replaced_at is null`.execute(web.registry.deps.db);
    const p = await patientAt('VCU', VCU_COORDINATOR);
    const satisfaction = await (await p.get('/p/form/satisfaction')).text();
    expect(satisfaction).toContain('<html lang="es">');
    expect(satisfaction).toContain('Overall, how satisfied are you with the procedure?');
    expect(satisfaction).toContain('Ni satisfecho ni insatisfecho');
    expect(satisfaction).toContain('Su satisfacción');
    const meds = await medicinesPage(p);
    expect(meds).toContain('<legend>Oxycodone 10 mg tablet, 3 a day</legend>');
    expect(meds).toContain('Paracetamol (dosis no segura), 2 a day');
    expect(meds).toContain('Medicamentos de su última visita');
    const list = await (await p.get('/p/form/analgesic/add')).text();
    expect(list).toContain('<html lang="es">');
    expect(list).toContain('Fentanyl patch (Duragesic)');
    expect(list).toContain('¿Qué medicamento para el dolor toma?');
    const dose = await (await p.get('/p/form/analgesic/add/gabapentin')).text();
    expect(dose).toContain('<h1>Gabapentin (Neurontin)</h1>');
    expect(dose).toContain('¿Cuántos toma al día?');
  });
});
