import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { EN } from './messages/en.js';
import { catalogProblems, EN_CATALOG, messagesFromCatalog, patientMessages } from './messages.js';

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

  test('refuses a catalog that is not an object in one line', () => {
    expect(catalogProblems(['x']).map((i) => i.message)).toEqual([
      'the catalog must be a JSON object of texts',
    ]);
  });
});
