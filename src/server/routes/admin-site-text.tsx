import type { Context } from 'hono';
import { RegistryError } from '../../errors.js';
import {
  installSiteText,
  listSites,
  listSiteTexts,
  type RegistryDeps,
  setSiteLanguage,
  siteLanguages,
} from '../../registry/index.js';
import { type FormIssues, formIssues } from '../../web/admin/form.js';
import { SiteTextPage } from '../../web/admin/site-text-page.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { field, formOf, renderPage } from '../render.js';
import type { RouteTable } from '../router.js';
import { userOf } from '../router.js';

const ADMIN = ['admin'] as const;
const FIELDS = ['kind', 'language', 'licence'];

/** The fields of the install form, the text read from the uploaded file when one was given. */
async function installForm(c: Context<AppEnv>): Promise<Record<string, string>> {
  let body: Record<string, string | File | (string | File)[]>;
  try {
    body = await c.req.parseBody({ all: true });
  } catch {
    throw new RegistryError(
      'VALIDATION_FAILED',
      'The form could not be read: its body is not a well-formed form. Reload the page and send it again.',
    );
  }
  const one = (name: string) => {
    const v = body[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const text = (name: string) => {
    const v = one(name);
    return typeof v === 'string' ? v : '';
  };
  const file = one('file');
  const fromFile = file instanceof File && file.size > 0 ? await file.text() : '';
  return {
    kind: text('kind'),
    language: text('language').trim(),
    licence: text('licence'),
    text: fromFile || text('text'),
  };
}

/** A site's patient-page language and installed texts (admin only): docs/epro.md "Language". */
export function adminSiteTextRoutes(routes: RouteTable, deps: AppDeps): void {
  const registry: RegistryDeps = deps.registry;
  const actorOf = (c: Context<AppEnv>) => userOf(c).actor;

  const page = async (
    c: Context<AppEnv>,
    failed?: { form?: Record<string, string>; issues?: FormIssues; languageIssues?: FormIssues },
  ) => {
    const actor = actorOf(c);
    const siteId = c.req.param('siteId') ?? '';
    const site = (await listSites(registry, actor)).find((s) => s.id === siteId);
    if (!site) throw new RegistryError('SITE_NOT_FOUND', `site ${siteId} not found`);
    const row = await registry.db
      .selectFrom('site')
      .select('language')
      .where('id', '=', siteId)
      .executeTakeFirst();
    const [texts, languages] = await Promise.all([
      listSiteTexts(registry, actor, siteId),
      siteLanguages(registry, actor, siteId),
    ]);
    const props = { site: { ...site, language: row?.language ?? 'en' }, texts, languages, ...failed };
    return renderPage(c, `Patient pages of ${siteId}`, <SiteTextPage {...props} />, failed ? 422 : 200);
  };

  routes.get('/admin/sites/:siteId/texts', ADMIN, (c) => page(c));

  routes.post('/admin/sites/:siteId/language', ADMIN, async (c) => {
    const siteId = c.req.param('siteId') ?? '';
    const language = field(await formOf(c), 'language');
    try {
      await setSiteLanguage(registry, actorOf(c), siteId, language);
    } catch (error) {
      if (!(error instanceof RegistryError) || error.code !== 'VALIDATION_FAILED') throw error;
      return page(c, { languageIssues: { language: error.issues.map((i) => i.message) } });
    }
    return c.redirect(`/admin/sites/${encodeURIComponent(siteId)}/texts`, 303);
  });

  routes.post('/admin/sites/:siteId/texts', ADMIN, async (c) => {
    const siteId = c.req.param('siteId') ?? '';
    const form = await installForm(c);
    try {
      await installSiteText(registry, actorOf(c), {
        siteId,
        kind: form.kind as 'catalog',
        language: form.language ?? '',
        text: form.text ?? '',
        licence: form.licence || null,
      });
    } catch (error) {
      if (!(error instanceof RegistryError) || error.code !== 'VALIDATION_FAILED') throw error;
      // Problems of the text itself (a key, a section) go beside the text; a refusal with no
      // issue (not JSON) is its own line there too.
      const byField = formIssues(error.issues, FIELDS);
      const { '': rest = [], ...named } = byField;
      const textIssues = error.issues.length === 0 ? [error.message] : rest;
      const issues: FormIssues = { ...named, ...(textIssues.length ? { text: textIssues } : {}) };
      return page(c, { form, issues });
    }
    return c.redirect(`/admin/sites/${encodeURIComponent(siteId)}/texts`, 303);
  });
}
