import { EN, type EproMessages } from './messages/en.js';

/** The message catalogs of the patient pages by language; a site's language is added here. */
export const CATALOGS: Readonly<Record<string, EproMessages>> = { en: EN };

/** The catalog for a language, English when there is none. */
export function messagesFor(lang: string | null | undefined): EproMessages {
  return (lang && CATALOGS[lang]) || EN;
}
