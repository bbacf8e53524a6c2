import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ES_CATALOG_TEXT, placeholderOdi } from '../../test/fixtures/site-texts.js';
import { ADMIN, createTestRegistry, rejects, VCU_COORDINATOR } from '../../test/helpers/registry.js';
import {
  createSite,
  installSiteText,
  listSiteTexts,
  SYSTEM_ACTOR,
  setSiteLanguage,
  siteLanguages,
} from './index.js';

let r: Awaited<ReturnType<typeof createTestRegistry>>;
const LICENCE = 'Test licence statement (fixture; no real ODI text)';
const odiText = (body: unknown = placeholderOdi()) => JSON.stringify(body);

beforeAll(async () => {
  r = await createTestRegistry('2026-03-02T09:00:00.000Z');
  await createSite(r.deps, SYSTEM_ACTOR, { id: 'VCU', name: 'VCU spine center' });
});
afterAll(() => r.destroy());

const messages = (e: { issues: { message: string }[] }) => e.issues.map((i) => i.message);

describe('site texts', () => {
  test('an admin installs a catalog and an ODI wording; installing again replaces the live one, audited', async () => {
    const first = await installSiteText(r.deps, ADMIN, {
      siteId: 'VCU',
      kind: 'catalog',
      language: 'es',
      text: ES_CATALOG_TEXT,
    });
    expect(first.replaced).toBe(false);
    const odi = await installSiteText(r.deps, ADMIN, {
      siteId: 'VCU',
      kind: 'odi',
      language: 'es',
      text: odiText(),
      licence: LICENCE,
    });
    expect(odi.replaced).toBe(false);
    r.setTime('2026-03-03T09:00:00.000Z');
    const again = await installSiteText(r.deps, SYSTEM_ACTOR, {
      siteId: 'VCU',
      kind: 'catalog',
      language: 'es',
      text: ES_CATALOG_TEXT,
    });
    expect(again.replaced).toBe(true);
    const live = await listSiteTexts(r.deps, ADMIN, 'VCU');
    expect(live.map((t) => [t.kind, t.language, t.licence, t.installedBy])).toEqual([
      ['catalog', 'es', null, 'system'],
      ['odi', 'es', LICENCE, 'ada.admin'],
    ]);
    const rows = await sql<{ id: string; replaced_at: Date | null }>`
      select id, replaced_at from site_text where kind = 'catalog' order by id`.execute(r.deps.db);
    expect(rows.rows.map((x) => x.replaced_at?.toISOString() ?? null)).toEqual([
      '2026-03-03T09:00:00.000Z',
      null,
    ]);
    const audit = await sql<{
      action: string;
      before: unknown;
      after: { kind: string; licence: string | null };
    }>`
      select action, before, after from audit_event where action = 'site_text.install' order by id`.execute(
      r.deps.db,
    );
    expect(audit.rows.map((a) => [a.after.kind, a.after.licence, a.before !== null])).toEqual([
      ['catalog', null, false],
      ['odi', LICENCE, false],
      ['catalog', null, true],
    ]);
    // The audit names the text by its hash; the licensed wording itself is not copied into the trail.
    expect(JSON.stringify(audit.rows)).not.toContain('Placeholder');
  });

  test('the site language: English, or a language with an installed catalog; audited', async () => {
    expect(await siteLanguages(r.deps, ADMIN, 'VCU')).toEqual(['en', 'es']);
    await setSiteLanguage(r.deps, ADMIN, 'VCU', 'es');
    const site = await r.deps.db
      .selectFrom('site')
      .select('language')
      .where('id', '=', 'VCU')
      .executeTakeFirst();
    expect(site?.language).toBe('es');
    const refused = await rejects(setSiteLanguage(r.deps, ADMIN, 'VCU', 'fr'));
    expect(refused.code).toBe('VALIDATION_FAILED');
    expect(messages(refused)).toEqual([
      'language fr has no catalog at VCU: install one first (en, es can be chosen)',
    ]);
    await setSiteLanguage(r.deps, ADMIN, 'VCU', 'en');
    const back = await r.deps.db
      .selectFrom('site')
      .select('language')
      .where('id', '=', 'VCU')
      .executeTakeFirst();
    expect(back?.language).toBeNull();
    const audit = await sql<{ after: { language: string } }>`
      select after from audit_event where action = 'site.language' order by id`.execute(r.deps.db);
    expect(audit.rows.map((a) => a.after.language)).toEqual(['es', 'en']);
    await setSiteLanguage(r.deps, ADMIN, 'VCU', 'es');
  });

  test('only an administrator installs texts or sets the language', async () => {
    const install = { siteId: 'VCU', kind: 'catalog' as const, language: 'es', text: ES_CATALOG_TEXT };
    expect((await rejects(installSiteText(r.deps, VCU_COORDINATOR, install))).code).toBe('FORBIDDEN');
    expect((await rejects(setSiteLanguage(r.deps, VCU_COORDINATOR, 'VCU', 'es'))).code).toBe('FORBIDDEN');
    expect((await rejects(listSiteTexts(r.deps, VCU_COORDINATOR))).code).toBe('FORBIDDEN');
  });

  const es = JSON.parse(ES_CATALOG_TEXT);
  const sections = placeholderOdi();
  test.each([
    ['a catalog missing a key', 'catalog', { ...es, submit: undefined }, null, ['key submit is missing']],
    [
      'a catalog that lost a placeholder',
      'catalog',
      { ...es, notYetText: 'Se abre pronto.' },
      null,
      ['key notYetText must use the placeholders {day} (it has none)'],
    ],
    [
      'an ODI section with five statements',
      'odi',
      { ...sections, s3_lifting: sections.s3_lifting!.slice(0, 5) },
      LICENCE,
      ['section s3_lifting must have exactly six statements (0–5); it has 5'],
    ],
    [
      'an ODI wording missing a section and with an unknown one',
      'odi',
      { ...sections, s10_travelling: undefined, s11_driving: ['x'] },
      LICENCE,
      ['section s10_travelling is missing', 's11_driving is not an ODI section'],
    ],
    [
      'an empty ODI statement',
      'odi',
      { ...sections, s1_pain_intensity: ['a', 'b', '', 'd', 'e', 'f'] },
      LICENCE,
      ['section s1_pain_intensity statement 2 must be a text of 1 to 1000 characters'],
    ],
    [
      'an ODI wording without its licence',
      'odi',
      sections,
      null,
      ['licence is required for an ODI wording: state the licence the site holds for this text'],
    ],
  ])('refuses %s, one line per problem naming it', async (_name, kind, body, licence, expected) => {
    const refused = await rejects(
      installSiteText(r.deps, ADMIN, {
        siteId: 'VCU',
        kind: kind as 'catalog' | 'odi',
        language: 'de',
        text: JSON.stringify(body),
        licence,
      }),
    );
    expect(refused.code).toBe('VALIDATION_FAILED');
    expect(messages(refused)).toEqual(expected);
    expect(refused.message).toMatch(
      /^the de (catalog|ODI wording) for VCU was not installed: \d+ problems?$/,
    );
  });

  test('refuses text that is not JSON, a bad language, a bad kind and an unknown site', async () => {
    const base = { siteId: 'VCU', kind: 'catalog' as const, language: 'es', text: ES_CATALOG_TEXT };
    const notJson = await rejects(installSiteText(r.deps, ADMIN, { ...base, text: '{"appName": ' }));
    expect(notJson.message).toMatch(/^the es catalog for VCU is not valid JSON \(/);
    const lang = await rejects(installSiteText(r.deps, ADMIN, { ...base, language: 'Spanish' }));
    expect(messages(lang)).toEqual(['language: language must be a code such as es, fil or pt-BR']);
    const kind = await rejects(installSiteText(r.deps, ADMIN, { ...base, kind: 'pdf' as never }));
    expect(messages(kind)).toEqual(['kind: kind must be catalog or odi']);
    const site = await rejects(installSiteText(r.deps, ADMIN, { ...base, siteId: 'NOPE' }));
    expect([site.code, site.message]).toEqual(['SITE_NOT_FOUND', 'site NOPE not found']);
    const nul = await rejects(
      installSiteText(r.deps, ADMIN, {
        ...base,
        text: ES_CATALOG_TEXT.replace('"Empezar"', '"Emp\\u0000ezar"'),
      }),
    );
    expect(nul.code).toBe('VALIDATION_FAILED');
    expect(messages(nul)[0]).toMatch(/^start /);
  });
});
