import type { Issue } from '../../errors.js';
import type { InstrumentDef } from '../../instruments/index.js';
import type { DoseWording } from '../../instruments/patient-drugs.js';
import { EN, type EproMessages } from './messages/en.js';

/*
 * The message catalogs of the patient pages. English is built in (messages/en.ts); a site installs
 * another language as a catalog text (registry/site-text.ts): a JSON object with exactly the keys of
 * the English catalog (`lang` aside), each a string, the texts that take values written with the
 * same {placeholders} ("Page {page} of {total}"), and nested objects (page titles, ODI section
 * titles and anchors) with exactly the English keys.
 */

/** The message catalogs built into the registry, by language. */
export const CATALOGS: Readonly<Record<string, EproMessages>> = { en: EN };

/** The catalog for a language, English when there is none. */
export function messagesFor(lang: string | null | undefined): EproMessages {
  return (lang && CATALOGS[lang]) || EN;
}

/** A catalog as a site installs it: strings, or objects of strings. */
export interface CatalogText {
  [key: string]: string | CatalogText;
}

/** The values each text of the catalog that takes values is called with, in order: `{name}` in a catalog. */
const PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  progress: ['page', 'total'],
  medsStrength: ['form'],
  medsDosePerDay: ['dose', 'count'],
  medsDoseUnsure: ['name'],
  notYetText: ['day'],
  notAnOption: ['question'],
};

/** The longest text a catalog may hold (a page text, not a document). */
const MAX_TEXT = 4000;

const PLACEHOLDER = /\{([A-Za-z]\w*)\}/g;

function templateOf(value: unknown, key: string): string | CatalogText {
  if (typeof value === 'string') return value;
  if (typeof value === 'function') {
    const names = PARAMETERS[key];
    if (!names) throw new Error(`messages: text "${key}" takes values but has no entry in PARAMETERS`);
    return (value as (...args: string[]) => string)(...names.map((n) => `{${n}}`));
  }
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, templateOf(v, `${key}.${k}`)]),
  );
}

/** The English catalog as a site's catalog is written (what a translator starts from). */
export const EN_CATALOG: CatalogText = Object.fromEntries(
  Object.entries(EN)
    .filter(([key]) => key !== 'lang')
    .map(([key, value]) => [key, templateOf(value, key)]),
);

const placeholders = (text: string) => [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))].sort();

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkLevel(template: CatalogText, body: unknown, path: string[], issues: Issue[]): void {
  const where = path.join('.');
  if (!isObject(body)) {
    const what = path.length === 0 ? 'the catalog' : `key ${where}`;
    issues.push({ path, code: 'invalid_type', message: `${what} must be a JSON object of texts` });
    return;
  }
  for (const [key, english] of Object.entries(template)) {
    const at = [...path, key];
    const name = at.join('.');
    const value = body[key];
    if (value === undefined) {
      issues.push({ path: at, code: 'required', message: `key ${name} is missing` });
    } else if (typeof english !== 'string') {
      checkLevel(english, value, at, issues);
    } else if (typeof value !== 'string' || value.trim() === '') {
      issues.push({
        path: at,
        code: 'invalid_type',
        message: `key ${name} must be a text that is not empty`,
      });
    } else if (value.length > MAX_TEXT) {
      issues.push({
        path: at,
        code: 'too_big',
        message: `key ${name} is longer than ${MAX_TEXT} characters`,
      });
    } else {
      const want = placeholders(english);
      const got = placeholders(value);
      if (want.join() !== got.join()) {
        const list = (names: string[]) => (names.length ? names.map((n) => `{${n}}`).join(', ') : 'none');
        issues.push({
          path: at,
          code: 'placeholders',
          message: `key ${name} must use the placeholders ${list(want)} (it has ${list(got)})`,
        });
      }
    }
  }
  for (const key of Object.keys(body)) {
    if (!(key in template)) {
      const name = [...path, key].join('.');
      issues.push({
        path: [...path, key],
        code: 'unrecognized_keys',
        message: `key ${name} is not a catalog key`,
      });
    }
  }
}

/** Every problem of a catalog a site installs, one issue per key (empty: it can be installed). */
export function catalogProblems(body: unknown): Issue[] {
  const issues: Issue[] = [];
  checkLevel(EN_CATALOG, body, [], issues);
  return issues;
}

const fill = (template: string, names: readonly string[], args: readonly unknown[]) =>
  template
    .replace(PLACEHOLDER, (whole, name: string) => {
      const i = names.indexOf(name);
      return i < 0 ? whole : String(args[i] ?? '');
    })
    .replace(/ {2,}/g, ' ');

function build(english: unknown, text: unknown, key: string): unknown {
  if (typeof english === 'string') return typeof text === 'string' ? text : english;
  if (typeof english === 'function') {
    const names = PARAMETERS[key] ?? [];
    if (typeof text !== 'string') return english;
    return (...args: unknown[]) => fill(text, names, args);
  }
  const given = isObject(text) ? text : {};
  return Object.fromEntries(
    Object.entries(english as Record<string, unknown>).map(([k, v]) => [
      k,
      build(v, given[k], `${key}.${k}`),
    ]),
  );
}

/** The patient pages' messages from an installed catalog (checked at install; English fills any gap). */
export function messagesFromCatalog(lang: string, text: CatalogText): EproMessages {
  const out = Object.fromEntries(
    Object.entries(EN).map(([key, english]) => [key, key === 'lang' ? lang : build(english, text[key], key)]),
  );
  return out as EproMessages;
}

/**
 * The messages of a patient session: the site's installed catalog for its language, else the
 * built-in catalog of that language, else English.
 */
export function patientMessages(texts: { language: string; catalog: unknown }): EproMessages {
  if (isObject(texts.catalog)) return messagesFromCatalog(texts.language, texts.catalog as CatalogText);
  return messagesFor(texts.language);
}

/**
 * A question of an instrument as the patient page names it, in the page's language: an ODI section
 * by its title, a satisfaction question by its catalog text (undefined: the instrument's label).
 */
export function questionLabel(m: EproMessages, def: InstrumentDef, id: string): string | undefined {
  if (def.id === 'odi') return m.odiSections[id];
  if (def.id === 'satisfaction') return m.satisfactionQuestions[id];
  return undefined;
}

/** A choice of an instrument's question in the page's language (ODI's neutral anchors, satisfaction's choices). */
export function choiceLabel(m: EproMessages, def: InstrumentDef, code: string): string | undefined {
  if (def.id === 'odi') return m.odiAnchors[code];
  if (def.id === 'satisfaction') return m.satisfactionChoices[code];
  return undefined;
}

/** How the patient pages word a medicine, from the session's catalog (instruments/patient-drugs.ts). */
export function doseWording(m: EproMessages): DoseWording {
  return {
    forms: m.doseForms,
    perDay: m.medsDosePerDay,
    unsure: m.medsDoseUnsure,
    groups: m.drugGroups,
    shorts: m.drugShortNames,
  };
}
