import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import { type Issue, RegistryError } from '../errors.js';
import { ODI_SECTIONS } from '../instruments/index.js';
import { appendAudit } from '../store/index.js';
import { CATALOGS, catalogProblems } from '../web/epro/messages.js';
import { type Actor, type RegistryDeps, requirePermission } from './context.js';
import { parseInput } from './parse-input.js';

/*
 * The texts a site installs for its patient pages (docs/epro.md "Language"), like a REDCap or Castor
 * project's languages: a message catalog in a language, and the site's licensed ODI wording (the
 * registry ships only section titles and neutral anchors, CLINICAL.md). An administrator installs
 * them and sets the site's language; a patient never edits them. One live text per site, kind and
 * language: installing again replaces it (the old row kept, marked replaced), audited as
 * `site_text.install`.
 */

/** A site's language and the texts it installed in it: what its patient pages show. */
export interface PatientTexts {
  language: string;
  catalog: unknown;
  odi: unknown;
}

/**
 * Joins for a query over `epro_link l`: the link's site, and its installed catalog and ODI wording in
 * the site's language; select SITE_TEXT_COLUMNS with them.
 */
export const SITE_TEXT_JOINS = sql`join site on site.id = l.site_id
  left join site_text cat on cat.site_id = site.id and cat.kind = 'catalog'
    and cat.language = coalesce(site.language, 'en') and cat.replaced_at is null
  left join site_text odi on odi.site_id = site.id and odi.kind = 'odi'
    and odi.language = coalesce(site.language, 'en') and odi.replaced_at is null`;
export const SITE_TEXT_COLUMNS = sql`coalesce(site.language, 'en') as language, cat.body as catalog, odi.body as odi`;

export const SITE_TEXT_KINDS = ['catalog', 'odi'] as const;
export type SiteTextKind = (typeof SITE_TEXT_KINDS)[number];

/** A language tag as the patient pages' `lang` attribute takes it: `es`, `fil`, `pt-BR`. */
const LANGUAGE = /^[a-z]{2,3}(-[A-Z]{2})?$/;
/** The largest text file accepted (a catalog is about 10 kB). */
const MAX_FILE = 256 * 1024;
const MAX_STATEMENT = 1000;

const INSTALL_INPUT = z.object({
  siteId: z.string().min(1, 'site is required'),
  kind: z.enum(SITE_TEXT_KINDS, { message: 'kind must be catalog or odi' }),
  language: z.string().regex(LANGUAGE, 'language must be a code such as es, fil or pt-BR'),
  text: z.string().max(MAX_FILE, `the text is larger than ${MAX_FILE / 1024} kB`),
  licence: z.string().trim().max(2000, 'licence must be at most 2000 characters').nullish(),
});

export type SiteTextInput = z.input<typeof INSTALL_INPUT>;

/** Every problem of an ODI wording: each of the ten sections with exactly six statements (0–5). */
export function odiWordingProblems(body: unknown): Issue[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return [
      {
        path: [],
        code: 'invalid_type',
        message: 'the ODI wording must be a JSON object of section id → six statements',
      },
    ];
  }
  const issues: Issue[] = [];
  const given = body as Record<string, unknown>;
  for (const [id] of ODI_SECTIONS) {
    const statements = given[id];
    if (statements === undefined) {
      issues.push({ path: [id], code: 'required', message: `section ${id} is missing` });
    } else if (!Array.isArray(statements) || statements.length !== 6) {
      const has = Array.isArray(statements) ? `it has ${statements.length}` : 'it is not a list';
      issues.push({
        path: [id],
        code: 'invalid_length',
        message: `section ${id} must have exactly six statements (0–5); ${has}`,
      });
    } else {
      statements.forEach((s, i) => {
        if (typeof s !== 'string' || s.trim() === '' || s.length > MAX_STATEMENT) {
          issues.push({
            path: [id, i],
            code: 'invalid_type',
            message: `section ${id} statement ${i} must be a text of 1 to ${MAX_STATEMENT} characters`,
          });
        }
      });
    }
  }
  const known = new Set<string>(ODI_SECTIONS.map(([id]) => id));
  for (const key of Object.keys(given)) {
    if (!known.has(key))
      issues.push({ path: [key], code: 'unrecognized_keys', message: `${key} is not an ODI section` });
  }
  return issues;
}

function refuse(message: string, issues: Issue[]): never {
  throw new RegistryError('VALIDATION_FAILED', message, issues);
}

async function requireSiteRow(db: RegistryDeps['db'], siteId: string) {
  const site = await db
    .selectFrom('site')
    .select(['id', 'language'])
    .where('id', '=', siteId)
    .executeTakeFirst();
  if (!site) throw new RegistryError('SITE_NOT_FOUND', `site ${siteId} not found`);
  return site;
}

