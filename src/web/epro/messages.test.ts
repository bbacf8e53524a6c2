import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { addedMedicineWords, PATIENT_DRUGS, recordedMedicineWords } from '../../instruments/patient-drugs.js';
import { SATISFACTION } from '../../instruments/satisfaction.js';
import { EN } from './messages/en.js';
import {
  catalogProblems,
  doseWording,
  EN_CATALOG,
  messagesFromCatalog,
  patientMessages,
} from './messages.js';

// A test fixture, not a validated translation.
const ES = JSON.parse(readFileSync(new URL('../../../test/fixtures/epro-es.json', import.meta.url), 'utf8'));

describe('patient page catalogs', () => {
  test('the English catalog as a site writes one: every text, values as {placeholders}, no lang', () => {
    expect(EN_CATALOG.progress).toBe('Page {page} of {total}');
    expect(EN_CATALOG.notYetText).toBe(
      'This questionnaire opens on {day}. Please come back then with the same link.',
    );
    expect(EN_CATALOG).not.toHaveProperty('lang');
    expect(Object.keys(EN_CATALOG)).toHaveLength(Object.keys(EN).length - 1);
    expect(catalogProblems(EN_CATALOG)).toEqual([]);
  });

  test('an installed catalog becomes the page messages, placeholders filled in order', () => {
    const m = messagesFromCatalog('es', ES);
    expect(m.lang).toBe('es');
    expect(m.submit).toBe('Enviar mis respuestas');
    expect(m.progress(2, 5)).toBe('Página 2 de 5');
    expect(m.notAnOption('Dolor')).toBe(
      '"Dolor": esa respuesta no es una de las opciones mostradas. Elija una de ellas.',
    );
    expect(m.pageTitles.pain).toBe('Dolor');
    expect(m.odiSections.s3_lifting).toBe('Levantar peso');
  });

  test('a session without an installed catalog reads English (or a built-in catalog of its language)', () => {
    expect(patientMessages({ language: 'es', catalog: null })).toBe(EN);
    expect(patientMessages({ language: 'en', catalog: null }).lang).toBe('en');
    expect(patientMessages({ language: 'es', catalog: ES }).yes).toBe('Sí');
  });

  test.each([
    ['a missing key', { ...ES, submit: undefined }, 'key submit is missing'],
    ['an unknown key', { ...ES, sumbit: 'x' }, 'key sumbit is not a catalog key'],
    ['a text that is not a string', { ...ES, yes: 1 }, 'key yes must be a text that is not empty'],
    ['an empty text', { ...ES, no: '  ' }, 'key no must be a text that is not empty'],
    [
      'a lost placeholder',
      { ...ES, progress: 'Página {page}' },
      'key progress must use the placeholders {page}, {total} (it has {page})',
    ],
    [
      'an invented placeholder',
      { ...ES, start: 'Empezar {name}' },
      'key start must use the placeholders none (it has {name})',
    ],
    [
      'a nested key missing',
      { ...ES, pageTitles: { ...ES.pageTitles, odi: undefined } },
      'key pageTitles.odi is missing',
    ],
    [
      'a nested object given as text',
      { ...ES, odiAnchors: 'x' },
      'key odiAnchors must be a JSON object of texts',
    ],
  ])('refuses %s, naming the key', (_name, body, message) => {
    const issues = catalogProblems(JSON.parse(JSON.stringify(body)));
    expect(issues.map((i) => i.message)).toEqual([message]);
  });

  test('the satisfaction questions and a medicine in words come from the catalog; the English from the instrument', () => {
    expect(EN.satisfactionQuestions.overall).toBe(SATISFACTION.items[0]?.label);
    expect(EN.satisfactionChoices.very_satisfied).toBe('Very satisfied');
    expect(EN_CATALOG.medsDosePerDay).toBe('{dose}, {count} a day');
    const oxy = { drug: 'oxycodone', strength: 10, unit: 'mg', route: 'oral', dosesPerDay: 3 };
    expect(recordedMedicineWords(oxy, doseWording(EN))).toBe('Oxycodone 10 mg tablet, 3 a day');
    expect(recordedMedicineWords(oxy)).toBe('Oxycodone 10 mg tablet, 3 a day');
    const unsure = { key: 'acetaminophen', strength: 'unsure' as const, perDay: 2 };
    expect(addedMedicineWords(unsure)).toBe('Paracetamol (strength not sure), 2 a day');
    const es = doseWording(messagesFromCatalog('es', ES));
    expect(recordedMedicineWords(oxy, es)).toBe('Oxicodona 10 mg comprimido, 3 al día');
    expect(recordedMedicineWords({ ...oxy, drug: 'nsaid', strength: null }, es)).toBe(
      'Antiinflamatorio para el dolor comprimido, 3 al día',
    );
    expect(addedMedicineWords(unsure, es)).toBe('Paracetamol (dosis no segura), 2 al día');
    expect(addedMedicineWords({ key: 'fentanyl_patch', strength: 25, perDay: null }, es)).toBe(
      'Fentanilo 25 mcg/h parche',
    );
    const m = messagesFromCatalog('es', ES);
    expect(m.satisfactionQuestions.would_repeat).toBe('¿Volvería a hacerse el procedimiento?');
    expect(m.medsStrength(m.doseForms.capsule ?? '')).toContain('cada cápsula');
  });

  test('a catalog installed before these keys existed: English for each missing key; a new install must have them', () => {
    const older = JSON.parse(JSON.stringify(ES));
    for (const key of ['satisfactionQuestions', 'satisfactionChoices', 'doseForms', 'medsDosePerDay']) {
      delete older[key];
    }
    delete older.drugGroups.nsaid;
    const m = messagesFromCatalog('es', older);
    expect(m.lang).toBe('es');
    expect(m.yes).toBe('Sí');
    expect(m.satisfactionQuestions.overall).toBe('Overall, how satisfied are you with the procedure?');
    expect(m.satisfactionChoices.satisfied).toBe('Satisfied');
    expect(m.doseForms.tablet).toBe('tablet');
    expect(m.medsDosePerDay('X', '3')).toBe('X, 3 a day');
    expect(m.medsDoseUnsure('X')).toBe('X (dosis no segura)');
    expect(m.drugGroups.nsaid).toBe('Anti-inflammatory pain medicine');
    expect(m.drugGroups.gabapentinoid).toBe('Gabapentina o pregabalina');
    expect(catalogProblems(older).map((i) => i.message)).toEqual([
      'key satisfactionQuestions is missing',
      'key satisfactionChoices is missing',
      'key doseForms is missing',
      'key medsDosePerDay is missing',
      'key drugGroups.nsaid is missing',
    ]);
  });

  test('the medicine names come from the catalog, English from PATIENT_DRUGS; an older catalog shows them in English', () => {
    expect(EN.drugNames.fentanyl_patch).toBe('Fentanyl patch (Duragesic)');
    expect(EN.drugShortNames.oxycodone).toBe('Oxycodone');
    expect(Object.keys(EN.drugNames)).toEqual(PATIENT_DRUGS.map((d) => d.key));
    const es = messagesFromCatalog('es', ES);
    expect(es.drugNames.oxycodone).toBe('Oxicodona (OxyContin, Percocet, Roxicodone)');
    const unsure = { key: 'gabapentin', strength: 'unsure' as const, perDay: 2 };
    expect(addedMedicineWords(unsure, doseWording(es))).toBe('Gabapentina (dosis no segura), 2 al día');
    const older = JSON.parse(JSON.stringify(ES));
    delete older.drugNames;
    delete older.drugShortNames.gabapentin;
    const m = messagesFromCatalog('es', older);
    expect(m.drugNames.oxycodone).toBe('Oxycodone (OxyContin, Percocet, Roxicodone)');
    expect(addedMedicineWords(unsure, doseWording(m))).toBe('Gabapentin (dosis no segura), 2 al día');
    expect(catalogProblems(older).map((i) => i.message)).toEqual([
      'key drugShortNames.gabapentin is missing',
      'key drugNames is missing',
    ]);
  });

  test('refuses a catalog that is not an object in one line', () => {
    expect(catalogProblems(['x']).map((i) => i.message)).toEqual([
      'the catalog must be a JSON object of texts',
    ]);
  });
});
