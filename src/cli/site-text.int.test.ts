// `sifreg site-text` as an administrator runs it: the real bin/sifreg.js (compiled dist/, `npm run
// build` first) against a test database through DATABASE_URL.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ES_CATALOG_TEXT, placeholderOdi } from '../../test/fixtures/site-texts.js';
import { runSifregBin } from '../../test/helpers/bin.js';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';

let root: string;
let t: TestDatabase;

const sifreg = (args: string[]) => runSifregBin(args, { cwd: root, env: { DATABASE_URL: t.url } });

/** `sifreg site-text install` of a text of this kind into VCU, in Spanish. */
const install = (kind: 'catalog' | 'odi', ...rest: string[]) =>
  sifreg(['site-text', 'install', '--site', 'VCU', '--kind', kind, '--lang', 'es', ...rest]);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sifreg-site-text-'));
  t = await createTestDatabase();
  await writeFile(join(root, 'es.json'), ES_CATALOG_TEXT);
  await writeFile(join(root, 'odi-es.json'), JSON.stringify(placeholderOdi('es')));
  const short = placeholderOdi('es');
  short.s4_walking = short.s4_walking!.slice(0, 4);
  await writeFile(join(root, 'odi-short.json'), JSON.stringify(short));
  expect((await sifreg(['site', 'add', '--code', 'VCU', '--name', 'VCU spine center'])).code).toBe(0);
}, 120_000);
afterAll(async () => {
  await t?.destroy();
  await rm(root, { recursive: true, force: true });
});

describe('sifreg site-text', () => {
  test('installs a catalog and a licensed ODI wording, sets the language, lists them', async () => {
    const catalog = await install('catalog', 'es.json');
    expect(catalog).toEqual({ code: 0, stdout: 'site-text: es catalog installed for VCU\n', stderr: '' });
    const odi = await install('odi', 'odi-es.json', '--licence', 'Test licence (fixture)');
    expect(odi.stdout).toBe('site-text: es ODI wording installed for VCU\n');
    const again = await install('catalog', 'es.json');
    expect(again.stdout).toBe('site-text: es catalog installed for VCU (replaces the previous one)\n');
    const language = await sifreg(['site-text', 'language', '--site', 'VCU', '--lang', 'es']);
    expect(language).toEqual({ code: 0, stdout: 'site-text: VCU patient pages in es\n', stderr: '' });
    const list = await sifreg(['site-text', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^VCU\tcatalog\tes\t\d{4}-\d\d-\d\dT[\d:.]+Z\tsystem$/),
      expect.stringMatching(/^VCU\todi\tes\t.+\tsystem {2}licence: Test licence \(fixture\)$/),
    ]);
    const audit = await t.db
      .selectFrom('audit_event')
      .select('action')
      .where('action', 'in', ['site_text.install', 'site.language'])
      .execute();
    expect(audit.map((a) => a.action)).toEqual([
      'site_text.install',
      'site_text.install',
      'site_text.install',
      'site.language',
    ]);
  });

  test('refusals are one line each, naming the section or the option, with a non-zero exit', async () => {
    const short = await install('odi', 'odi-short.json');
    expect(short.code).toBe(1);
    expect(short.stderr).toBe(
      'sifreg site-text: the es ODI wording for VCU was not installed: 2 problems\n' +
        '  section s4_walking must have exactly six statements (0–5); it has 4\n' +
        '  licence is required for an ODI wording: state the licence the site holds for this text\n',
    );
    const missing = await install('catalog', 'nope.json');
    expect([missing.code, missing.stderr]).toEqual([
      2,
      'sifreg site-text: cannot read nope.json: no such file (see "sifreg site-text --help")\n',
    ]);
    const noLang = await sifreg(['site-text', 'language', '--site', 'VCU', '--lang', 'fr']);
    expect(noLang.code).toBe(1);
    expect(noLang.stderr).toBe(
      'sifreg site-text: the language of VCU was not changed\n' +
        '  language fr has no catalog at VCU: install one first (en, es can be chosen)\n',
    );
    const template = await sifreg(['site-text', 'template']);
    expect(JSON.parse(template.stdout).progress).toBe('Page {page} of {total}');
  });
});
