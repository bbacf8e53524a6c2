import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ES_CATALOG_TEXT, placeholderOdi } from '../../../test/fixtures/site-texts.js';
import { createTestWeb, type WebClient } from '../../../test/helpers/web.js';

let web: Awaited<ReturnType<typeof createTestWeb>>;
let admin: WebClient;

/** The install form sent as multipart, the text as an uploaded file. */
async function upload(fields: Record<string, string>, file: string) {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  body.append('file', new File([file], 'text.json', { type: 'application/json' }));
  return web.app.request('/admin/sites/VCU/texts', {
    method: 'POST',
    body,
    headers: { cookie: admin.cookie ?? '', origin: 'http://localhost' },
  });
}

beforeAll(async () => {
  web = await createTestWeb();
  admin = await web.as('ada.admin');
});
afterAll(() => web.destroy());

describe('admin: a site patient pages language and texts', () => {
  test('the sites page links to each site; the page starts in English with nothing installed', async () => {
    expect(await (await admin.get('/admin/sites')).text()).toContain('href="/admin/sites/VCU/texts"');
    const page = await (await admin.get('/admin/sites/VCU/texts')).text();
    expect(page).toContain('Patient pages of VCU');
    expect(page).toContain('None yet');
  });

  test('a catalog pasted as JSON and a licensed ODI wording uploaded as a file are installed; the language is set', async () => {
    const pasted = await admin.post('/admin/sites/VCU/texts', {
      kind: 'catalog',
      language: 'es',
      text: ES_CATALOG_TEXT,
      licence: '',
    });
    expect([pasted.status, pasted.headers.get('location')]).toEqual([303, '/admin/sites/VCU/texts']);
    const uploaded = await upload(
      { kind: 'odi', language: 'es', licence: 'Test licence (fixture)' },
      JSON.stringify(placeholderOdi()),
    );
    expect(uploaded.status).toBe(303);
    const set = await admin.post('/admin/sites/VCU/language', { language: 'es' });
    expect(set.status).toBe(303);
    const page = await (await admin.get('/admin/sites/VCU/texts')).text();
    expect(page).toContain('Licensed ODI wording');
    expect(page).toContain('Test licence (fixture)');
    expect(page).toMatch(/<option value="es" selected="">es<\/option>/);
    const site = await web.registry.deps.db
      .selectFrom('site')
      .select('language')
      .where('id', '=', 'VCU')
      .executeTakeFirst();
    expect(site?.language).toBe('es');
  });

  test('refusals are shown beside the form, one line per key or section, nothing installed', async () => {
    const es = JSON.parse(ES_CATALOG_TEXT);
    delete es.submit;
    const catalog = await admin.post('/admin/sites/VCU/texts', {
      kind: 'catalog',
      language: 'fr',
      text: JSON.stringify(es),
    });
    expect(catalog.status).toBe(422);
    const html = await catalog.text();
    // Beside the text box, one line per problem (error-summary.tsx's FieldError), and in the summary.
    expect(html).toMatch(
      /id="site-text-text-error">(<span class="error-line">.*?<\/span>)*<span class="error-line"><span class="visually-hidden">Error: <\/span>key submit is missing<\/span>/,
    );
    expect(html).toContain('<a href="#site-text-text">Text (JSON): key submit is missing</a>');
    const short = placeholderOdi();
    short.s7_sleeping = ['only one'];
    const odi = await upload({ kind: 'odi', language: 'fr', licence: '' }, JSON.stringify(short));
    expect(odi.status).toBe(422);
    const odiHtml = await odi.text();
    expect(odiHtml).toContain('section s7_sleeping must have exactly six statements (0–5); it has 1');
    expect(odiHtml).toContain('licence is required for an ODI wording');
    const notJson = await admin.post('/admin/sites/VCU/texts', {
      kind: 'catalog',
      language: 'fr',
      text: '{',
    });
    expect(notJson.status).toBe(422);
    expect(await notJson.text()).toMatch(/the fr catalog for VCU is not valid JSON/);
    const language = await admin.post('/admin/sites/VCU/language', { language: 'fr' });
    expect(language.status).toBe(422);
    expect(await language.text()).toContain('language fr has no catalog at VCU');
    const rows = await web.registry.deps.db.selectFrom('site_text').select('language').execute();
    expect(rows.map((r) => r.language)).toEqual(['es', 'es']);
  });

  test('only an administrator reaches the page and its forms', async () => {
    const coordinator = await web.as('cora.vcu');
    expect((await coordinator.get('/admin/sites/VCU/texts')).status).toBe(403);
    expect((await coordinator.post('/admin/sites/VCU/language', { language: 'en' })).status).toBe(403);
    expect((await admin.get('/admin/sites/NOPE/texts')).status).toBe(404);
  });
});
