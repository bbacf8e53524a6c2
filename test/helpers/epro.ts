import { expect } from 'vitest';
import { installSiteText, type RegistryDeps, setSiteLanguage } from '../../src/registry/index.js';
import { ES_CATALOG_TEXT, placeholderOdi } from '../fixtures/site-texts.js';
import { ADMIN } from './registry.js';
import { type createTestWeb, WebClient } from './web.js';

/** The origin the patient pages are served from in the ePRO route tests. */
export const EPRO_ORIGIN = 'https://registry.example.org';

/**
 * The admin puts the site's patient pages in Spanish: the fixture catalog installed (not a
 * validated translation), the placeholder ODI wording too when its licence is given, the language set.
 */
export async function setSiteSpanish(deps: RegistryDeps, siteId: string, odiLicence?: string): Promise<void> {
  await installSiteText(deps, ADMIN, { siteId, kind: 'catalog', language: 'es', text: ES_CATALOG_TEXT });
  if (odiLicence !== undefined) {
    await installSiteText(deps, ADMIN, {
      siteId,
      kind: 'odi',
      language: 'es',
      text: JSON.stringify(placeholderOdi('es')),
      licence: odiLicence,
    });
  }
  await setSiteLanguage(deps, ADMIN, siteId, 'es');
}

/** A patient's browser that opened the link: the registry redirects it to the questionnaire. */
export async function openLink(
  web: Awaited<ReturnType<typeof createTestWeb>>,
  token: string,
  origin = EPRO_ORIGIN,
): Promise<WebClient> {
  const p = new WebClient(web.app, null, origin);
  expect((await p.get(`/p/${token}`)).status).toBe(303);
  return p;
}