/**
 * Installs a site's catalog or licensed ODI wording in a language (admin), replacing the live one.
 * `text` is the file as given (JSON); every problem is one issue naming the key or section.
 */
export async function installSiteText(
  deps: RegistryDeps,
  actor: Actor,
  input: SiteTextInput,
): Promise<{ id: number; replaced: boolean }> {
  requirePermission(actor, 'site.manage');
  const given = parseInput(INSTALL_INPUT, input);
  const what = `the ${given.language} ${given.kind === 'odi' ? 'ODI wording' : 'catalog'} for ${given.siteId}`;
  let body: unknown;
  try {
    body = JSON.parse(given.text);
  } catch (error) {
    refuse(`${what} is not valid JSON (${(error as Error).message})`, []);
  }
  body = parseInput(z.unknown(), body);
  const licence = given.licence || null;
  const issues = given.kind === 'catalog' ? catalogProblems(body) : odiWordingProblems(body);
  if (given.kind === 'odi' && !licence) {
    issues.push({
      path: ['licence'],
      code: 'required',
      message: 'licence is required for an ODI wording: state the licence the site holds for this text',
    });
  }
  if (issues.length > 0) {
    const n = issues.length;
    refuse(`${what} was not installed: ${n} problem${n === 1 ? '' : 's'}`, issues);
  }
  const json = JSON.stringify(body);
  const now = deps.clock();
  return deps.db.transaction().execute(async (trx) => {
    await requireSiteRow(trx, given.siteId);
    const old = await trx
      .updateTable('site_text')
      .set({ replaced_at: now })
      .where('site_id', '=', given.siteId)
      .where('kind', '=', given.kind)
      .where('language', '=', given.language)
      .where('replaced_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    const row = await trx
      .insertInto('site_text')
      .values({
        site_id: given.siteId,
        kind: given.kind,
        language: given.language,
        body: json,
        licence,
        installed_by: actor.username,
        installed_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: 'site_text.install',
      siteId: given.siteId,
      entity: 'site',
      entityId: given.siteId,
      before: old ? { site_text: Number(old.id) } : null,
      after: {
        site_text: Number(row.id),
        kind: given.kind,
        language: given.language,
        licence,
        sha256: createHash('sha256').update(json).digest('hex'),
      },
    });
    return { id: Number(row.id), replaced: old !== undefined };
  });
}

export interface SiteTextRow {
  siteId: string;
  kind: SiteTextKind;
  language: string;
  licence: string | null;
  installedBy: string;
  installedAt: Date;
}

/** The live texts of every site, or of one (admin): what is installed, never the text itself. */
export async function listSiteTexts(
  deps: RegistryDeps,
  actor: Actor,
  siteId?: string,
): Promise<SiteTextRow[]> {
  requirePermission(actor, 'site.manage');
  let q = deps.db
    .selectFrom('site_text')
    .select(['site_id', 'kind', 'language', 'licence', 'installed_by', 'installed_at'])
    .where('replaced_at', 'is', null);
  if (siteId !== undefined) q = q.where('site_id', '=', siteId);
  const rows = await q.orderBy('site_id').orderBy('kind').orderBy('language').execute();
  return rows.map((r) => ({
    siteId: r.site_id,
    kind: r.kind,
    language: r.language,
    licence: r.licence,
    installedBy: r.installed_by,
    installedAt: r.installed_at,
  }));
}

/** The languages a site's patient pages can use: English, the built-in catalogs and its installed ones. */
export async function siteLanguages(deps: RegistryDeps, actor: Actor, siteId: string): Promise<string[]> {
  const installed = await listSiteTexts(deps, actor, siteId);
  const all = new Set(['en', ...Object.keys(CATALOGS)]);
  for (const t of installed) if (t.kind === 'catalog') all.add(t.language);
  return [...all].sort();
}

/** Sets the language of a site's patient pages (admin): one it has a catalog for, audited. */
export async function setSiteLanguage(
  deps: RegistryDeps,
  actor: Actor,
  siteId: string,
  language: string,
): Promise<void> {
  requirePermission(actor, 'site.manage');
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const site = await requireSiteRow(trx, siteId);
    const available = await siteLanguages({ ...deps, db: trx }, actor, siteId);
    if (!available.includes(language)) {
      refuse(`the language of ${siteId} was not changed`, [
        {
          path: ['language'],
          code: 'invalid_value',
          message: `language ${language} has no catalog at ${siteId}: install one first (${available.join(', ')} can be chosen)`,
        },
      ]);
    }
    // English is the null value: sites that never chose keep their row (and its audit hash) as it was.
    const value = language === 'en' ? null : language;
    await trx.updateTable('site').set({ language: value }).where('id', '=', siteId).execute();
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: 'site.language',
      siteId,
      entity: 'site',
      entityId: siteId,
      before: { language: site.language ?? 'en' },
      after: { language },
    });
  });
}
